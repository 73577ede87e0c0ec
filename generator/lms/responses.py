"""Read what an LMS exports of a quiz made by ``backprop-exam export`` into the grader's submissions.

- Moodle, quiz report "Responses" (CSV or Excel download): one row per attempt, identity
  columns (First name, Last name, Email address, ID number, Username …), then per question
  slot k "Question k" (its text), "Response k" ("part 1: 0.5523; part 2: …") and
  "Right answer k". The variant comes from the code in the question text, else from the
  right answers (each variant's key values differ).
- Canvas, quiz statistics "Student Analysis" CSV: name, id, sis_id, section, …, submitted,
  then per question "<id>: <question text>" and its points, then n correct, n incorrect,
  score. The variant comes from the code in the question text; a fill-in-multiple-blanks
  response lists the blanks in order, separated by commas (a comma typed by the student is
  written as "\\,").
- QTI 2.1 results reports (``assessmentResult`` XML, one candidate per file): the variant from
  the item identifier ``v-<code>``, the answers by response identifier (the answer ids).

A variant an LMS drew at random is not the roster's: these submissions are ``drawn``, so
the grader matches students by the LMS identity and lets two students share a variant.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..answer_key import normalize_code
from ..grading.submissions import Issue, Submission, visible_files
from ..records import Key
from ..textfile import decode, delimiter_of, read_rows
from .codes import CODE_IN_TEXT

MOODLE_RESPONSE = re.compile(r"^response\s+(\d+)$", re.IGNORECASE)
CANVAS_QUESTION = re.compile(r"^(\d+):\s?(.*)$", re.S)
_PART = re.compile(r"(?:^|;\s)([^\s:;][^:;]*?)\s(\d+):\s?")
_MOODLE_IDS = {
    "id number": "idnumber", "idnumber": "idnumber", "username": "username", "email address": "email",
    "email": "email", "first name": "first", "firstname": "first", "last name": "last", "surname": "last",
    "lastname": "last",
}  # fmt: skip


def table(path: Path) -> list[list[str]]:
    """The rows of a CSV (any of , ; tab) or the first sheet of an Excel workbook, as text."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            return [["" if c is None else str(c) for c in row] for row in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    rows, _ = read_rows(decode(path.read_bytes()))
    return [r.cells for r in rows]


def kind(header: Sequence[str]) -> str:
    """'moodle', 'canvas' or '' (not an LMS export this module reads)."""
    norm = [h.strip().lower() for h in header]
    if any(MOODLE_RESPONSE.match(h) for h in norm) and ("state" in norm or "started on" in norm):
        return "moodle"
    if norm[-3:] == ["n correct", "n incorrect", "score"] and any(CANVAS_QUESTION.match(h) for h in header):
        return "canvas"
    return ""


def sniff(path: Path) -> str:
    """The kind of LMS export ``path`` is, reading only what is needed; '' when it is none."""
    if path.suffix.lower() == ".xml":
        return "qti" if _qti_root(path) is not None else ""
    if path.suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
        return ""
    try:
        rows = table(path) if path.suffix.lower() != ".csv" else table_head(path)
    except Exception:  # an unreadable file is the ordinary readers' to report
        return ""
    return kind(rows[0]) if rows else ""


def table_head(path: Path) -> list[list[str]]:
    head = decode(path.read_bytes()).split("\n", 1)[0]
    return [next(csv.reader([head], delimiter=delimiter_of(head)), [])]


class VariantFinder:
    """A variant code from a question's text, else from its right answers (the key's printed values)."""

    def __init__(self, key: Key) -> None:
        self.codes = {normalize_code(v.variant): v.variant for v in key.variants}
        self.by_values: dict[tuple[Decimal, ...], str] = {}
        for v in key.variants:
            values = tuple(Decimal(a.rounded) for a in v.problems[0].answers)
            self.by_values.setdefault(values, v.variant)

    def from_text(self, text: str) -> str:
        m = CODE_IN_TEXT.search(text or "")
        return m.group(1).upper() if m else ""

    def from_values(self, parts: Sequence[str]) -> str:
        try:
            values = tuple(Decimal(p.strip().replace(",", ".").replace("\u2212", "-")) for p in parts)
        except InvalidOperation:
            return ""
        return self.by_values.get(values, "")


