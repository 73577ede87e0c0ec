"""Read submissions: CSV rows, JSON objects, filled PDF worksheets, folders of them.

Readers only collect raw text per answer id as written; matching ids and variants against
the key, and reading the numbers, happen in ``grade``. A file that cannot be read is an
``Issue``, never an exception: one bad file must not stop a class from being graded.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUFFIXES = (".csv", ".json", ".pdf")
VARIANT_COLUMNS = ("variant", "variant_code", "code")
ID_COLUMNS = ("student_id", "studentid", "id", "student", "matriculation", "student_number")
NAME_COLUMNS = ("name", "student_name", "full_name")
# A variant code as printed (Crockford base32, no I L O U), looked for in PDF metadata text.
_CODE_IN_TEXT = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}\b")


@dataclass
class Submission:
    """One student's answers as submitted: raw values keyed by the id as written."""

    source: str  # for messages: 'class.csv line 12', 'scans/k7m.pdf'
    file: str
    variant: str
    student_id: str = ""
    name: str = ""
    answers: dict[str, object] = field(default_factory=dict)
    # An LMS drew the variant at random: it is not the roster student's, and two students may share it.
    drawn: bool = False
    identity: dict[str, str] = field(default_factory=dict)  # LMS identity columns (email, username, sis_id …)


@dataclass(frozen=True)
class Issue:
    """Something the teacher must know about; grading of everything else goes on."""

    source: str
    kind: str  # not_found, unreadable_file, no_variant, unknown_variant, duplicate, unknown_answer, ...
    message: str


def _norm_header(h: str) -> str:
    return h.strip().lower().replace("-", "_").replace(" ", "_")


def expand(paths: Iterable[str | Path]) -> tuple[list[Path], list[Issue]]:
    """Files to read, in the order given; a folder contributes its .csv/.json/.pdf files sorted by name."""
    files: list[Path] = []
    issues: list[Issue] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in SUFFIXES and not any(part.startswith(".") for part in f.parts)
            )  # fmt: skip
            if not found:
                issues.append(Issue(str(p), "empty_folder", f"{p}: no .csv, .json or .pdf files in this folder"))
            files.extend(found)
        elif p.is_file():
            if p.suffix.lower() in SUFFIXES:
                files.append(p)
            else:
                issues.append(Issue(str(p), "unreadable_file", f"{p}: not a .csv, .json or .pdf file; skipped"))
        else:
            issues.append(Issue(str(p), "not_found", f"{p}: no such file or folder; check the path"))
    return files, issues


def read_all(paths: Iterable[str | Path]) -> tuple[list[Submission], list[Issue]]:
    """Every submission in ``paths`` (files or folders), with the problems met on the way."""
    files, issues = expand(paths)
    subs: list[Submission] = []
    for f in files:
        reader = {".csv": read_csv, ".json": read_json, ".pdf": read_pdf}[f.suffix.lower()]
        for item in reader(f):
            if isinstance(item, Submission):
                subs.append(item)
            else:
                issues.append(item)
    return subs, issues


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # a spreadsheet saved on Windows


