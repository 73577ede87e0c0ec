"""Answer-key record -> plain template contexts (strings, lists, dicts); templates compute nothing.

Strings meant for the ``math`` filter keep the key's TeX subset; everything else is final
display text. Numbers are shown as the key prints them, with a typographic minus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from ..graph import weight_id
from ..mathtext import to_text
from ..naming import document_title
from ..network import bias_name, neuron_name
from ..numbers import fmt, minus
from ..records import GivenValue, Key, Update, Variant, WorkedAnswer, WorkedProblem
from ..steps import Step
from ..worked import work_out, worked_of
from .diagram import network_svg

GROUP_TITLES = {
    "forward": "Forward pass",
    "loss": "Loss",
    "backward": "Backward pass",
    "update": "Gradient-descent update",
}
# The worksheet asks the loss right after the forward pass, in the same section.
SECTIONS = (
    (("forward", "loss"), "Forward pass and loss"),
    (("backward",), "Backward pass"),
    (("update",), "Gradient-descent update"),
)
GROUP_INTROS = {
    "forward": "Net input z and activation a of every neuron, layer by layer, then the loss L.",
    "loss": "The loss of this training example.",
    "backward": "Chain rule from the output back to the first hidden layer: deltas, then gradients.",
    "update": "The new value of every weight and bias after one step.",
}
DIRECTION = {"up": "↑ up", "down": "↓ down", "same": "= same"}
_BARE_SUB = re.compile(r"_([A-Za-z0-9])")


def file_stem(variant: Variant) -> str:
    """The file name of a variant's PDFs on its own: the student id, else the variant code."""
    return unique_stems([variant])[0]


def unique_stems(variants: list[Variant]) -> list[str]:
    """The file names of the variants' PDFs: one naming function for every output (naming.py)."""
    from ..naming import unique_file_stems

    return unique_file_stems([(v.student.id if v.student else "", v.variant) for v in variants])


def _header(key: Key, variant: Variant) -> dict[str, Any]:
    name, sid = (variant.student.name, variant.student.id) if variant.student else ("", "")
    return {
        "pack": key.pack,
        "title": key.title,
        "course": key.course,
        "variant": variant.variant,
        "student_name": name,
        "student_id": sid,
        "who": " · ".join(s for s in (name, sid) if s),
        "decimals": key.decimals,
    }


def _conventions(problem: WorkedProblem) -> dict[str, Any]:
    """Short conventions share one line; the loss and the update rule get a line each (math)."""
    d = problem.description
    return {
        "short": [
            {"label": "Network", "text": d.architecture},
            {"label": "Activation", "text": d.activation},
            {"label": "Biases", "text": d.bias},
        ],
        "long": [
            {"label": "Loss", "text": _braced(d.loss)},
            {"label": "Update", "text": _braced(d.update)},
        ],
    }


# The worksheet's question head: the symbol already names the neuron or weight, so one short word
# says what it is (the full label stays in the answer field's tooltip). By the key's quantity.kind.
SHORT_WORDS = {
    "grad_w": "gradient", "grad_b": "gradient", "new_w": "updated", "new_b": "updated",
    "dL_da": "chain factor", "dact": "derivative", "delta": "delta", "loss": "loss",
    "z": "net input", "a": "activation",
}  # fmt: skip


def short_word(kind: str, label: str) -> str:
    """'grad_w' -> 'gradient': the word printed beside the symbol on the worksheet."""
    return SHORT_WORDS.get(kind, label)


def _braced(text: str) -> str:
    """'a_o' -> 'a_{o}': the descriptions use bare one-letter subscripts."""
    return _BARE_SUB.sub(r"_{\1}", text)


COMPACT_ROWS = 12  # weight-table rows from which the given values are set compact (print.css)


