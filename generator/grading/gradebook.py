"""The CSV outputs: gradebook.csv (a row per submission or absent student), answers.csv (per answer), issues.csv.

Text that came from a student or a roster (names, ids, what was typed) is neutralised when
a spreadsheet would run it as a formula: a cell starting with = + - @ (or a tab or carriage
return) that is not a plain number gets a leading apostrophe. Control characters (ESC, CSI and
the other C0/C1 codes but tab and line breaks) become "?", so `cat answers.csv` cannot drive
the terminal.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache

from ..numbers import fmt
from .grade import Grading
from .numbers import looks_numeric
from .submissions import Issue

GRADEBOOK_HEAD = ["variant", "student_id", "name", "score", "max_score", "percent"]
ANSWERS_HEAD = [
    "variant", "student_id", "answer_id", "submitted", "expected", "verdict", "points", "max_points", "diagnosis",
]  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def neutralise(cell: str) -> str:
    """'=HYPERLINK(...)' -> "'=HYPERLINK(...)"; '-0.0746' and '-0,0746' stay numbers; ESC -> '?'."""
    cell = _CONTROL.sub("?", cell)
    if cell.startswith(_FORMULA_START) and not looks_numeric(cell):
        return "'" + cell
    return cell


@cache
def points(x: float) -> str:
    """1 -> '1', 0.5 -> '0.5', 2/3 -> '0.67' (half away from zero, as everywhere in the project)."""
    s = fmt(x, 2)
    return s.rstrip("0").rstrip(".") if "." in s else s


def percent(x: float) -> str:
    return fmt(x, 1)


GRADED, ABSENT = "graded", "absent"


def gradebook_csv(grading: Grading) -> str:
    """One row per graded submission, then one per roster student who handed nothing in (no score).

    ``status`` is the last column (appended in format 1, so older readers keep their columns).
    """
    ids = grading.answer_ids
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*GRADEBOOK_HEAD, *ids, "status"])
    for g in grading.graded:
        by_id = {m.id: m for m in g.marks}
        w.writerow([
            g.code, neutralise(g.student_id), neutralise(g.name),
            points(g.score), points(g.max_score), percent(g.percent),
            *(points(by_id[i].points) if i in by_id else "" for i in ids), GRADED,
        ])  # fmt: skip
    for a in grading.absent:
        w.writerow([
            a.code, neutralise(a.student_id), neutralise(a.name), "", points(a.max_score), "",
            *("" for _ in ids), ABSENT,
        ])  # fmt: skip
    return buf.getvalue()


def answers_csv(grading: Grading) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ANSWERS_HEAD)
    rows = []
    for g in grading.graded:
        sid = neutralise(g.student_id)
        answers = g.vk.answers
        for m in g.marks:
            rows.append((
                g.code, sid, m.id, neutralise(m.entry.text), answers[m.id].rounded, m.verdict,
                points(m.points), points(m.max_points), m.diagnosis,
            ))  # fmt: skip
    w.writerows(rows)
    return buf.getvalue()


def issues_csv(issues: list[Issue]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["source", "kind", "message"])
    w.writerows((neutralise(i.source), i.kind, neutralise(i.message)) for i in issues)
    return buf.getvalue()