def split_parts(cell: str) -> list[str]:
    """'part 1: 0.5523; part 2: ; part 3: 0,1' -> ['0.5523', '', '0,1'] (any language's word for part)."""
    cell = (cell or "").strip()
    if not cell or cell == "-":
        return []
    marks = list(_PART.finditer(cell))
    if not marks:
        return [cell]
    word = marks[0].group(1)
    marks = [m for m in marks if m.group(1) == word]
    out = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(cell)
        out.append(cell[m.end() : end].strip())
    return out


def read_moodle(path: Path, rows: list[list[str]], key: Key) -> Iterator[Submission | Issue]:
    header = [h.strip() for h in rows[0]]
    norm = [h.lower() for h in header]
    ids = {_MOODLE_IDS[h]: i for i, h in enumerate(norm) if h in _MOODLE_IDS}
    state = norm.index("state") if "state" in norm else None
    slots = {int(m.group(1)): i for i, h in enumerate(norm) if (m := MOODLE_RESPONSE.match(h))}
    finder = VariantFinder(key)
    n_answers = len(key.structure.answer_ids)
    for line, raw in enumerate(rows[1:], start=2):
        row = raw + [""] * (len(header) - len(raw))
        if not any(c.strip() for c in row) or row[0].strip().lower().startswith("overall average"):
            continue
        source = f"{path} line {line}"
        cell = {k: row[i].strip() for k, i in ids.items()}
        name = " ".join(x for x in (cell.get("first", ""), cell.get("last", "")) if x)
        if state is not None and row[state].strip().lower() not in ("finished", "beendet", "terminé", "terminado"):
            yield Issue(source, "not_finished", f"{source}: attempt of {name or 'a student'} is '{row[state]}', not "
                        "finished; skipped (close it in Moodle, or grade it by hand)")  # fmt: skip
            continue
        identity = {k: v for k, v in cell.items() if k in ("idnumber", "username", "email") and v}
        sid = next((identity[k] for k in ("idnumber", "username", "email") if k in identity), "")
        for k, col in sorted(slots.items()):
            parts = split_parts(row[col])
            if not parts:
                continue
            q = _column(header, norm, row, f"question {k}")
            right = split_parts(_column(header, norm, row, f"right answer {k}"))
            code = finder.from_text(q) or finder.from_values(right)
            where = f"{source} question {k}"
            if not code:
                yield Issue(where, "no_variant", f"{where}: the variant of {name or sid or 'this attempt'} cannot be "
                            "told (no 'Variant XXX-XXX' in the question text, right answers match no variant); "
                            "download the report with the question text or right answers included")  # fmt: skip
                continue
            if len(parts) != n_answers:
                yield Issue(where, "unreadable_file", f"{where}: {len(parts)} parts, but the key asks {n_answers} "
                            "answers; is this the quiz exported from this key?")  # fmt: skip
                continue
            yield Submission(where, str(path), code, sid, name, {f"#{i}": p for i, p in enumerate(parts, 1)},
                             drawn=True, identity=identity)  # fmt: skip


def _column(header: list[str], norm: list[str], row: list[str], name: str) -> str:
    return row[norm.index(name)] if name in norm else ""


def split_blanks(cell: str) -> list[str]:
    """Canvas joins fill-in-blank answers with ',' and writes a typed comma as '\\,'."""
    return [p.replace("\\,", ",") for p in re.split(r"(?<!\\),", cell)]