def given_tables(problem: WorkedProblem) -> dict[str, Any]:
    """Inputs/targets/η as one line of items and one weight table per layer (rows: to, columns: from)."""
    net = problem.network
    layers = tuple(net.layers)
    given = {g.id: g for g in problem.given}

    def val(gid: str) -> str:
        return minus(given[gid].value) if gid in given else "?"

    items = [{"symbol": g.symbol, "value": val(g.id)} for g in given.values() if g.kind in ("x", "y", "eta")]
    tables = []
    for l in range(1, len(layers)):
        sources = [neuron_name(layers, l - 1, i + 1) for i in range(layers[l - 1])]
        header = [_name_tex(s) for s in sources]
        per_neuron = net.bias == "per_neuron"
        # the bias symbol (b_{h1}) in each cell where the table is narrow enough to take it
        named = per_neuron and len(sources) <= 3
        rows = []
        for j in range(layers[l]):
            to = neuron_name(layers, l, j + 1)
            cells = [val(weight_id(layers, l, j + 1, i + 1)) for i in range(len(sources))]
            rows.append({
                "name": _name_tex(to),
                "cells": cells,
                "bias": val(bias_name(layers, l, j + 1)) if per_neuron else "",
                "bias_symbol": _bias_symbol(given, bias_name(layers, l, j + 1)) if named else "",
            })  # fmt: skip
        shared = ""
        if net.bias == "shared":
            bid = bias_name(layers, l, None)
            shared = f"{given[bid].symbol} = {val(bid)}" if bid in given else ""
        tables.append({
            "caption": f"Layer {l}: weights into {_layer_word(layers, l)}",
            "header": header,
            "rows": rows,
            "bias_column": per_neuron,
            "bias_named": named,
            "span": len(header) + 1,
            "shared_bias": shared,
        })  # fmt: skip
    # a large network's tables (4-4-4-4-3: fifteen rows) set tighter, so that they stay on page 1
    # with the diagram instead of sending half the weights to page 2
    compact = sum(layers[1:]) >= COMPACT_ROWS  # a table's rows: the neurons of its layer
    return {"items": items, "tables": tables, "compact": compact}


def _bias_symbol(given: dict[str, GivenValue], bid: str) -> str:
    return given[bid].symbol if bid in given else ""


def _layer_word(layers: tuple[int, ...], l: int) -> str:
    if l == len(layers) - 1:
        return "the outputs"
    return "the hidden layer" if len(layers) == 3 else f"hidden layer {l}"


def _name_tex(name: str) -> str:
    """h2_1 -> h_{2,1} for the math filter."""
    return f"{name[0]}_{{{name[1:].replace('_', ',')}}}"


def _field_name(problem: WorkedProblem, answer_id: str) -> str:
    return answer_id if problem.number == 1 else f"p{problem.number}_{answer_id}"


# Quantities of one neuron that a student computes one from the other (z then a; ∂L/∂a, f′, δ)
# share a row of boxes, so the working of a neuron stays together.
NEURON_KINDS = {"z", "a", "dL_da", "dact", "delta"}


def _neuron(answer: WorkedAnswer) -> tuple[int, int] | None:
    q = answer.quantity
    if q.kind in NEURON_KINDS and q.neuron is not None:
        return (q.layer or 0, q.neuron)
    return None


def question_rows(items: list[dict[str, Any]], answers: list[WorkedAnswer]) -> list[dict[str, Any]]:
    """Rows of answer boxes: a neuron's quantities never split across rows. 4 boxes a row where
    neurons come in pairs (z, a), or where 4 short-id boxes a row take fewer rows than 3 (the
    box keeps room to write beside its id tab), else 3. Each row: its items, the empty cells
    after them, and whether a head holds a fraction (taller)."""
    groups: list[list[dict[str, Any]]] = []
    last: tuple[int, int] | None = None
    for item, a in zip(items, answers, strict=True):
        key = _neuron(a)
        if groups and key is not None and key == last:
            groups[-1].append(item)
        else:
            groups.append([item])
        last = key
    sizes = {len(g) for g in groups}

    def pack(cols: int) -> list[list[dict[str, Any]]]:
        rows: list[list[dict[str, Any]]] = []
        for g in groups:
            if rows and len(rows[-1]) + len(g) <= cols:
                rows[-1].extend(g)
            else:
                rows.append(list(g))
        return rows

    pairs = 2 in sizes and max(sizes) <= 2
    short = max(len(q["id"]) for q in items) <= SHORT_ID
    cols = 4 if pairs or (short and len(pack(4)) < len(pack(3))) else 3
    return [
        {"items": r, "pad": cols - len(r), "tall": any("\\frac" in q["symbol"] for q in r), "single": len(r) == 1}
        for r in pack(cols)
    ]


