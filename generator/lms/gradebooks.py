"""Gradebook files an LMS imports: Canvas's gradebook CSV and Moodle's grade import CSV.

Joined with the roster the key holds (each variant's ``student``, with optional ``email``,
``username`` and ``section``): a graded submission belongs to the roster student whose id,
email or username it carries; roster students without one are absent and get an empty
grade, which both LMSs read as "no grade" (not zero); graded students not on the roster are
listed after the roster, under their LMS identity.

- Canvas (Grades > Import): Student, ID, SIS User ID, SIS Login ID, Section, then
  "<assignment>" (write "Name (id)" to fill an existing assignment); the second row is
  "Points Possible". Canvas matches rows by ID, else SIS User ID, else SIS Login ID.
- Moodle (Grades > Import > CSV file): ID number, Email address, Username, Name, the grade,
  Feedback; map one identity column to the user in the import form.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..grading.grade import Graded, Grading
from ..grading.gradebook import neutralise, points
from ..grading.mistakes import label
from ..records import Key

NAMES = ("canvas", "moodle")
FILES = {"canvas": "gradebook-canvas.csv", "moodle": "gradebook-moodle.csv"}


@dataclass
class Row:
    """One roster student (or an unlisted LMS user) and their graded submission, if any."""

    id: str = ""
    name: str = ""
    email: str = ""
    username: str = ""
    section: str = ""
    lms_id: str = ""
    graded: Graded | None = None
    extra: dict[str, str] = field(default_factory=dict)


def roster(key: Key) -> list[Row]:
    out: list[Row] = []
    seen: set[str] = set()
    for v in key.variants:
        s = v.student
        if not s or s.id in seen:
            continue
        seen.add(s.id)
        out.append(Row(s.id, s.name, s.email or "", s.username or "", s.section or ""))
    return out


def joined(grading: Grading) -> list[Row]:
    rows = roster(grading.key)
    index: dict[str, Row] = {}
    for r in rows:
        for k in (r.id, r.email.lower(), r.username.lower()):
            if k:
                index.setdefault(k, r)
    for g in grading.graded:
        ident = g.submission.identity
        keys = [g.student_id, ident.get("sis_id", ""), ident.get("idnumber", ""), ident.get("email", "").lower(),
                ident.get("username", "").lower(), ident.get("sis_login_id", "").lower()]  # fmt: skip
        row = next((index[k] for k in keys if k and k in index), None)
        if row is None or row.graded is not None:
            row = Row(g.student_id, g.name, ident.get("email", ""), ident.get("username", ""), ident.get("section", ""))
            rows.append(row)
        row.graded = g
        row.lms_id = ident.get("id", "")
        row.section = row.section or ident.get("section", "")
    return rows


def mistakes_text(g: Graded) -> str:
    named = [f"{label(m.diagnosis)} ({m.id})" for m in g.marks if m.diagnosis]
    return "; ".join(named) if named else "no mistake named"


def _csv(rows: Iterator[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def canvas_csv(grading: Grading, assignment: str) -> str:
    max_score = max((g.max_score for g in grading.graded), default=0.0)

    def rows() -> Iterator[list[str]]:
        yield ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment]
        yield ["    Points Possible", "", "", "", "", points(max_score)]
        for r in joined(grading):
            score = points(r.graded.score) if r.graded else ""
            yield [neutralise(x) for x in (r.name, r.lms_id, r.id, r.username, r.section)] + [score]

    return _csv(rows())


def moodle_csv(grading: Grading, assignment: str) -> str:
    def rows() -> Iterator[list[str]]:
        yield ["ID number", "Email address", "Username", "Name", assignment, "Feedback"]
        for r in joined(grading):
            score = points(r.graded.score) if r.graded else ""
            fb = mistakes_text(r.graded) if r.graded else "absent: no submission"
            yield [neutralise(x) for x in (r.id, r.email, r.username, r.name)] + [score, fb]

    return _csv(rows())


def write(grading: Grading, which: str, assignment: str) -> str:
    return canvas_csv(grading, assignment) if which == "canvas" else moodle_csv(grading, assignment)