def read_canvas(path: Path, rows: list[list[str]], key: Key) -> Iterator[Submission | Issue]:
    header = rows[0]
    norm = [h.strip().lower() for h in header]
    col = {n: i for i, n in enumerate(norm) if n in ("name", "id", "sis_id", "section", "sis_login_id")}
    finder = VariantFinder(key)
    questions = [(i, finder.from_text(m.group(2))) for i, h in enumerate(header) if (m := CANVAS_QUESTION.match(h))]
    n_answers = len(key.structure.answer_ids)
    for line, raw in enumerate(rows[1:], start=2):
        row = raw + [""] * (len(header) - len(raw))
        if not any(c.strip() for c in row):
            continue
        source = f"{path} line {line}"
        name = row[col["name"]].strip() if "name" in col else ""
        identity = {k: row[i].strip() for k, i in col.items() if k != "name" and row[i].strip()}
        sid = identity.get("sis_id") or identity.get("id", "")
        # a question this student was given has its points cell filled, even when every blank is empty
        drawn = [(i, code) for i, code in questions if row[i].strip() or row[i + 1].strip()]
        if not drawn:
            yield Issue(source, "no_answers", f"{source}: no answers from {name or sid or 'this student'}; skipped")
            continue
        for i, code in drawn:
            where = f"{source} question {header[i].split(':', 1)[0]}"
            if not code:
                yield Issue(where, "no_variant", f"{where}: no 'Variant XXX-XXX' in this question's text; "
                            "is this the quiz exported from this key?")  # fmt: skip
                continue
            parts = split_blanks(row[i]) if row[i].strip() else [""] * n_answers
            if len(parts) != n_answers:
                yield Issue(where, "unreadable_file", f"{where}: {len(parts)} blanks answered, but the key asks "
                            f"{n_answers}; Canvas leaves out blanks it has no answer for, so they cannot be "
                            "aligned: grade this student by hand")  # fmt: skip
                continue
            yield Submission(where, str(path), code, sid, name, {f"#{k}": p for k, p in enumerate(parts, 1)},
                             drawn=True, identity=identity)  # fmt: skip


QTI_RESULT = "{http://www.imsglobal.org/xsd/imsqti_result_v2p1}"


def _qti_root(path: Path) -> ET.Element | None:
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError):
        return None
    return root if root.tag == f"{QTI_RESULT}assessmentResult" else None


def read_qti_results(path: Path, key: Key) -> Iterator[Submission | Issue]:
    """A QTI 2.1 results report (``assessmentResult``): the candidate from ``context/@sourcedId``,
    the variant from the item identifier ``v-<code>`` that ``export --format qti21`` wrote."""
    root = _qti_root(path)
    if root is None:
        yield Issue(str(path), "unreadable_file", f"{path}: not a QTI 2.1 results report")
        return
    ctx = root.find(f"{QTI_RESULT}context")
    sid = (ctx.get("sourcedId") or "").strip() if ctx is not None else ""
    codes = {"V-" + normalize_code(v.variant): v.variant for v in key.variants}
    for n, item in enumerate(root.findall(f"{QTI_RESULT}itemResult"), start=1):
        where = f"{path} item {n}"
        code = codes.get((item.get("identifier") or "").upper())
        if code is None:
            yield Issue(where, "unknown_variant", f"{where}: item {item.get('identifier')!r} is not a variant of "
                        "this key; is this the test exported from this key?")  # fmt: skip
            continue
        answers: dict[str, object] = {}
        for var in item.findall(f"{QTI_RESULT}responseVariable"):
            value = var.find(f"{QTI_RESULT}candidateResponse/{QTI_RESULT}value")
            answers[var.get("identifier") or ""] = "" if value is None else (value.text or "")
        yield Submission(
            where, str(path), code, sid, "", answers, drawn=True, identity={"sourcedid": sid} if sid else {}
        )


READERS = {"moodle": read_moodle, "canvas": read_canvas}


def read_lms_files(paths: Iterable[str | Path], key: Key) -> tuple[list[Submission], list[Issue], list[str | Path]]:
    """LMS exports among ``paths`` (files, or files in folders) read with the key; every other
    file or folder is returned for the ordinary readers."""
    subs: list[Submission] = []
    issues: list[Issue] = []
    rest: list[str | Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            inside = visible_files(p)
            kinds = {f: sniff(f) for f in inside}
            if not any(kinds.values()):
                rest.append(raw)  # an ordinary folder of submissions
                continue
            files = [(f, k) for f, k in kinds.items() if k]
            rest.extend(f for f, k in kinds.items() if not k)
        else:
            what = sniff(p) if p.is_file() else ""
            if not what:
                rest.append(raw)
                continue
            files = [(p, what)]
        for f, what in files:
            found = read_qti_results(f, key) if what == "qti" else READERS[what](f, table(f), key)
            for item in found:
                (subs if isinstance(item, Submission) else issues).append(item)  # type: ignore[arg-type]
    return subs, issues, rest
