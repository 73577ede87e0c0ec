"""The marking key: per variant the final answers and their accepted ranges, compact.

The class pack's ``answer-key.pdf`` is what a teacher marks with, so it holds only what
marking needs: each variant starts with a band (its code and student), then its answers
in columns that read down, each with the range of values that is correct. Variants with
the same numbers (a preset pack) share one block whose band lists every code. Several
variants are laid out in one document (a chunk), so small ones share a page; the worked
solutions are a separate document per student (``--solutions``).
"""

from __future__ import annotations

from typing import Any

from ..answer_key import accepted_range as grid_range
from ..naming import document_title
from ..numbers import minus
from ..records import Answer, Key, Problem, Variant, WorkedAnswer, WorkedProblem
from .context import PAGE_HEIGHT  # the text height inside the @page margins

# Variants per marking-key document: small variants share pages within a chunk, and
# chunks render in parallel and stream into the print file like worksheets do.
CHUNK = 12

# Column widths are estimated from the text, so no cell overflows into the margin. Advance
# widths of Noto Sans in em: digits, minus, point and letters (on the wide side), in mm below.
_EM = 25.4 / 72  # mm per pt
_ID_PT, _VALUE_PT, _RANGE_PT = 7.0, 9.0, 7.0
_NARROW = {" ": 0.26, ".": 0.27, "_": 0.46, "i": 0.26, "l": 0.26, "j": 0.26, "t": 0.35, "f": 0.34, "r": 0.4}
_PAD = 1.6  # left + right padding of a cell
_GAP = 2.5
TEXT_WIDTH = {"a4": 210.0 - 32.0, "letter": 215.9 - 32.0}
# Rows of answers that fit on one page with the table head (rows are 5.15 mm apart).
SLAB_ROWS = {"a4": 46, "letter": 43}
ROW_MM = 5.15


