"""The generate pipeline: spec -> answer key -> outputs, written as one transaction.

:func:`generate_pack` is the library call behind ``backprop-exam generate``: it prints
nothing (progress goes to a callback) and returns a :class:`PackResult` that the CLI
reports. The key file and every output of the writers (generator/writers/) are staged
beside the outputs and swapped in together (generator/transaction.py), so after any
failure either the old pack or the new one is there, never a mix.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from .answer_key import check, encode
from .errors import OutputExists
from .naming import check_pack_name
from .pack import Student, build_pack, resolve_secret
from .records import Key
from .spec import Spec, load_builtin, load_spec_file
from .transaction import Staging, check_replaceable, check_writable, recover, staging_dir, write_manifest
from .writers import OutputOptions, write_pack

Progress = Callable[[str, int, int], None]  # (stage, done so far, total) e.g. ("Rendering PDFs", 12, 30)

# What earlier versions wrote into output/<pack>/ (before manifests): --force may replace these.
LEGACY_PACK_FILES = (
    "worksheets.pdf", "answer-key.pdf", "worksheets/*.pdf", "answer-keys/*.pdf", "solutions/*.pdf",
    "answer-sheets.pdf", "answer-sheets/*.pdf", "answer-sheet-layout.json",
)  # fmt: skip


@dataclass(frozen=True)
class PackOptions:
    """Everything about a pack except its structure (the spec) and its students."""

    pack: str = "demo"
    keys_dir: Path = Path("answer_keys")
    out_dir: Path = Path("output")
    seed: str | None = None
    secret: str | None = None
    decimals: int | None = None
    title: str = ""
    course: str = ""
    pdf: bool = True  # False: only the answer-key JSON
    force: bool = False  # replace this pack's key and output folder (only files the tool wrote)
    output: OutputOptions = field(default_factory=OutputOptions)

    @property
    def key_path(self) -> Path:
        return Path(self.keys_dir) / f"{self.pack}.json"

    @property
    def pack_dir(self) -> Path:
        return Path(self.out_dir) / self.pack


@dataclass
class PackResult:
    key: Key
    key_path: Path
    key_bytes: int
    pack_dir: Path | None  # None with pdf=False
    files: list[Path]  # every output file written, in writer order
    removed_pdfs: bool  # pdf=False replaced a pack whose PDF folder was removed with the old key
    seconds: dict[str, float]
    replaced_key: Path | None = None  # where the key this run replaced is kept (its secret, its codes)


def load_source(profile: str | None, spec_file: str | None, preset: str | None) -> Spec:
    if spec_file:
        return load_spec_file(spec_file)
    if preset:
        return load_builtin("preset", preset)
    return load_builtin("profile", profile or "standard")


def check_outputs(options: PackOptions) -> None:
    """Refuse, before any work, to replace outputs without --force or files the tool did not write."""
    check_pack_name(options.pack)
    key_path = options.key_path
    if key_path.is_symlink() or key_path.is_dir():
        raise OutputExists(f"{key_path} is a link or a folder; remove it or choose another --pack")
    if key_path.exists() and not options.force:
        raise OutputExists(f"{key_path} exists; pass --force to replace it or choose another --pack")
    check_replaceable(
        options.pack_dir, force=options.force, option="--pack or --out", legacy=LEGACY_PACK_FILES, kind="pack"
    )
    for folder in (Path(options.keys_dir), Path(options.out_dir)):
        check_writable(folder, "--keys" if folder == Path(options.keys_dir) else "--out")


def generate_pack(
    spec: Spec,
    options: PackOptions,
    *,
    students: list[Student] | None = None,
    count: int | None = None,
    progress: Progress | None = None,
) -> PackResult:
    """Build the pack's key, write it and every selected output; all of it or nothing."""
    check_pack_name(options.pack)
    tick = progress or (lambda stage, done, total: None)
    root = Path(options.out_dir) if options.pdf else Path(options.keys_dir)
    for place in (Path(options.out_dir), Path(options.keys_dir)):  # what a killed run left, either mode
        recover(staging_dir(place, options.pack))
    t0 = time.perf_counter()
    if options.pdf:
        from .render.pool import prestart

        prestart(options.output.jobs)  # the render processes load WeasyPrint while the key is built
    # Staging recovers a staging folder a killed run left
    with Staging(root, options.pack, "--out" if options.pdf else "--keys") as staging:
        check_outputs(options)
        n = len(students) if students is not None else (count or 0)
        solved = 0

        def solving(k: int) -> None:
            nonlocal solved
            solved += k
            tick("Solving variants", solved, n)

        key = build_pack(
            spec, pack=options.pack, students=students, count=count, seed=options.seed, secret=options.secret,
            decimals=options.decimals, title=options.title, course=options.course, progress=solving,
        )  # fmt: skip
        # how the PDFs print is part of the pack: a later 'key --solutions' or 'grade' prints the same way
        key = msgspec.structs.replace(key, printing=options.output.printing(key))
        check(key)
        text = encode(key)
        t_key = time.perf_counter() - t0
        staged_key = staging.path(f"{options.pack}.json")
        fd = os.open(staged_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # it holds the pack secret
        with os.fdopen(fd, "wb") as fh:
            fh.write(text)
        staging.replace(staged_key, options.key_path)
        replaced = None
        if options.key_path.is_file():
            # --force draws a new pack (new secret, codes and numbers): the old key is kept, or the
            # worksheets already printed from it could never be graded
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            replaced = options.key_path.with_name(f"{options.pack}.replaced-{stamp}.json")
            staged_old = staging.path(replaced.name)
            shutil.copy2(options.key_path, staged_old)  # its mode too: it holds the pack secret
            staging.replace(staged_old, replaced)

        files: list[Path] = []
        pack_dir = options.pack_dir
        removed = False
        if options.pdf:
            staged_dir = staging.path(options.pack)
            staged_dir.mkdir()
            rendered = 0

            def rendering(k: int) -> None:
                nonlocal rendered
                rendered += k
                tick("Rendering PDFs", rendered, len(key.variants))

            rendering(0)  # the bar shows (and its clock runs) while the render processes start
            made = write_pack(key, staged_dir, options.output, rendering, stages=tick)
            write_manifest(staged_dir, "pack")
            files = [pack_dir / p.relative_to(staged_dir) for p in made]
            staging.replace(staged_dir, pack_dir)
        elif pack_dir.exists() and any(pack_dir.iterdir()):
            removed = True  # its PDFs belong to the key being replaced: never leave a mix
            staging.replace(None, pack_dir)
        staging.commit()
    return PackResult(
        key=key, key_path=options.key_path, key_bytes=len(text), pack_dir=pack_dir if options.pdf else None,
        files=files, removed_pdfs=removed, seconds={"solving": t_key, "total": time.perf_counter() - t0},
        replaced_key=replaced,
    )  # fmt: skip


def report(result: PackResult, spec_name: str, options: PackOptions) -> str:
    """The closing lines of ``generate``: what was written where."""
    key = result.key
    layers = "-".join(map(str, key.structure.layers))
    # a guessable --seed: said plainly (resolve_secret is cached, so the secret is not derived twice)
    warning = resolve_secret(options.secret, options.seed, options.pack).warning if key.secret_source == "seed" else ""
    lines = [
        *([warning] if warning else []),
        f"Wrote {len(key.variants)} variant{'s' * (len(key.variants) != 1)} of '{key.pack}' ({layers}, {spec_name}) in "
        f"{result.seconds['total']:.1f} s (solving {result.seconds['solving']:.1f} s):",
        f"  answer key   {result.key_path}  ({result.key_bytes // 1024} KB; keep it: it holds the pack secret)",
    ]
    pack_dir = result.pack_dir
    if pack_dir is not None:
        sheets = [p for p in result.files if p.parent == pack_dir / "worksheets"]
        if sheets:
            lines.append(f"  worksheets   {pack_dir / 'worksheets'}/  ({len(sheets)} PDFs)")
        for name, what in (("worksheets.pdf", "print file"), ("answer-key.pdf", "marking key")):
            if pack_dir / name in result.files:
                lines.append(f"  {what:<12} {pack_dir / name}")
        solved = [p for p in result.files if p.parent == pack_dir / "solutions"]
        if solved:
            lines.append(f"  solutions    {pack_dir / 'solutions'}/  ({len(solved)} PDFs, one per student)")
        layout = pack_dir / "answer-sheet-layout.json"
        if layout in result.files:
            lines.append(f"  answer sheet {layout}  (its layout; the sheet is the last page(s) of each worksheet)")
    if result.replaced_key is not None:
        lines.append(
            f"  replaced     the previous key, kept as {result.replaced_key}: this pack has new variant codes "
            "and numbers; grade worksheets printed before against the kept key"
        )
    if result.removed_pdfs:
        lines.append(f"  removed      {Path(options.out_dir) / options.pack}/ (the PDFs of the replaced key)")
    return "\n".join(lines)