# Four boxes a row leave an id tab of up to this many characters ~25 mm to write in.
SHORT_ID = 12


def worksheet_context(key: Key, variant: Variant, paper: str = "a4", *, split: bool = False) -> dict[str, Any]:
    """The worksheet's context; ``split``: the questions after page 1 start page 2 where the
    layout model says, so that render/stamp.py can share them (see split_questions)."""
    d = key.decimals
    problems: list[dict[str, Any]] = []
    worked = [worked_of(key, p) for p in variant.problems]
    for p in worked:
        sections = []
        for groups, title in SECTIONS:
            answers = [a for a in p.answers if a.group in groups]
            if not answers:
                continue
            items = [
                {
                    "id": a.id,
                    "field": _field_name(p, a.id),
                    "symbol": a.symbol,
                    "label": a.label,
                    "word": short_word(a.quantity.kind, a.label),
                }
                for a in answers
            ]
            rows = question_rows(items, answers)
            cols = max(len(r["items"]) + r["pad"] for r in rows)
            sections.append({
                "title": title, "intro": GROUP_INTROS[groups[0]], "rows": rows, "count": len(items), "cols": cols,
            })  # fmt: skip
        n = len(p.answers)
        problems.append({
            "number": p.number,
            "conventions": _conventions(p),
            "diagram": Markup(network_svg(p)),
            "given": given_tables(p),
            "sections": sections,
            "rooms": [],
            "count": n,
        })  # fmt: skip
    plan = room_plan(problems, worked, paper)
    rooms, pages = iter(plan.rooms), iter(plan.pages)
    for prob in problems:
        for sec in prob["sections"]:
            for row in sec["rows"]:
                row["room"] = f"{next(rooms):.1f}mm"
                row["page"] = next(pages)
        prob["rooms"] = [row["room"] for sec in prob["sections"] for row in sec["rows"]]
    # only after a one-page head: the model's estimate of a longer one (the 4-4-4-4-3's given
    # values) is less exact, and a forced break where it errs leaves a page end empty
    shared = split_questions(problems, 1 if split and plan.head_pages == 1 else None)
    example_exact = "0.123456" if d < 6 else "0.1234567891"
    header = _header(key, variant)
    return {
        **header,
        "identity": identity_fit(header["student_name"], header["student_id"], paper),
        "doc_title": document_title(key.title, f"worksheet {variant.variant}"),
        "example_exact": example_exact,
        "example_rounded": fmt(example_exact, d),
        "problems": problems,
        "multi": len(problems) > 1,
        "shared": shared,  # render/stamp.py may render the pages after the head once per pack
        "strip_ok": bool(problems) and problems[0].get("strip_ok", False),  # and page 1's rows too
        "head_pages": 1,
        "part": "whole",  # or "head" (the head, then tail_pages empty pages) or "tail" (the pages after the head)
        "tail_pages": 0,
        "strip": False,  # part head: page 1's rows left out (a slot of strip_height); part tail: they come first
        "strip_height": "0",
    }


