"""What ``scan`` writes: submissions.csv (the grader's CSV plus a flag column per answer),
scan-issues.csv, corrections.csv (flagged answers, for the teacher to fill in) and review.html."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..grading.crops import CROPS_COLUMN, data_url
from .run import ScanResult

FLAG_PREFIX = "flag:"  # flag columns: 'flag:z_h1'; grade ignores them, an unread answer is '?' (unreadable)
UNREAD = "?"
SUBMISSIONS, ISSUES, CORRECTIONS, REVIEW = "submissions.csv", "scan-issues.csv", "corrections.csv", "review.html"
CORRECTION_HEADER = ["variant", "student_id", "name", "answer_id", "flag", "seen", "value"]


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def submissions_rows(result: ScanResult) -> list[list[str]]:
    ids = result.answer_ids
    rows = [["variant", "student_id", "name", "scan:source", CROPS_COLUMN, *ids, *(FLAG_PREFIX + i for i in ids)]]
    for s in result.sheets:
        values, flags = [], []
        for i in ids:
            r = s.reads.get(i)
            values.append("" if r is None else (UNREAD if r.flag else r.value))
            flags.append("" if r is None else r.flag)
        rows.append([s.variant, s.student_id, s.name, "; ".join(s.sources), s.crops_folder, *values, *flags])
    return rows


def write_outputs(result: ScanResult, dest: Path) -> None:
    """All four files into ``dest`` (a fresh folder)."""
    (dest / SUBMISSIONS).write_text(_csv(submissions_rows(result)), encoding="utf-8")
    issues = [["file", "page", "kind", "message"]] + [[i.file, i.page, i.kind, i.message] for i in result.issues]
    (dest / ISSUES).write_text(_csv(issues), encoding="utf-8")
    corrections = [CORRECTION_HEADER]
    for s in result.sheets:
        for i in result.answer_ids:
            r = s.reads.get(i)
            if r is not None and r.flag:
                corrections.append([s.variant, s.student_id, s.name, i, r.flag, r.seen, ""])
    (dest / CORRECTIONS).write_text(_csv(corrections), encoding="utf-8")
    (dest / REVIEW).write_text(review_html(result), encoding="utf-8")


def review_html(result: ScanResult) -> str:
    """One page: each flagged answer's crop beside why it was flagged, and the page issues."""
    from ..render.templating import render_template

    items = []
    for s in result.sheets:
        for i in result.answer_ids:
            r = s.reads.get(i)
            if r is None or not r.flag:
                continue
            items.append({
                "variant": s.variant, "student": s.name or s.student_id, "answer_id": i, "flag": r.flag, "seen": r.seen,
                "src": data_url(s.crops.get(i)),
            })  # fmt: skip
    return render_template("scan-review.html.j2", items=items, issues=result.issues, sheets=len(result.sheets),
                           pages=result.pages, skipped=len(result.skipped))  # fmt: skip


def apply_fix(folder: Path, corrections: Path) -> tuple[int, list[str]]:
    """Put the teacher's values from ``corrections`` into ``folder``/submissions.csv (rewritten whole).

    Returns (answers corrected, problems). A correction whose value is empty is skipped.
    """
    from ..answer_key import atomic_write
    from ..grading.numbers import parse_number

    sub_path = folder / SUBMISSIONS
    rows = list(csv.reader(io.StringIO(sub_path.read_text(encoding="utf-8"))))
    header = rows[0]
    col = {h: i for i, h in enumerate(header)}
    by_variant = {r[0]: r for r in rows[1:]}
    fixed, problems = 0, []
    with corrections.open(encoding="utf-8-sig", newline="") as f:
        for line, c in enumerate(csv.DictReader(f), start=2):
            value = (c.get("value") or "").strip()
            if not value:
                continue
            where = f"{corrections} line {line}"
            row = by_variant.get((c.get("variant") or "").strip())
            aid = (c.get("answer_id") or "").strip()
            if row is None:
                problems.append(f"{where}: variant {c.get('variant')!r} is not in {sub_path}")
                continue
            if aid not in col or FLAG_PREFIX + aid not in col:
                problems.append(f"{where}: answer id {aid!r} is not a column of {sub_path}")
                continue
            if not parse_number(value).readable:
                problems.append(f"{where}: {value!r} is not a number; write it like -0.0746")
                continue
            row[col[aid]] = value
            row[col[FLAG_PREFIX + aid]] = ""
            fixed += 1
    atomic_write(sub_path, _csv(rows), force=True)
    return fixed, problems
