"""Scannable answer sheets: answer-sheets/<student>.pdf, answer-sheets.pdf, answer-sheet-layout.json."""

from __future__ import annotations

from pathlib import Path

from ..records import Key
from .base import OutputOptions, PackWriter


def _wanted(options: OutputOptions) -> bool:
    return options.answer_sheet


def write(key: Key, dest: Path, options: OutputOptions) -> list[Path]:
    from ..render.context import unique_stems
    from ..sheet.render import write_answer_sheets

    ids = list(options.answer_sheet_ids) if options.answer_sheet_ids else None
    return write_answer_sheets(
        key, dest, unique_stems(key.variants), paper=options.paper, ids=ids, jobs=options.jobs
    )


WRITER = PackWriter(name="answer-sheet", label="answer sheets", write=write, wanted=_wanted)