def split_questions(problems: list[dict[str, Any]], head_pages: int | None) -> bool:
    """Split each section's rows into the parts on the head's pages and after (``s["tables"]``).

    After the head's pages (see RoomPlan) the layout model puts only rows of boxes and section
    headings; the first of them starts a page (``page_start``: a forced break), so that the
    pages from there on depend on the structure alone and can be rendered once per pack
    (render/stamp.py); returns whether there are such pages. Else (and with ``head_pages``
    None) every section is one table, breaking where WeasyPrint breaks it.
    """
    sections = [s for p in problems for s in p["sections"]]
    later = [
        (i, k)
        for i, s in enumerate(sections)
        for k, row in enumerate(s["rows"])
        if head_pages is not None and row["page"] >= head_pages
    ]
    split = bool(later)
    first = later[0] if split else (len(sections), 0)
    for i, s in enumerate(sections):
        rows = s["rows"]
        at = 0 if i > first[0] else first[1] if i == first[0] else len(rows)
        s["page_start"] = (i, 0) == first  # the section starts page 2
        s["tail"] = at == 0  # the whole section is after page 1
        s["has_tail"] = at < len(rows)
        s["tables"] = [
            {"rows": part, "tail": tail, "page_start": tail and (i, at) == first and at > 0}
            for part, tail in ((rows[:at], False), (rows[at:], True))
            if part
        ]
        for k, row in enumerate(rows):
            row["lone"] = row["single"] and k > 0  # CSS: a lone box goes with the row before it
    # page 1's rows all in the first section: render/stamp.py may share them too, as one strip
    strip = split and len(problems) == 1 and (first == (1, 0) or (first[0] == 0 and first[1] > 0))
    for i, s in enumerate(sections):
        s["strip"] = strip and i == 0
    if problems:
        problems[0]["strip_ok"] = strip
    return split


# The name line of the worksheet: "Name" and "Student ID" labels, the id field 42 mm (room to
# write an id by hand). A printed id needs only its own width, so a long name takes the rest;
# a name longer still is set smaller, down to NAME_MIN_PT, so that it stays on one line.
ID_FIELD = 42.0
ID_FIELD_MIN = 18.0
NAME_PT = 11.0
NAME_MIN_PT = 8.0
_LABELS = 37.0  # "Name", "Student ID" and the paddings around them, mm


def _text_mm(text: str, pt: float) -> float:
    """Width of ``text`` in Noto Sans (on the wide side; CJK full width), mm."""
    import unicodedata

    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)
    return ems * pt * _PT


def identity_fit(name: str, sid: str, paper: str) -> dict[str, Any]:
    """Widths and name size of the name line (see ID_FIELD)."""
    width = PAGE_WIDTH.get(paper, PAGE_WIDTH["a4"]) - _LABELS
    id_w = ID_FIELD
    need = _text_mm(name, NAME_PT) + 2.0
    sid_need = _text_mm(sid, NAME_PT) + 3.0 if sid else 0.0
    if sid and need > width - id_w:
        id_w = max(ID_FIELD_MIN, min(ID_FIELD, sid_need))
    elif sid_need > id_w:  # a long printed id takes what the name leaves: it never breaks at its hyphen
        id_w = min(sid_need, max(ID_FIELD, width - need))
    size = NAME_PT if need <= width - id_w else max(NAME_MIN_PT, NAME_PT * (width - id_w - 2.0) / (need - 2.0))
    # an id longer than its field is set smaller too, down to NAME_MIN_PT, so that it stays inside
    # the page ("S-2026-000000000000000123" beside a 70-character name ran off the paper's edge)
    id_size = NAME_PT if sid_need <= id_w else max(NAME_MIN_PT, NAME_PT * (id_w - 4.5) / (sid_need - 3.0))
    fits = bool(sid) and (sid_need - 3.0) * id_size / NAME_PT + 3.0 <= id_w
    # a name too long even at NAME_MIN_PT wraps rather than push the id field off the page
    name_fits = (need - 2.0) * size / NAME_PT + 2.0 <= width - id_w
    return {
        "id_width": f"{id_w:.1f}mm", "name_size": f"{size:.1f}pt", "id_size": f"{id_size:.1f}pt",
        "id_nowrap": fits, "name_nowrap": name_fits,
    }  # fmt: skip


