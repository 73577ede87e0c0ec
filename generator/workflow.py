"""The generate pipeline: spec -> answer key -> PDFs, with all-or-nothing output."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .answer_key import atomic_write, dumps, validate
from .pack import Student, build_pack, read_roster
from .spec import Spec, load_builtin, load_spec_file, validate_name


def load_source(profile: str | None, spec_file: str | None, preset: str | None) -> Spec:
    if spec_file:
        return load_spec_file(spec_file)
    if preset:
        return load_builtin("preset", preset)
    return load_builtin("profile", profile or "standard")


def progress_bar() -> Any:
    """A rich progress display: description, bar, done/total, time elapsed and time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("left"), TimeRemainingColumn(), transient=False,
    )  # fmt: skip


def generate_pack(
    *,
    count: int | None,
    roster: str | None,
    profile: str | None,
    spec_file: str | None,
    preset: str | None,
    pack: str,
    seed: str | None,
    secret: str | None,
    keys_dir: str,
    out_dir: str,
    decimals: int | None,
    title: str,
    course: str,
    paper: str,
    duplex: bool,
    solutions: bool,
    decimal_comma: bool,
    tagged: bool,
    no_pdf: bool,
    jobs: int | None,
    force: bool,
    answer_sheet: bool = False,
    echo: Callable[[str], None] = print,
) -> str:
    """Build and write a whole pack; returns the closing report. Nothing is written on error."""
    validate_name(pack)
    spec = load_source(profile, spec_file, preset)
    students: list[Student] | None = read_roster(roster) if roster else None
    key_path = Path(keys_dir) / f"{pack}.json"
    pack_dir = Path(out_dir) / pack
    if key_path.exists() and not force:
        raise FileExistsError(f"{key_path} exists; pass --force to replace it or choose another --pack")
    if not no_pdf and pack_dir.exists() and any(pack_dir.iterdir()) and not force:
        raise FileExistsError(f"{pack_dir} exists; pass --force to replace it or choose another --pack")

    t0 = time.perf_counter()
    n = len(students) if students is not None else (count or 0)
    with progress_bar() as bar:
        task = bar.add_task("Solving variants", total=n)
        key = build_pack(
            spec, pack=pack, students=students, count=count, seed=seed, secret=secret,
            decimals=decimals, title=title, course=course,
            progress=lambda k: bar.advance(task, k),
        )  # fmt: skip
    validate(key)
    text = dumps(key)
    t_key = time.perf_counter() - t0

    written: list[Path] = []
    if not no_pdf:
        from .render import render_pack

        Path(out_dir).mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{pack}.", dir=out_dir))
        try:
            with progress_bar() as bar:
                task = bar.add_task("Rendering PDFs", total=n)
                render_pack(
                    key, tmp, paper=paper, duplex=duplex, solutions=solutions, decimal_comma=decimal_comma,
                    tagged=tagged, jobs=jobs,
                    progress=lambda k: bar.advance(task, k),
                )  # fmt: skip
                if answer_sheet or spec.answer_sheet is not None:
                    from .render.context import unique_stems
                    from .sheet.render import write_answer_sheets

                    task = bar.add_task("Answer sheets", total=n)
                    write_answer_sheets(
                        key, tmp, unique_stems(key["variants"]), paper=paper, ids=spec.answer_sheet or None, jobs=jobs,
                        progress=lambda k: bar.advance(task, k),
                    )  # fmt: skip
            _swap_in(tmp, pack_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        written = sorted(p for p in pack_dir.rglob("*.pdf"))
    atomic_write(key_path, text, force=True, mode=0o600)  # validated above; holds the pack secret
    elapsed = time.perf_counter() - t0
    lines = [
        f"Wrote {len(key['variants'])} variants of '{pack}' "
        f"({'-'.join(map(str, key['structure']['layers']))}, {spec.name}) in {elapsed:.1f} s "
        f"(solving {t_key:.1f} s):",
        f"  answer key   {key_path}  ({len(text.encode()) // 1024} KB; keep it: it holds the pack secret)",
    ]
    if written:
        sheets = [p for p in written if p.parent.name == "worksheets"]
        lines.append(f"  worksheets   {pack_dir / 'worksheets'}/  ({len(sheets)} PDFs)")
        for name, what in (("worksheets.pdf", "print file"), ("answer-key.pdf", "marking key")):
            if (pack_dir / name).exists():
                lines.append(f"  {what:<12} {pack_dir / name}")
        solved = [p for p in written if p.parent.name == "solutions"]
        if solved:
            lines.append(f"  solutions    {pack_dir / 'solutions'}/  ({len(solved)} PDFs, one per student)")
        if (pack_dir / "answer-sheets.pdf").exists():
            lines.append(f"  answer sheets {pack_dir / 'answer-sheets.pdf'}  (layout: answer-sheet-layout.json)")
    return "\n".join(lines)


def _swap_in(tmp: Path, final: Path) -> None:
    """Replace ``final`` by the finished ``tmp`` folder with renames only."""
    old: Path | None = None
    if final.exists():
        old = final.with_name(f".{final.name}.old")
        if old.exists():
            shutil.rmtree(old)
        final.rename(old)
    tmp.rename(final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
