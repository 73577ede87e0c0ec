"""All-or-nothing outputs: stage every new file next to the outputs, then swap them in at once.

A command that writes several outputs (a pack: its key file and its PDF folder; a grading
run: its --out folder; the ``key`` command: a PDF and a folder of per-variant PDFs) writes
them all into a staging folder ``.<tag>.backprop-exam-staging`` beside the outputs, then
commits:

1. the staged outputs are complete; ``plan.json`` is written into the staging folder
   (written to a temporary name and renamed: it appears whole or not at all). Its
   existence is the commit point.
2. each output is moved into place: a file by one ``os.replace`` (atomic); a folder by
   renaming the old one to ``.<name>.backprop-exam-old`` and the staged one to its name.
3. the old folders are removed, then ``plan.json``, then the staging folder.

Signals are held during steps 1–3. If the process dies anyway (SIGKILL, power cut of the
process, a full disk during step 2), the next run for the same outputs finds the staging
folder and *recovers* before doing anything: with ``plan.json`` it finishes steps 2–3
(every step can be repeated), without it it deletes the staging folder, leaving the old
outputs untouched. So after any failure either the old outputs are intact or the new ones
are complete; never a mix.

Every output folder holds a manifest (``.backprop-exam-files``): what the tool wrote
there. ``--force`` replaces a folder only when everything in it is in its manifest, so a
mistyped ``--out`` never deletes a teacher's own files.
"""

from __future__ import annotations

import errno
import fnmatch
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from .errors import OutputExists, UserError, deferred_signals

MANIFEST = ".backprop-exam-files"
STAGING_SUFFIX = ".backprop-exam-staging"
OLD_SUFFIX = ".backprop-exam-old"
PLAN = "plan.json"
OWNER = "owner.pid"


def normal_mode_dir(path: Path) -> None:
    """Create ``path`` (and parents) with the ordinary permissions of the umask, not 0700."""
    path.mkdir(parents=True, exist_ok=True)


def write_manifest(folder: Path) -> None:
    """List every file and folder under ``folder`` (relative, '/'-separated) in its manifest."""
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.name != MANIFEST)
    (folder / MANIFEST).write_text("\n".join(names) + "\n", encoding="utf-8")


def check_replaceable(path: Path, *, force: bool, option: str, legacy: Iterable[str] = ()) -> None:
    """Refuse (OutputExists) to replace ``path`` unless it is absent, empty, or ours with --force.

    Ours: every entry is listed in its manifest or, for folders written before manifests
    existed, matches one of the ``legacy`` glob patterns (e.g. ``feedback/*.pdf``).
    """
    if path.is_symlink():
        raise OutputExists(
            f"{path} is a symbolic link; backprop-exam does not replace links: remove it or choose another {option}"
        )
    if not path.exists():
        return
    if not path.is_dir():
        raise OutputExists(f"{path} is a file; give a folder for {option} or choose another name")
    if not any(path.iterdir()):
        return
    if not force:
        raise OutputExists(f"{path} exists; pass --force to replace it or choose another {option}")
    foreign = _foreign(path, path, tuple(legacy))
    if foreign is not None:
        raise OutputExists(
            f"{path} holds {foreign}, which backprop-exam did not write, so --force will not replace the "
            f"folder; move that file away or choose another {option}"
        )


def _foreign(root: Path, folder: Path, legacy: tuple[str, ...]) -> str | None:
    """The first entry under ``folder`` that its manifest does not list.

    A sub-folder with a manifest of its own (``answer-keys/`` of the ``key`` command) is
    checked against that one.
    """
    listed: set[str] | None = None
    if (folder / MANIFEST).is_file():
        listed = set((folder / MANIFEST).read_text(encoding="utf-8", errors="replace").splitlines())
    pending = [folder]
    while pending:
        here = pending.pop()
        for entry in sorted(here.iterdir()):
            name = entry.relative_to(folder).as_posix()
            if entry.name == MANIFEST:
                continue
            if entry.is_symlink() or not (entry.is_file() or entry.is_dir()):
                return entry.relative_to(root).as_posix()
            if entry.is_dir() and (entry / MANIFEST).is_file():
                inner = _foreign(root, entry, ())
                if inner is not None:
                    return inner
                continue
            if listed is not None:
                ok = name in listed
            else:
                ok = entry.is_dir() or any(fnmatch.fnmatchcase(name, pat) for pat in legacy)
            if not ok:
                return entry.relative_to(root).as_posix()
            if entry.is_dir():
                pending.append(entry)
    return None