def read_csv(path: Path) -> Iterator[Submission | Issue]:
    """A header row, a variant column, optional student_id and name, one column per answer id.

    The delimiter is the one of , ; tab that the header uses most (a header holds no decimal
    commas), so ';'-separated files with decimal commas from European spreadsheets work.
    """
    try:
        text = _decode(path.read_bytes())
    except OSError as e:
        yield Issue(str(path), "unreadable_file", f"{path}: cannot be read ({e.strerror})")
        return
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(rows, None)
    if not header or not any(h.strip() for h in header):
        yield Issue(str(path), "unreadable_file", f"{path}: empty CSV; it needs a header row and one row per student")
        return
    norm = [_norm_header(h) for h in header]
    variant_col = next((norm.index(c) for c in VARIANT_COLUMNS if c in norm), None)
    if variant_col is None:
        yield Issue(str(path), "no_variant", f"{path}: no 'variant' column; add one with each worksheet's code")
        return
    id_col = next((norm.index(c) for c in ID_COLUMNS if c in norm), None)
    name_col = next((norm.index(c) for c in NAME_COLUMNS if c in norm), None)
    meta = {variant_col, id_col, name_col}
    answer_cols = [(i, h.strip()) for i, h in enumerate(header) if i not in meta and h.strip()]
    for line, row in enumerate(rows, start=2):
        if not any(c.strip() for c in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        source = f"{path} line {line}"
        variant = cells[variant_col].strip()
        if not variant:
            yield Issue(source, "no_variant", f"{source}: no variant code; fill in the variant column")
            continue
        yield Submission(
            source=source,
            file=str(path),
            variant=variant,
            student_id=cells[id_col].strip() if id_col is not None else "",
            name=cells[name_col].strip() if name_col is not None else "",
            answers={h: cells[i] for i, h in answer_cols},
        )


def read_json(path: Path) -> Iterator[Submission | Issue]:
    """``{"variant": ..., "answers": {id: value}}``, one object or a list; student_id and name optional."""
    try:
        data = json.loads(_decode(path.read_bytes()))
    except OSError as e:
        yield Issue(str(path), "unreadable_file", f"{path}: cannot be read ({e.strerror})")
        return
    except json.JSONDecodeError as e:
        yield Issue(str(path), "unreadable_file", f"{path}: not valid JSON ({e.msg} at line {e.lineno})")
        return
    if isinstance(data, dict) and "variants" in data and "format" in data:
        yield Issue(str(path), "unreadable_file", f"{path}: this is an answer key, not a submission; skipped")
        return
    items = data if isinstance(data, list) else [data]
    for n, item in enumerate(items, start=1):
        source = f"{path} item {n}" if isinstance(data, list) else str(path)
        if not isinstance(item, dict) or not isinstance(item.get("answers"), dict):
            yield Issue(source, "unreadable_file", f'{source}: expected {{"variant": ..., "answers": {{id: value}}}}')
            continue
        variant = str(item.get("variant") or "").strip()
        if not variant:
            yield Issue(source, "no_variant", f'{source}: no variant code; add a "variant" entry')
            continue
        student: dict[str, Any] = item["student"] if isinstance(item.get("student"), dict) else {}
        yield Submission(
            source=source,
            file=str(path),
            variant=variant,
            student_id=_text(item.get("student_id", student.get("id"))),
            name=_text(item.get("name", student.get("name"))),
            answers={str(k).strip(): v for k, v in item["answers"].items()},
        )


def _text(v: object) -> str:
    return "" if v is None else str(v).strip()


def read_pdf(path: Path) -> Iterator[Submission | Issue]:
    """The text fields of a filled worksheet (named by answer id); the variant from the PDF itself."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            reader.decrypt("")
        fields: dict[str, Any] = reader.get_fields() or {}
        metadata: Any = reader.metadata or {}
    except (OSError, PyPdfError, ValueError, KeyError, TypeError) as e:
        yield Issue(str(path), "unreadable_file", f"{path}: not a readable PDF ({e})")
        return
    values: dict[str, object] = {}
    for qualified, fld in fields.items():
        v = fld.get("/V") if hasattr(fld, "get") else None
        values[qualified.rsplit(".", 1)[-1].strip()] = None if v is None else str(v)
    lower = {k.lower(): k for k in values}
    meta_keys = {lower[c] for c in (*VARIANT_COLUMNS, *ID_COLUMNS, *NAME_COLUMNS) if c in lower}
    variant = pdf_variant(path, values, lower, metadata)
    if not variant:
        if not fields:
            yield Issue(str(path), "unreadable_file", f"{path}: no form fields; is this a fillable worksheet?")
        else:
            yield Issue(str(path), "no_variant", f"{path}: the variant code cannot be read from this PDF")
        return

    def field_text(names: tuple[str, ...]) -> str:
        return next((_text(values[lower[c]]) for c in names if c in lower and values[lower[c]]), "")

    yield Submission(
        source=str(path),
        file=str(path),
        variant=variant,
        student_id=field_text(ID_COLUMNS),
        name=field_text(NAME_COLUMNS),
        answers={k: v for k, v in values.items() if k not in meta_keys},
    )


def pdf_variant(path: Path, values: dict[str, object], lower: dict[str, str], metadata: Any) -> str:
    """The renderer's own reader when it exists, else a 'variant' field, else a code in the metadata."""
    from .. import render

    reader = getattr(render, "read_variant_code", None)
    if callable(reader):
        try:
            code = reader(path)
        except Exception:  # its failure must not lose the submission: the fallbacks below may still work
            code = None
        if code:
            return str(code).strip()
    for c in VARIANT_COLUMNS:
        if c in lower and values[lower[c]]:
            return _text(values[lower[c]])
    for key in ("/Variant", "/Subject", "/Keywords", "/Title"):
        text = metadata.get(key) if hasattr(metadata, "get") else None
        if text:
            m = _CODE_IN_TEXT.search(str(text).upper())
            if m:
                return m.group(0)
    return ""
