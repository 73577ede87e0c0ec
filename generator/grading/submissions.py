"""Read submissions: CSV rows, JSON objects, filled PDF worksheets, folders of them.

Readers only collect raw text per answer id as written; matching ids and variants against
the key, and reading the numbers, happen in ``grade``. A file that cannot be read is an
``Issue``, never an exception: one bad file must not stop a class from being graded.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..textfile import TableError, decode, read_rows
from .crops import CROPS_COLUMN, crops_folder

DEBUG_ENV = "BACKPROP_EXAM_DEBUG"
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
    crops: Path | None = None  # a scan's folder of this student's answer crops (grading/crops.py)


@dataclass(frozen=True)
class Issue:
    """Something the teacher must know about; grading of everything else goes on."""

    source: str
    kind: str  # not_found, unreadable_file, no_variant, unknown_variant, duplicate, unknown_answer, ...
    message: str


def _norm_header(h: str) -> str:
    return h.strip().lower().replace("-", "_").replace(" ", "_")


def visible_files(folder: Path) -> list[Path]:
    """The files below ``folder``, sorted, leaving out hidden files and folders (.git, .DS_Store)."""
    return sorted(
        f
        for f in folder.rglob("*")
        if f.is_file() and not any(part.startswith(".") for part in f.relative_to(folder).parts)
    )


# What `scan --out` writes besides submissions.csv: for the teacher, not submissions
SCAN_SIDE_FILES = ("corrections.csv", "scan-issues.csv", "review.html")


def scan_output(folder: Path) -> Path | None:
    """``folder``'s submissions.csv when the folder is a scan's --out (its manifest lists the
    scan's own files), else None: grading such a folder reads only that CSV."""
    from ..transaction import MANIFEST

    try:
        listed = set((folder / MANIFEST).read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return None
    if "submissions.csv" in listed and listed.intersection(SCAN_SIDE_FILES):
        return folder / "submissions.csv"
    return None


def expand(paths: Iterable[str | Path]) -> tuple[list[Path], list[Issue]]:
    """Files to read, in the order given; a folder contributes its .csv/.json/.pdf files sorted by
    name (a scan's --out folder its submissions.csv only)."""
    files: list[Path] = []
    issues: list[Issue] = []
    for raw in paths:
        p = Path(raw)
        scanned = scan_output(p) if p.is_dir() else None
        if scanned is not None:
            files.append(scanned)
        elif p.is_dir():
            inside = visible_files(p)
            found = [f for f in inside if f.suffix.lower() in SUFFIXES]
            if not found:
                issues.append(Issue(str(p), "empty_folder", f"{p}: no .csv, .json or .pdf files in this folder"))
            files.extend(found)
            issues.extend(_unsupported(f) for f in inside if f.suffix.lower() not in SUFFIXES)
        elif p.is_file():
            if p.suffix.lower() in SUFFIXES:
                files.append(p)
            else:
                issues.append(_unsupported(p))
        else:
            issues.append(Issue(str(p), "not_found", f"{p}: no such file or folder; check the path"))
    return files, issues


SCAN_FIRST = "scanned answer sheets are read with 'backprop-exam scan' first; grade the submissions.csv it writes"


def _unsupported(p: Path) -> Issue:
    if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
        return Issue(str(p), "unreadable_file", f"{p}: an image, skipped; {SCAN_FIRST}")
    return Issue(str(p), "unreadable_file", f"{p}: not a .csv, .json or .pdf file; skipped")


def read_all(paths: Iterable[str | Path]) -> tuple[list[Submission], list[Issue]]:
    """Every submission in ``paths`` (files or folders), with the problems met on the way."""
    files, issues = expand(paths)
    subs: list[Submission] = []
    for f in files:
        reader = {".csv": read_csv, ".json": read_json, ".pdf": read_pdf}[f.suffix.lower()]
        try:
            items = list(reader(f))
        except Exception as e:  # one file must not stop the class; BACKPROP_EXAM_DEBUG=1 re-raises
            if debugging():
                raise
            items = [Issue(str(f), "unreadable_file", f"{f}: could not be read ({type(e).__name__}); skipped")]
        for item in items:
            if isinstance(item, Submission):
                subs.append(item)
            else:
                issues.append(item)
    return subs, issues


def debugging() -> bool:
    """True when unexpected errors must surface (the test suite sets it) instead of becoming issues."""
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _read_bytes(path: Path) -> bytes | Issue:
    try:
        return path.read_bytes()
    except OSError as e:
        return Issue(str(path), "unreadable_file", f"{path}: cannot be read ({e.strerror})")


def read_csv(path: Path) -> Iterator[Submission | Issue]:
    """A header row, a variant column, optional student_id and name, one column per answer id.

    Any encoding and delimiter a spreadsheet writes (``textfile``); ';'-separated files with
    decimal commas from European spreadsheets work. Two columns for one answer id (``z_h1``
    and ``Z_H1``) are reported and only the first is graded; an unclosed quote is reported
    and the rows before it are graded.
    """
    data = _read_bytes(path)
    if isinstance(data, Issue):
        yield data
        return
    try:
        rows, problem = read_rows(decode(data))
    except TableError as e:
        yield Issue(str(path), "unreadable_file", f"{path}: {e}; skipped")
        return
    if problem:
        yield Issue(str(path), "unreadable_file", f"{path} {problem}")
    if not rows or not any(h.strip() for h in rows[0].cells):
        yield Issue(str(path), "unreadable_file", f"{path}: empty CSV; it needs a header row and one row per student")
        return
    header = rows[0].cells
    norm = [_norm_header(h) for h in header]
    variant_col = next((norm.index(c) for c in VARIANT_COLUMNS if c in norm), None)
    if variant_col is None:
        yield Issue(str(path), "no_variant", f"{path}: no 'variant' column; add one with each worksheet's code")
        return
    id_col = next((norm.index(c) for c in ID_COLUMNS if c in norm), None)
    name_col = next((norm.index(c) for c in NAME_COLUMNS if c in norm), None)
    crops_col = norm.index(CROPS_COLUMN) if CROPS_COLUMN in norm else None  # a scan's submissions.csv
    meta = {variant_col, id_col, name_col, crops_col}
    answer_cols: list[tuple[int, str]] = []
    first_of: dict[str, str] = {}
    for i, h in enumerate(header):
        if i in meta or not h.strip():
            continue
        if norm[i] in first_of:
            yield Issue(str(path), "duplicate_column", (
                f"{path}: columns {first_of[norm[i]]!r} and {h.strip()!r} (column {i + 1}) name the same answer; "
                f"only {first_of[norm[i]]!r} is graded, remove or rename the other"
            ))  # fmt: skip
            continue
        first_of[norm[i]] = h.strip()
        answer_cols.append((i, h.strip()))
    for row in rows[1:]:
        if not any(c.strip() for c in row.cells):
            continue
        source = f"{path} line {row.line}"
        if any(c.strip() for c in row.cells[len(header) :]):
            # the values no longer sit under their headers: grading them would mark a student
            # for numbers they never wrote there ("0,8025" split into "0" and "8025")
            yield Issue(source, "misaligned_row", (
                f"{source}: {len(row.cells)} cells but the header has {len(header)}, so the answers are not under "
                "their columns (decimal commas in a comma-separated file?); put such numbers in quotes or save the "
                "file with ';' as separator; row not graded"
            ))  # fmt: skip
            continue
        cells = row.cells + [""] * (len(header) - len(row.cells))
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
            crops=crops_folder(path, cells[crops_col]) if crops_col is not None else None,
        )


def read_json(path: Path) -> Iterator[Submission | Issue]:
    """``{"variant": ..., "answers": {id: value}}``, one object or a list; student_id and name optional."""
    raw = _read_bytes(path)
    if isinstance(raw, Issue):
        yield raw
        return
    duplicates: list[str] = []
    try:
        # Integers stay text beyond 300 digits (int() refuses 4300+, float() overflows): unreadable, not a crash.
        data = json.loads(
            decode(raw),
            parse_int=lambda s: int(s) if len(s) <= 300 else s,
            object_pairs_hook=lambda pairs: _first_of_each(pairs, duplicates),
        )
    except TableError as e:
        yield Issue(str(path), "unreadable_file", f"{path}: {e}; skipped")
        return
    except json.JSONDecodeError as e:
        yield Issue(str(path), "unreadable_file", f"{path}: not valid JSON ({e.msg} at line {e.lineno})")
        return
    except RecursionError:
        yield Issue(str(path), "unreadable_file", f"{path}: JSON nested too deeply to be a submission; skipped")
        return
    if duplicates:
        shown = ", ".join(sorted(set(duplicates))[:8])
        yield Issue(str(path), "duplicate_column", (
            f"{path}: answers given twice (also in another case or spelling): {shown}; only the first is graded"
        ))  # fmt: skip
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


def _first_of_each(pairs: list[tuple[str, Any]], duplicates: list[str]) -> dict[str, Any]:
    """A JSON object keeping the first of keys that name the same thing (json keeps the last, silently)."""
    out: dict[str, Any] = {}
    seen: set[str] = set()
    for k, v in pairs:
        n = _norm_header(k)
        if n in seen:
            duplicates.append(k)
            continue
        seen.add(n)
        out[k] = v
    return out


def _text(v: object) -> str:
    return "" if v is None else str(v).strip()


def read_pdf(path: Path) -> Iterator[Submission | Issue]:
    """The text fields of a filled worksheet (named by answer id); the variant from the PDF itself."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            yield Issue(str(path), "unreadable_file", f"{path}: the PDF is protected by a password; skipped")
            return
        fields: dict[str, Any] = reader.get_fields() or {}
        metadata: Any = reader.metadata or {}
    except (OSError, PyPdfError, ValueError, KeyError, TypeError, RecursionError) as e:
        yield Issue(str(path), "unreadable_file", f"{path}: not a readable PDF ({e})")
        return
    if not fields:
        yield Issue(str(path), "unreadable_file", (
            f"{path}: no form fields: an answer key, or a worksheet printed or flattened to PDF; "
            f"grade the filled-in fillable worksheet (or type its answers into a CSV); {SCAN_FIRST}"
        ))  # fmt: skip
        return
    values: dict[str, object] = {}
    for qualified, fld in fields.items():
        v = fld.get("/V") if hasattr(fld, "get") else None
        values[qualified.rsplit(".", 1)[-1].strip()] = None if v is None else str(v)
    lower = {k.lower(): k for k in values}
    meta_keys = {lower[c] for c in (*VARIANT_COLUMNS, *ID_COLUMNS, *NAME_COLUMNS) if c in lower}
    variant = pdf_variant(path, values, lower, metadata)
    if not variant:
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