# Working room above each answer box: at least ROOM_FLOOR (three handwritten lines). The sheet
# takes the pages it needs with that room; then the room grows, alike for every box, as far as
# every block stays on its page (up to ROOM_MAX), and what is left at the foot of each page goes
# to the boxes of that page (up to ROOM_PAGE_MAX), so that no page goes half empty while another
# is full. A simulated layout decides (heights in mm, measured on rendered sheets; the page
# breaks follow the CSS rules of worksheet.css); tests/test_render_worksheet.py checks the PDFs.
ROOM_FLOOR = 16.0  # three lines of handwriting: a sigmoid step needs them
ROOM_MAX = 30.0  # alike for every box
ROOM_PAGE_MAX = 40.0  # with what is left at the foot of its page
PAGE_HEIGHT = {"a4": 297.0 - 33.0, "letter": 279.4 - 33.0}  # minus the @page margins
PAGE_WIDTH = {"a4": 210.0 - 32.0, "letter": 215.9 - 32.0}
SLACK = 5.0  # per page, for what the estimate misses
_PT = 25.4 / 72
_H_TOP = 47.3  # title block, name line, instructions
_H_PROBLEM = 11.0  # "Problem n" heading of a multi-problem sheet
_H_CONV_LINE = 4.4
_H_CONV_EXTRA = 5.6
_H_DIAGRAM_EXTRA = 6.0  # figure margins
_H_GIVEN_TOP = 12.9  # "Given values" and the line of inputs, targets and η
_H_TABLE_ROW = 5.9
_H_TABLE_EXTRA = 7.0  # caption and margin below a line of weight tables
_H_TABLE_ROW_COMPACT, _H_TABLE_EXTRA_COMPACT = 4.12, 6.0  # the same, set compact (COMPACT_ROWS)
_H_GIVEN_END = 3.0
_H_SECTION = 13.3  # a section's heading and intro
_H_ROW = 16.6  # a row of questions without room: head, box, paddings
_H_ROW_TALL = 2.4  # extra for a row whose head holds a fraction
_H_SOLUTION_HEAD = 69.5  # a worked solution's page 1 above its answers, but the diagram: title, conventions, "Answers"
_H_END = 8.0  # a reserve on the last page ("End of worksheet" itself sits in the page foot)


@dataclass
class _Block:
    """A piece of the sheet that does not break: its height, whether it is a row of boxes (it
    gets the room) and whether it stays on the page of the next block (CSS break-after/-before: avoid)."""

    height: float
    row: dict[str, Any] | None = None
    keep: bool = False
    section: bool = False  # a section's heading and intro


def _given_lines(given: dict[str, Any], width: float) -> list[float]:
    """The heights of the lines of weight tables (inline blocks side by side as far as the width allows)."""
    lines: list[float] = []
    line_w = 0.0
    compact = given.get("compact", False)
    row_h, extra = (_H_TABLE_ROW_COMPACT, _H_TABLE_EXTRA_COMPACT) if compact else (_H_TABLE_ROW, _H_TABLE_EXTRA)
    for t in given["tables"]:
        table_w = 15.0 + 11.5 * len(t["header"]) + (18.0 if t["bias_named"] else 13.0 if t["bias_column"] else 0.0)
        w = max(table_w, 1.5 * len(t["caption"])) + 5.0  # and the block's right margin
        rows = len(t["rows"]) + 1 + (1 if t["shared_bias"] else 0)
        th = extra + rows * row_h
        if lines and line_w + w <= width:
            line_w, lines[-1] = line_w + w, max(lines[-1], th)
        else:
            line_w = w
            lines.append(th)
    return lines


def _svg_height(svg: str) -> float:
    m = re.search(r'height="([\d.]+)pt"', svg)
    return float(m.group(1)) * _PT if m else 60.0


