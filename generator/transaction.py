"""All-or-nothing outputs: stage every new file next to the outputs, then swap them in at once.

A command that writes several outputs (a pack: its key file and its PDF folder; a grading
run: its --out folder; the ``key`` command: a PDF and a folder of per-variant PDFs) writes
them all into a staging folder ``.<tag>.backprop-exam-staging`` beside the outputs, then
commits:

1. the staged outputs are complete; ``plan.json`` is written into the staging folder
   (written to a temporary name and renamed: it appears whole or not at all). Its
   existence is the commit point.
2. each output is moved into place, the key file first: a file by one ``os.replace``
   (atomic; a hard link ``.<name>.backprop-exam-old`` keeps the old one until step 3); a
   folder by renaming the old one to ``.<name>.backprop-exam-old``, then the staged one to
   its name. If a step fails (a read-only folder, a full disk), the steps done so far are
   undone with renames and the error is raised: the old outputs are back.
3. the old outputs are removed, then ``plan.json``, then the staging folder.

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
from contextlib import suppress
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


def check_writable(folder: Path, option: str) -> None:
    """Fail before the work, not after it, when ``folder`` (or its nearest existing parent) is read-only."""
    here = Path(folder).absolute()
    while not here.exists() and here != here.parent:
        here = here.parent
    if not os.access(here, os.W_OK | os.X_OK):
        raise UserError(f"cannot write to {here} (read-only or not yours); make it writable or choose another {option}")


# What each kind of output folder is, for the message that refuses to replace one by another kind.
KINDS = {
    "pack": "a class pack (worksheets, marking key; backprop-exam generate)",
    "solutions": "worked solutions (backprop-exam key --solutions)",
    "grades": "grading results (backprop-exam grade)",
    "scan": "read scans (backprop-exam scan)",
}
_KIND = "#kind="


def write_manifest(folder: Path, kind: str) -> None:
    """List every file and folder under ``folder`` (relative, '/'-separated) in its manifest, after
    a first line naming the kind of folder (KINDS): --force of one command never replaces another's."""
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.name != MANIFEST)
    (folder / MANIFEST).write_text("\n".join([f"{_KIND}{kind}", *names]) + "\n", encoding="utf-8")


def manifest_kind(folder: Path) -> str | None:
    """The kind written in ``folder``'s manifest, or None (no manifest, or one from before kinds)."""
    try:
        with open(folder / MANIFEST, encoding="utf-8", errors="replace") as fh:
            first = fh.readline().strip()
    except OSError:
        return None
    return first[len(_KIND) :] if first.startswith(_KIND) else None


def _matches(name: str, pattern: str) -> bool:
    """A '/'-separated name against a glob of the same depth ("*.pdf" is not "worksheets/a.pdf")."""
    return name.count("/") == pattern.count("/") and fnmatch.fnmatchcase(name, pattern)


def _other_kind(path: Path, kind: str, legacy: tuple[str, ...]) -> str | None:
    """What makes ``path`` another kind of folder than ``kind``: its manifest's kind, or for a
    manifest from before kinds the first file that this kind never writes; None when it is ours."""
    found = manifest_kind(path)
    if found is not None:
        return None if found == kind else KINDS.get(found, found)
    if not legacy:
        return None
    for entry in sorted(path.rglob("*")):
        name = entry.relative_to(path).as_posix()
        if entry.name == MANIFEST or entry.is_dir():
            continue
        if not any(_matches(name, pat) for pat in legacy):
            return f"{name}, which {KINDS.get(kind, kind).split(' (')[0]} does not hold"
    return None


def check_replaceable(
    path: Path, *, force: bool, option: str, legacy: Iterable[str] = (), kind: str | None = None
) -> None:
    """Refuse (OutputExists) to replace ``path`` unless it is absent, empty, or ours with --force.

    Ours: every entry is listed in its manifest or, for folders written before manifests
    existed, matches one of the ``legacy`` glob patterns (e.g. ``feedback/*.pdf``); and, with
    ``kind``, the folder is that kind of output (its manifest says so), so that ``grade --out``
    pointed at a pack folder never deletes the worksheets.
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
    if kind is not None and (other := _other_kind(path, kind, tuple(legacy))) is not None:
        raise OutputExists(
            f"{path} holds {other}, and --force replaces only a folder of {KINDS.get(kind, kind)}; "
            f"choose another {option}"
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

    def __init__(self, root: Path, tag: str, option: str = "--out") -> None:
        self.root = Path(root)
        self.option = option  # the command-line option that names ``root``, for the error message
        self.dir = staging_dir(self.root, tag)
        self.items: list[tuple[Path | None, Path]] = []
        self.committed = False

    def __enter__(self) -> Staging:
        check_writable(self.root, self.option)  # name the user's folder, not the hidden staging one
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
        """Swap every staged output into place; on an error, put the old ones back and re-raise."""
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
            os.replace(tmp, self.dir / PLAN)  # the commit point
            self.committed = True
            _finish(self.dir)


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
        _finish(staging)
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


Item = tuple[Path | None, Path, Path]  # staged (None: remove final), final, old


def _finish(staging: Path) -> None:
    """Steps 2 and 3 of the commit (each repeatable); if a step fails, undo and re-raise."""
    plan = json.loads((staging / PLAN).read_text(encoding="utf-8"))
    items: list[Item] = [
        (None if i["staged"] is None else Path(i["staged"]), Path(i["final"]), Path(i["old"])) for i in plan
    ]
    try:
        for item in items:
            _apply(item)
    except BaseException:
        for item in reversed(items):
            _undo(item)
        (staging / PLAN).unlink()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for _, _, old in items:
        _remove(old)
    (staging / PLAN).unlink()
    shutil.rmtree(staging, ignore_errors=True)


def _apply(item: Item) -> None:
    staged, final, old = item
    if staged is None:
        if os.path.lexists(final) and not os.path.lexists(old):
            final.rename(old)
        return
    if not os.path.lexists(staged):
        return  # moved in already
    final.parent.mkdir(parents=True, exist_ok=True)
    if staged.is_file():
        if os.path.lexists(final) and not os.path.lexists(old):
            _backup_file(final, old)  # a hard link: the old file stays in place until os.replace
        _move_file(staged, final)
        return
    if os.path.lexists(final):
        final.rename(old)  # fails (nothing lost) if an old one is somehow still there
    _move_dir(staged, final)


def _undo(item: Item) -> None:
    """Put back the old output of ``item`` after a failed step (renames only, best effort)."""
    staged, final, old = item
    with suppress(OSError):
        if staged is None:
            if os.path.lexists(old) and not os.path.lexists(final):
                old.rename(final)
            return
        moved_in = not os.path.lexists(staged)
        if old.is_dir() and not old.is_symlink():  # a folder, swapped or half-swapped
            if moved_in and os.path.lexists(final):
                final.rename(staged)
            if not os.path.lexists(final):
                old.rename(final)
        elif os.path.lexists(old):  # a file: old is a hard link (or copy) of the old one
            if os.path.lexists(final) and os.path.samefile(old, final):
                old.unlink()  # not replaced yet (rename between two links of one file does nothing)
            else:
                os.replace(old, final)
        elif moved_in and os.path.lexists(final):  # a new output where there was none
            final.rename(staged)


def _backup_file(final: Path, old: Path) -> None:
    try:
        os.link(final, old)
    except OSError:
        shutil.copy2(final, old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def _move_file(staged: Path, final: Path) -> None:
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
