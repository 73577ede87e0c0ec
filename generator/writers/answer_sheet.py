"""Scannable answer sheets: the last pages of each worksheet (and of worksheets.pdf), answer-sheet-layout.json.

Runs after the worksheet writer: it appends each student's sheet to worksheets/<student>.pdf
and joins the print file worksheets.pdf from them (generator/sheet/render.py), which the
worksheet writer then leaves to it.
"""

from __future__ import annotations

from pathlib import Path

from ..records import Key
from .base import OutputOptions, PackWriter


def _wanted(options: OutputOptions) -> bool:
    return options.answer_sheet


def write(key: Key, dest: Path, options: OutputOptions) -> list[Path]:
    from ..render.context import unique_stems
    from ..sheet.render import add_answer_sheets

    ids = list(options.answer_sheet_ids) if options.answer_sheet_ids else None
    return add_answer_sheets(
        key, dest, unique_stems(key.variants), paper=options.paper, ids=ids, duplex=options.duplex, jobs=options.jobs
    )


WRITER = PackWriter(name="answer-sheet", label="answer sheets", write=write, wanted=_wanted, joins_worksheets=True)