class Staging:
    """A staging folder beside the outputs; ``commit`` swaps every staged output into place.

    Use as a context manager: leaving the block without ``commit`` (an error, Ctrl-C,
    SIGTERM) deletes the staging folder and touches nothing else.
    """

    def __init__(self, root: Path, tag: str) -> None:
        self.root = Path(root)
        self.dir = staging_dir(self.root, tag)
        self.items: list[tuple[Path | None, Path]] = []
        self.committed = False

    def __enter__(self) -> Staging:
        normal_mode_dir(self.root)
        recover(self.dir)
        self.dir.mkdir()
        (self.dir / OWNER).write_text(str(os.getpid()), encoding="ascii")
        (self.dir / "new").mkdir()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self.committed:
            shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name: str) -> Path:
        """Where to write the staged version of output ``name`` (a file or a folder)."""
        return self.dir / "new" / name

    def replace(self, staged: Path | None, final: Path) -> None:
        """At commit, ``final`` becomes ``staged``; with ``staged`` None, ``final`` is removed."""
        self.items.append((staged, Path(final)))

    def commit(self) -> None:
        with deferred_signals():
            plan = [
                {"staged": None if s is None else str(s.resolve()), "final": str(f.absolute()),
                 "old": str(_old_of(f.absolute()))}
                for s, f in self.items
            ]  # fmt: skip
            tmp = self.dir / f"{PLAN}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(plan, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.dir / PLAN)
            self.committed = True
            _roll_forward(self.dir)


def staging_dir(root: Path, tag: str) -> Path:
    """Where the outputs tagged ``tag`` under ``root`` are staged (a fixed name: recovery finds it)."""
    return Path(root) / f".{tag}{STAGING_SUFFIX}"


def _old_of(final: Path) -> Path:
    return final.with_name(f".{final.name}{OLD_SUFFIX}")


def recover(staging: Path) -> None:
    """Finish (plan.json present) or discard (absent) what a killed run left in ``staging``."""
    if not staging.exists():
        return
    owner = staging / OWNER
    try:
        pid = int(owner.read_text(encoding="ascii"))
    except (OSError, ValueError):
        pid = 0
    if pid and pid != os.getpid() and _alive(pid):
        raise UserError(
            f"another backprop-exam (process {pid}) is writing here ({staging}); wait for it to finish, "
            "or remove that folder if no such run is going on"
        )
    if (staging / PLAN).is_file():
        _roll_forward(staging)
    else:
        shutil.rmtree(staging)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _roll_forward(staging: Path) -> None:
    """Steps 2 and 3 of the commit; every step may be repeated after a crash."""
    plan = json.loads((staging / PLAN).read_text(encoding="utf-8"))
    for item in plan:
        staged = None if item["staged"] is None else Path(item["staged"])
        final, old = Path(item["final"]), Path(item["old"])
        if staged is None:
            if os.path.lexists(final):
                _remove(old)
                final.rename(old)
            continue
        if not os.path.lexists(staged):
            continue  # moved in already
        if staged.is_file() and not final.is_dir():
            _move_file(staged, final)
            continue
        if os.path.lexists(final):
            _remove(old)
            final.rename(old)
        _move_dir(staged, final)
    for item in plan:
        _remove(Path(item["old"]))
    (staging / PLAN).unlink()
    shutil.rmtree(staging, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def _move_file(staged: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(staged, final)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        tmp = final.with_name(f".{final.name}.backprop-exam-tmp")
        shutil.copyfile(staged, tmp)
        os.chmod(tmp, staged.stat().st_mode & 0o777)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        staged.unlink()


def _move_dir(staged: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        staged.rename(final)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        tmp = final.with_name(f".{final.name}.backprop-exam-tmp")
        _remove(tmp)
        shutil.copytree(staged, tmp)
        tmp.rename(final)
        shutil.rmtree(staged)