def rows_above(height_mm: float, paper: str) -> int:
    """``head_rows`` for answers_table when ``height_mm`` of the first page comes before the table's
    first row: its first slab then holds only the rows that fit under it (one spare)."""
    fit = int((PAGE_HEIGHT.get(paper, PAGE_HEIGHT["a4"]) - height_mm) // ROW_MM)
    return max(0, SLAB_ROWS.get(paper, SLAB_ROWS["a4"]) - fit + 1)


def _width(text: str, pt: float, bold: bool = False) -> float:
    ems = sum(_NARROW.get(ch, 0.6) for ch in text) * (1.06 if bold else 1.0)
    return ems * pt * _EM + _PAD


def accepted_range(a: Answer | WorkedAnswer, decimals: int) -> str:
    """'0.3566 to 0.3567', or '' when only the printed answer itself is accepted."""
    first, last = (a.accepted.first, a.accepted.last) if isinstance(a, WorkedAnswer) else grid_range(a, decimals)
    if first == last == a.rounded:
        return ""
    return f"{minus(first)} to {minus(last)}"


def _signature(variant: Variant) -> tuple[Any, ...]:
    """Variants with equal signatures have the same questions and accepted answers."""
    return tuple((a.id, a.rounded, a.accepted) for p in variant.problems for a in p.answers)


def _who(variant: Variant) -> str:
    student = variant.student
    return " · ".join(s for s in (student.name, student.id) if s) if student else ""


_TEXT_COLUMNS = (("ids", "id"), ("vals", "value"), ("ranges", "range"))  # "values" is a dict method in Jinja


def answers_table(
    p: Problem | WorkedProblem, decimals: int, paper: str, *, hand: bool = False, head_rows: int = 0
) -> dict[str, Any]:
    """The answers of problem ``p`` in columns that read down, with widths that fit the text width.

    ``hand`` adds the value a student gets who rounds every value from the start, where it
    differs from the answer (the worked solution's rounding notes, in one column; a worked
    problem has it). ``head_rows``: the first page also holds that many rows' height of other
    things (the document head), so the first slab is that much shorter.
    """
    entries = [
        {
            "id": a.id,
            "value": minus(a.rounded),
            "range": accepted_range(a, decimals),
            "hand": minus(a.hand_rounded)
            if hand and isinstance(a, WorkedAnswer) and a.hand_rounded != a.rounded
            else "",
        }
        for a in p.answers
    ]
    w_id = max(_width(e["id"], _ID_PT) for e in entries)
    w_value = max(_width(e["value"], _VALUE_PT, bold=True) for e in entries)
    w_range = max((_width(e["range"], _RANGE_PT) for e in entries if e["range"]), default=0.0)
    w_hand = max((_width(e["hand"], _RANGE_PT) for e in entries if e["hand"]), default=0.0)
    if w_hand:
        w_hand = max(w_hand, _width("rounded", _RANGE_PT))
    group = w_id + w_value + w_range + w_hand
    width = TEXT_WIDTH.get(paper, TEXT_WIDTH["a4"])
    per_row = max(1, min(4, int((width + _GAP) // (group + _GAP))))
    # Columns read down within a slab of rows that fits on a page (a long table read down
    # its whole length would send the reader across pages and back).
    page_rows = SLAB_ROWS.get(paper, SLAB_ROWS["a4"])
    slabs: list[list[list[dict[str, str]]]] = []
    # The same slabs column by column, each column's ids, values and ranges as lines of text: the
    # marking key sets a column as one block (_macros.html.j2 marks), as a cell per value costs
    # WeasyPrint about twice the time (docs/rendering.md, "Speed and memory").
    text_columns: list[list[dict[str, str | int]]] = []
    start = 0
    while start < len(entries):
        slab = (page_rows - (head_rows if not slabs else 0)) * per_row
        part = entries[start : start + slab]
        start += slab
        height = -(-len(part) // per_row)
        columns = [part[c * height : (c + 1) * height] for c in range(per_row)]
        slabs.append([[col[i] for col in columns if i < len(col)] for i in range(height)])
        text_columns.append([
            {"short": height - len(col), **{name: "\n".join(e[field] for e in col) for name, field in _TEXT_COLUMNS}}
            for col in columns
            if col
        ])  # fmt: skip
    rows = [row for rows_ in slabs for row in rows_]
    # the spare width goes to the gaps, so the groups stay apart and each cell keeps its size
    gap = min(8.0, (width - per_row * group) / (per_row - 1)) if per_row > 1 else 0.0
    return {
        "number": p.number,
        "rows": rows,
        "slabs": slabs,
        "text_columns": text_columns,
        "long": len(slabs) > 1,
        "per_row": per_row,
        "cols": {
            "id": f"{w_id:.1f}mm",
            "value": f"{w_value:.1f}mm",
            "range": f"{w_range:.1f}mm",
            "hand": f"{w_hand:.1f}mm",
            "gap": f"{gap:.1f}mm",
            "table": f"{per_row * group + (per_row - 1) * gap:.1f}mm",
        },
        "has_range": w_range > 0,
        "has_hand": w_hand > 0,
    }


def group_variants(variants: list[Variant]) -> list[list[Variant]]:
    """Variants with the same questions and accepted answers, grouped, in roster order; an
    anonymous pack (``--count``, no roster) by variant code, so a teacher finds a code fast."""
    if not any(v.student for v in variants):
        variants = sorted(variants, key=lambda v: v.variant)
    groups: dict[tuple[Any, ...], list[Variant]] = {}
    for v in variants:
        groups.setdefault(_signature(v), []).append(v)
    return list(groups.values())


# A block of equal variants lists their codes in its band up to this many; beyond, it says how many.
LIST_CODES = 12


# The height of the marking key's document head (title, pack line, intro) in answer rows.
HEAD_ROWS = 8


def _block(group: list[Variant], total: int, paper: str, decimals: int, head_rows: int = 0) -> dict[str, Any]:
    first = group[0]
    tables = [
        answers_table(p, decimals, paper, head_rows=head_rows if i == 0 else 0) for i, p in enumerate(first.problems)
    ]
    codes = [{"code": v.variant, "who": _who(v)} for v in group]
    if len(group) == 1:
        summary = ""
    elif len(group) == total:
        summary = f"All {total} variants of this pack have these numbers."
    else:
        summary = f"{len(group)} variants have these numbers."
    return {
        "codes": codes if len(group) <= LIST_CODES else codes[:1],
        "more": max(0, len(group) - LIST_CODES) if len(group) > LIST_CODES else 0,
        "summary": summary,
        "problems": tables,
        "multi": len(first.problems) > 1,
        "long": any(t["long"] for t in tables),
    }


def marking_context(
    key: Key, groups: list[list[Variant]], paper: str = "a4", *, first: bool = True, total: int
) -> dict[str, Any]:
    """The context of one marking-key document: some groups of the ``total`` variants (see group_variants)."""
    return {
        "title": key.title,
        "course": key.course,
        "pack": key.pack,
        "decimals": key.decimals,
        "doc_title": document_title(key.title, f"marking key of {key.pack}"),
        "first": first,
        # the first block of the document starts under the head: a long one's first slab must fit there
        "blocks": [
            _block(g, total, paper, key.decimals, HEAD_ROWS if first and i == 0 else 0) for i, g in enumerate(groups)
        ],
        "count": total,
        # a screen reader reads a table cell by cell: a tagged key keeps a cell per value
        "tagged": key.printing.tagged,
    }
