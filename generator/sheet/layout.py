"""The answer sheet's geometry, computed once from the answer key, in PDF points.

The layout is the single truth that the sheet's PDF is drawn from and that the scanner reads
with (docs/answer-sheet.md). Coordinates are PDF points (1/72 inch) from the page's top-left
corner, y growing downwards, as on a scanned image. Every student of a pack gets the same
geometry (only the printed name, id and QR code differ), so the layout keeps the pages once
and lists which pages each sheet has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from ..records import Key
from ..worked import worked_of

FORMAT = "backprop-exam/answer-sheet-layout"
VERSION = 1
PAGE_SIZES = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}
QR_PREFIX = "BPX1"  # QR text: BPX1|<pack>|<variant code>|<page number>; never an answer or the secret

# Geometry (points). A bubble is 7.6 pt (2.7 mm) across, as on common bubble sheets; the pitch
# leaves 2.4 pt of paper between bubbles so a generous pen mark stays inside its own cell.
PITCH = 10.0
RADIUS = 3.8
MARK_SIZE = 14.0  # corner marks: filled squares
MARK_INSET = 22.0  # from the paper edge to the mark's outer edge (inside every printer's margin)
MARGIN = 44.0  # content area inset
QR_SIDE = 52.0  # the QR symbol (without its quiet zone); 2 pt modules for a version-2 code
HEADER_HEIGHT = 66.0
LABEL_HEIGHT = 9.0
CELL_HEIGHT = 12.0
POINT_GAP = 4.0  # room for the printed decimal point between integer and decimal columns
BLOCK_GAP_X = 10.0
BLOCK_GAP_Y = 8.0


def qr_text(pack: str, variant: str, page: int) -> str:
    return f"{QR_PREFIX}|{pack}|{variant}|{page}"


def parse_qr_text(text: str) -> tuple[str, str, int] | None:
    """(pack, variant, page) of a sheet's QR text, or None for any other code."""
    parts = text.split("|")
    if len(parts) != 4 or parts[0] != QR_PREFIX or not parts[3].isdigit():
        return None
    return parts[1], parts[2], int(parts[3])


def integer_digits(values: Iterable[str]) -> int:
    """Integer digits the largest magnitude needs (at least 1: students write 0.5, not .5)."""
    most = 1
    for v in values:
        whole = abs(Decimal(v)).to_integral_value(rounding="ROUND_FLOOR")
        most = max(most, len(str(int(whole))))
    return most


def sheet_answers(key: Key, ids: Sequence[str] | None = None) -> list[tuple[str, str, int]]:
    """(answer id, label, integer digits) of each answer on the sheet, in the key's order.

    The integer digits come from the whole pack, never from one variant, so that a sheet's
    geometry tells nothing about its own answers.
    """
    order: list[str] = list(key.structure.answer_ids)
    # labels depend on the structure only: the first variant's worked solution names them
    labels = {a.id: a.label for a in worked_of(key, key.variants[0].problems[0]).answers}
    values: dict[str, list[str]] = {}
    for variant in key.variants:
        for problem in variant.problems:
            for a in problem.answers:
                values.setdefault(a.id, []).append(a.rounded)
    chosen = order if not ids else [i for i in order if i in set(ids)]
    if ids:
        unknown = sorted(set(ids) - set(order))
        if unknown:
            from ..network import SpecError

            raise SpecError(f"answer sheet: {', '.join(unknown)} not asked in this pack; use ids from the key")
    return [(i, labels.get(i, i), integer_digits(values.get(i, ["0"]))) for i in chosen]


