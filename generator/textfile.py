"""Text tables as teachers' spreadsheets save them: any common encoding, delimiter and line ending.

One home for reading a CSV-like file (the roster and CSV submissions both use it):

- bytes -> text: a byte-order mark (UTF-8, UTF-16, UTF-32) decides; else strict UTF-8; else
  charset-normalizer's guess (Windows-1252 from Excel, Latin-1, ...). Binary files (a gzip
  or zip archive such as .xlsx, a PDF, anything with NUL bytes that is not UTF-16) are
  refused with a message, never half-read.
- text -> rows: the delimiter is the one of ``,`` ``;`` tab that the header line uses most;
  cells of any size; a quote that is opened and never closed (which would swallow the rest
  of the file into one cell) is reported with its line.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
from dataclasses import dataclass

DELIMITERS = (",", ";", "\t")
# Encodings other than UTF-8 that spreadsheets save text in, most common first (a tie-break).
LEGACY = ("cp1252", "utf_16_le", "utf_16_be", "cp1250", "cp1251", "cp1257", "latin_1", "mac_roman", "cp437")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts with UTF-16 LE's
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MAGIC = (
    (b"\x1f\x8b", "a gzip archive; unpack it first"),
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook?); save the sheet as CSV"),
    (b"%PDF", "a PDF, not a CSV file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook; save the sheet as CSV"),
)


class TableError(ValueError):
    """The file is not a readable text table; the message says why (without the path)."""


def decode(data: bytes) -> str:
    """The text of a file saved by a spreadsheet or an editor; ``TableError`` for binary data."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise TableError(f"this is {what}")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise TableError(f"not valid {encoding.upper()} text although it starts like it") from None
    if b"\x00" not in data:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    # Not UTF-8: charset-normalizer weighs the encodings spreadsheets write. On a tie (short
    # files often fit cp1250 and cp1252 equally), the earlier in LEGACY wins: Excel's default.
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data, cp_isolation=list(LEGACY)))
    best = min(matches, key=lambda m: (m.chaos, -m.coherence, LEGACY.index(m.encoding)), default=None)
    text = None if best is None else str(best)
    if text is None or any(ch in text for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f"):
        raise TableError("binary data, not a text/CSV file")
    return text


@dataclass(frozen=True)
class Row:
    line: int  # the line the row starts on (1 = the header)
    cells: list[str]


def delimiter_of(header_line: str) -> str:
    """The delimiter the header line uses most (a header holds no decimal commas)."""
    return max(DELIMITERS, key=header_line.count)


def read_rows(text: str) -> tuple[list[Row], str]:
    """Every row with its line number, and a problem found ('' if none).

    A problem ends the rows read (the rows before it are kept): today the one problem is a
    quote opened and never closed.
    """
    delimiter = delimiter_of(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    old_limit = csv.field_size_limit(sys.maxsize)  # a cell may be as large as the file; restored below
    try:
        start = 1
        for cells in reader:
            rows.append(Row(start, cells))
            start = reader.line_num + 1
        # Only a last row that spans lines can hide an unclosed quote; check it the strict way.
        unclosed = len(rows) > 0 and start - 1 > rows[-1].line and _unterminated(text, delimiter)
    except csv.Error as e:
        return rows, f"line {start}: {e}"
    finally:
        csv.field_size_limit(old_limit)
    if unclosed:
        last = rows.pop()
        return rows, (
            f'line {last.line}: a quote (") opened here is never closed, so the rest of the file '
            "was read as one cell; close the quote or remove it"
        )
    return rows, ""


def _unterminated(text: str, delimiter: str) -> bool:
    """True when the file ends inside a quoted cell (csv's lenient mode reads that silently)."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as e:
        return "unexpected end of data" in str(e)
    return False


def without_empty(rows: list[Row]) -> list[Row]:
    """Rows with at least one non-blank cell (Excel writes ';;;' rows below a table)."""
    return [r for r in rows if any(c.strip() for c in r.cells)]