def _blocks(problems: list[dict[str, Any]], raw: list[WorkedProblem], width: float) -> list[_Block]:
    """The worksheet as a column of blocks, in order."""
    blocks = [_Block(_H_TOP)]
    for prob, p in zip(problems, raw, strict=True):
        conv = p.description
        short = sum(len(t) + 12 for t in (conv.architecture, conv.activation, conv.bias))
        lines = 2 + -(-short * 1.45 // width)  # the short conventions share a line, 9 pt
        head = (_H_PROBLEM if len(problems) > 1 else 0.0) + lines * _H_CONV_LINE + _H_CONV_EXTRA
        blocks.append(_Block(head, keep=True))
        blocks.append(_Block(_svg_height(str(prob["diagram"])) + _H_DIAGRAM_EXTRA))
        # "Given values" stays with its first line of weight tables; the lines may part
        tables = _given_lines(prob["given"], width)
        blocks.append(_Block(_H_GIVEN_TOP, keep=True))
        blocks.extend(_Block(h) for h in tables[:-1])
        blocks.append(_Block(tables[-1] + _H_GIVEN_END) if tables else _Block(_H_GIVEN_END))
        for s in prob["sections"]:
            blocks.append(_Block(_H_SECTION, keep=True, section=True))  # a heading stays with its first row
            rows = s["rows"]
            for k, row in enumerate(rows):
                # a row of one box never stands alone at the top of a page (CSS: tbody.single)
                lone_next = k + 1 < len(rows) and len(rows[k + 1]["items"]) == 1
                blocks.append(_Block(_H_ROW + (_H_ROW_TALL if row["tall"] else 0.0), row=row, keep=lone_next))
    blocks.append(_Block(_H_END))
    return blocks


def _paginate(blocks: list[_Block], page_h: float, rooms: list[float], force: int = -1) -> list[int]:
    """The page (0, 1, ...) of each block, breaking as WeasyPrint does: a block that does not fit
    goes to the next page, and with it the blocks before it that must stay with it (unless they
    started the page). A page also starts at block ``force`` (see _spread_last_page)."""
    page_of = [0] * len(blocks)
    page, y, first, i = 0, 0.0, 0, 0
    while i < len(blocks):
        h = blocks[i].height + rooms[i]
        if (y + h > page_h or i == force) and i > first:
            force = -1 if i == force else force  # once: the blocks kept with it move along
            j = i
            while j - 1 > first and blocks[j - 1].keep:
                j -= 1
            if j - 1 == first and blocks[first].keep:
                j = i  # the whole page would move: break where it does not fit after all
            page, y, first, i = page + 1, 0.0, j, j
            continue
        page_of[i] = page
        y += h
        i += 1
    return page_of


def _spread_last_page(blocks: list[_Block], page_h: float, rooms: list[float]) -> int:
    """The block before which a page starts so that the last page does not hold one row of boxes
    alone, or -1. Such a row does not fit on the page before even at ROOM_FLOOR (the greedy
    breaks at the floor already give the fewest pages), so pulling it back would cut the room
    below three lines of handwriting; instead the row before it moves over too: the sheet keeps
    its page count, the last page holds two rows and the page before gives its rows more room.
    Not when that page would keep fewer than two rows itself, or the move would add a page."""
    page_of = _paginate(blocks, page_h, rooms)
    rows = [i for i, b in enumerate(blocks) if b.row is not None]
    last = page_of[-1]
    on_last = [i for i in rows if page_of[i] == last]
    if len(on_last) != 1 or len(rows) < 3:
        return -1
    before = [i for i in rows if page_of[i] == last - 1]
    if len(before) < 3:
        return -1
    moved = _paginate(blocks, page_h, rooms, force=before[-1])
    if moved[-1] != last or sum(1 for i in rows if moved[i] == last) < 2:
        return -1
    return before[-1]


def working_room(problems: list[dict[str, Any]], raw: list[WorkedProblem], paper: str = "a4") -> list[float]:
    """The room (mm) above each row of boxes, row by row through every section; see ROOM_FLOOR."""
    return room_plan(problems, raw, paper).rooms


def row_pages(problems: list[dict[str, Any]], raw: list[WorkedProblem], paper: str = "a4") -> list[int]:
    """The page (0, 1, ...) the layout model puts each row of boxes on, in the order of
    working_room. An estimate: the rendered PDF decides (tests/test_render_worksheet.py)."""
    return room_plan(problems, raw, paper).pages


@dataclass(frozen=True)
class RoomPlan:
    """What the simulated layout decided: the room (mm) above each row of boxes and the page
    (0, 1, ...) of each row, row by row through every section; ``head_pages``: the pages up to
    the last one that holds anything but rows of boxes and section headings (title,
    conventions, diagram, given values), so that the pages after them hold only questions
    (render/stamp.py shares those)."""

    rooms: list[float]
    pages: list[int]
    head_pages: int


def room_plan(problems: list[dict[str, Any]], raw: list[WorkedProblem], paper: str = "a4") -> RoomPlan:
    """See :class:`RoomPlan` and ROOM_FLOOR."""
    page_h = PAGE_HEIGHT.get(paper, PAGE_HEIGHT["a4"]) - SLACK
    width = PAGE_WIDTH.get(paper, PAGE_WIDTH["a4"])
    blocks = _blocks(problems, raw, width)
    is_row = [b.row is not None for b in blocks]

    def uniform(room: float) -> list[float]:
        return [room if r else 0.0 for r in is_row]

    # the room grows only while every block stays on its page: growing further would push rows
    # to later pages and leave an early one half empty
    force = _spread_last_page(blocks, page_h, uniform(ROOM_FLOOR))
    page_of = _paginate(blocks, page_h, uniform(ROOM_FLOOR), force)
    room = ROOM_FLOOR
    while room + 0.5 <= ROOM_MAX and _paginate(blocks, page_h, uniform(room + 0.5), force) == page_of:
        room += 0.5
    rooms = uniform(room)
    for page in range(page_of[-1] + 1):
        on = [i for i, p in enumerate(page_of) if p == page]
        used = sum(blocks[i].height + rooms[i] for i in on)
        rows = [i for i in on if is_row[i]]
        if rows:
            extra = min((page_h - used) / len(rows), ROOM_PAGE_MAX - room)
            for i in rows:
                rooms[i] += max(0.0, extra)
    rows_at = [i for i in range(len(blocks)) if is_row[i]]
    # the last block is the reserve for the end of the sheet; a section heading goes with its first row
    head = [page_of[i] for i in range(len(blocks) - 1) if not (is_row[i] or blocks[i].section)]
    return RoomPlan([rooms[i] for i in rows_at], [page_of[i] for i in rows_at], 1 + max(head, default=0))


LONG_LINE = 70  # characters of a worked line that may not fit beside the step id (9.5 pt, ~146 mm)


KEEP_WITH_NEXT = frozenset({"z", "dL_da", "dact"})  # step kinds that stay on the page of the step after


def _step(step: Step) -> dict[str, Any]:
    """A worked step as the key prints it: the record's terms, formatted, nothing parsed."""
    lines = [list(step.formula)] + ([list(step.numbers)] if step.numbers else [])
    return {
        # a line longer than the text width breaks at an equals sign (each "= term" an inline block);
        # only those lines get the blocks: they cost layout time
        "long": [len(to_text(" = ".join(line))) > LONG_LINE for line in lines],
        # a case distinction (ReLU′: "1 if z > 0, else 0") must not run on into "= 1 (as z = … > 0)":
        # beside it the line would read "else 0 = 1"; its numbers take their own line
        "cases": any(" if " in term for term in step.formula),
        "id": step.id,
        # a neuron's steps stay on one page, as on the worksheet: z with its a, ∂L/∂a and f′ with its δ
        "keep": step.kind in KEEP_WITH_NEXT,
        "asked": step.asked,
        "lhs": step.lhs,
        "lines": lines,
        "result": minus(step.result),
        "shown": minus(step.shown),
        "aside": f"{step.aside[0].upper()}{step.aside[1:]}." if step.aside else "",
        "note": step.note,
    }


def _adds_up(u: Update) -> bool:
    """old − η×gradient = new with the printed numbers (the new value comes from the exact gradient)."""
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(u.old) - Decimal(u.step) == Decimal(u.new)
    except InvalidOperation:
        return True


# The grading rule as the worked solution tells it to students (the key's own description, which
# speaks of interval arithmetic over the solution graph, is for teachers and docs/grading.md)
STUDENT_RULE = (
    "An answer counts as correct when you could reach it honestly from the given values: "
    "rounding any intermediate value (each product, e<sup>−z</sup>, η × gradient) to {decimals} "
    "decimals as you go, or not rounding at all. Where that can change the last digit, the "
    "answers table above gives the accepted range."
)


def _tolerance(text: str, decimals: int) -> Markup:
    """The grading rule for students: the plain wording for the rule every pack states, else the
    key's own text (no pointer to the repository's docs, e^−z as a superscript)."""
    from ..pack import TOLERANCE_RULE

    if text.startswith(TOLERANCE_RULE.split(":", 1)[0]):  # the rule every pack states (older wordings too)
        return Markup(STUDENT_RULE.format(decimals=decimals))
    text = re.sub(r"\s*See docs/\S+\.md\.?", "", text).strip()
    return Markup(str(Markup.escape(text)).replace("e^−z", "e<sup>−z</sup>"))


def key_context(key: Key, variant: Variant, paper: str = "a4") -> dict[str, Any]:
    from .marking import answers_table, rows_above

    problems = []
    for stored in variant.problems:
        p, worked = work_out(stored, key.decimals, key.structure.answer_ids)
        # each update step is a row of the before/after table (old − η×gradient = new, with its
        # numbers): printing both told the same line twice and cost half a page
        in_table = {u.id for u in p.updates}
        groups = []
        for group, title in GROUP_TITLES.items():
            steps = [_step(s) for s in worked if s.group == group and s.id not in in_table]
            if steps:
                groups.append({"title": title, "steps": steps})
        updates = [
            {
                "symbol": u.symbol,
                "old": minus(u.old),
                "gradient": minus(u.gradient),
                "step": minus(u.step),
                "new": minus(u.new),
                "approx": not _adds_up(u),
                "direction": DIRECTION[u.direction],
            }
            for u in p.updates
        ]
        # the answers start on page 1 under the head and the diagram: their first slab (columns read
        # down) holds only what fits there, or a long table's columns would read on across the break
        above = _H_SOLUTION_HEAD + _svg_height(network_svg(p)) if p.number == 1 else 0.0
        table = answers_table(p, key.decimals, paper, hand=True, head_rows=rows_above(above, paper) if above else 0)
        problems.append({
            "number": p.number,
            "conventions": _conventions(p),
            "diagram": Markup(network_svg(p)),
            "answers": table,
            "any_range": table["has_range"],
            "any_hand": table["has_hand"],
            "groups": groups,
            "updates": updates,
            "any_approx": any(u["approx"] for u in updates),
            "update_rule": "p^{new} = p − η ∂L/∂p",
            "eta": next((minus(g.value) for g in p.given if g.kind == "eta"), ""),
        })  # fmt: skip
    return {
        **_header(key, variant),
        "doc_title": document_title(key.title, f"worked solution {variant.variant}"),
        "tolerance": _tolerance(key.tolerance.description, key.decimals),
        "created": _date(key.created),
        "problems": problems,
        "multi": len(problems) > 1,
    }


def _date(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d")
    except ValueError:
        return ""