def _block(aid: str, label: str, x: float, y: float, int_digits: int, decimals: int) -> dict[str, Any]:
    """One answer: label, write-in cells, and a bubble column per sign/digit (rows 0..9 downwards)."""
    columns: list[dict[str, Any]] = []
    cells: list[list[float]] = []
    top = y + LABEL_HEIGHT + CELL_HEIGHT + 3.0 + RADIUS
    cx = x + RADIUS + 0.5
    places = [("sign", None)] + [("digit", p) for p in range(int_digits - 1, -1, -1)]
    places += [("digit", -p) for p in range(1, decimals + 1)]
    for kind, place in places:
        if place == -1:
            cx += POINT_GAP
        cells.append([round(cx - PITCH / 2 + 0.6, 2), round(y + LABEL_HEIGHT, 2), PITCH - 1.2, CELL_HEIGHT])
        if kind == "sign":
            bubbles = [{"value": "-", "x": round(cx, 2), "y": round(top, 2), "r": RADIUS}]
        else:
            bubbles = [{"value": d, "x": round(cx, 2), "y": round(top + d * PITCH, 2), "r": RADIUS} for d in range(10)]
        columns.append({"kind": kind, "place": place, "bubbles": bubbles})
        cx += PITCH
    width = cx - PITCH / 2 - x + 0.5
    height = LABEL_HEIGHT + CELL_HEIGHT + 3.0 + 10 * PITCH
    point = [
        round(x + RADIUS + 0.5 + PITCH * (1 + int_digits) - PITCH / 2 + POINT_GAP / 2, 2),
        round(y + LABEL_HEIGHT + CELL_HEIGHT - 2, 2),
    ]
    return {
        "id": aid,
        "label": label,
        "box": [round(x, 2), round(y, 2), round(width, 2), round(height, 2)],
        "cells": cells,
        "decimal_point": point,
        "columns": columns,
    }


def block_size(int_digits: int, decimals: int) -> tuple[float, float]:
    cols = 1 + int_digits + decimals
    return cols * PITCH + POINT_GAP + 1.0, LABEL_HEIGHT + CELL_HEIGHT + 3.0 + 10 * PITCH


def build_layout(key: Key, paper: str = "a4", ids: Sequence[str] | None = None) -> dict[str, Any]:
    """The pack's answer-sheet layout: page geometry once, and each variant's pages."""
    if paper not in PAGE_SIZES:
        raise ValueError(f"unknown paper {paper!r}; use a4 or letter")
    w, h = PAGE_SIZES[paper]
    decimals = key.decimals
    answers = sheet_answers(key, ids)
    c = MARK_INSET + MARK_SIZE / 2
    marks = [
        {"corner": "top_left", "x": c, "y": c},
        {"corner": "top_right", "x": round(w - c, 2), "y": c},
        {"corner": "bottom_right", "x": round(w - c, 2), "y": round(h - c, 2)},
        {"corner": "bottom_left", "x": c, "y": round(h - c, 2)},
    ]
    pages: list[dict[str, Any]] = []
    page_answers: list[dict[str, Any]] = []
    x, y = MARGIN, MARGIN + HEADER_HEIGHT
    row_h = 0.0
    for aid, label, digits in answers:
        bw, bh = block_size(digits, decimals)
        if x + bw > w - MARGIN + 0.01:
            x, y = MARGIN, y + row_h + BLOCK_GAP_Y
            row_h = 0.0
        if y + bh > h - MARGIN + 0.01:
            pages.append({"page": len(pages) + 1, "answers": page_answers})
            page_answers, x, y, row_h = [], MARGIN, MARGIN + HEADER_HEIGHT, 0.0
        page_answers.append(_block(aid, label, x, y, digits, decimals))
        x += bw + BLOCK_GAP_X
        row_h = max(row_h, bh)
    pages.append({"page": len(pages) + 1, "answers": page_answers})
    qr_side = QR_SIDE
    sheets = []
    for v in key.variants:
        sid, name = (v.student.id, v.student.name) if v.student else ("", "")
        sheets.append({
            "variant": v.variant, "student_id": sid, "name": name,
            "pages": [p["page"] for p in pages],
        })  # fmt: skip
    return {
        "format": FORMAT,
        "version": VERSION,
        "pack": key.pack,
        "paper": paper,
        "units": "pt",
        "origin": "top-left, y down",
        "page_size": [w, h],
        "decimals": decimals,
        "corner_marks": {"size": MARK_SIZE, "marks": marks},
        "qr": {
            "x": round(w - MARGIN - qr_side, 2),
            "y": MARGIN,
            "size": qr_side,
            "text": f"{QR_PREFIX}|pack|variant|page",
        },
        "pages": pages,
        "sheets": sheets,
    }
