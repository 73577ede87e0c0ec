"""Text tables as teachers' spreadsheets save them: any common encoding, delimiter and line ending.

One home for reading a CSV-like file (the roster and CSV submissions both use it):

- bytes -> text: a byte-order mark (UTF-8, UTF-16, UTF-32) decides; else strict UTF-8; else
  a guess (``decode_text`` says it is one, and which other plausible encoding reads the file
  differently, so that the caller can warn). UTF-16 without a BOM is considered only when the
  file has NUL bytes (a table's delimiters and line ends are ASCII, which UTF-16 pairs with a
  NUL). A single-byte file with too few non-ASCII bytes for a statistical guess (a roster with
  one accented name) is read as Windows-1252, Excel's Western default, when that gives letters;
  otherwise charset-normalizer weighs the encodings spreadsheets write. Binary files (a gzip
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
import re
import sys
import unicodedata
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


@dataclass(frozen=True)
class Reading:
    """How another plausible encoding would read the file: the first word it reads differently."""

    encoding: str
    ours: str  # the word as decoded
    theirs: str  # the same bytes in ``encoding``


@dataclass(frozen=True)
class Decoded:
    """A file's text, its encoding, and whether that encoding is a guess (no BOM, not UTF-8)."""

    text: str
    encoding: str
    guessed: bool = False
    others: tuple[Reading, ...] = ()  # other plausible encodings that read the file differently

    def ambiguity(self) -> str:
        """'' when the encoding is certain or every plausible reading agrees; else one sentence."""
        if not self.others:
            return ""
        alt = "; ".join(f"as {_name(o.encoding)} {o.ours!r} would read {o.theirs!r}" for o in self.others)
        return (
            f"is not UTF-8 and does not say its encoding: read as {_name(self.encoding)}, "
            f"a guess ({alt}); check the names, or save the file as UTF-8 (Excel: 'CSV UTF-8')"
        )


NAMES = {"cp1252": "Windows-1252", "cp1250": "Windows-1250", "cp1251": "Windows-1251", "cp1257": "Windows-1257",
         "latin_1": "Latin-1", "mac_roman": "Mac Roman", "cp437": "DOS code page 437",
         "utf_16_le": "UTF-16 LE", "utf_16_be": "UTF-16 BE"}  # fmt: skip


def _name(encoding: str) -> str:
    return NAMES.get(encoding, encoding)


# Fewer non-ASCII bytes than this are too little text for a statistical guess between code pages.
FEW_NON_ASCII = 8
_ASCII = bytes(range(128))
_MAX_OTHERS = 2


def decode(data: bytes) -> str:
    """The text of a file saved by a spreadsheet or an editor; ``TableError`` for binary data."""
    return decode_text(data).text


def decode_text(data: bytes) -> Decoded:
    """``decode`` with the encoding used, and the other plausible readings when it was guessed."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise TableError(f"this is {what}")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom) :].decode(encoding), encoding)
            except UnicodeDecodeError:
                raise TableError(f"not valid {encoding.upper()} text although it starts like it") from None
    if b"\x00" not in data:
        try:
            return Decoded(data.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            pass
    # Not UTF-8: charset-normalizer weighs the encodings spreadsheets write. On a tie (short
    # files often fit cp1250 and cp1252 equally), the earlier in LEGACY wins: Excel's default.
    # Either way it is a guess, and the other plausible readings are kept for a warning.
    from charset_normalizer import from_bytes

    # Without a NUL byte the file cannot be UTF-16 text of a table (its delimiters and line ends
    # are ASCII, which UTF-16 writes with a NUL); considering it read 'id,name' as CJK.
    allowed = LEGACY if b"\x00" in data else tuple(e for e in LEGACY if not e.startswith("utf_16"))
    chaos: dict[str, float] = {}
    for m in from_bytes(data, cp_isolation=list(allowed)):
        for enc in m.could_be_from_charset:  # encodings that give the same text, same chaos
            if enc in allowed:
                chaos[enc] = min(chaos.get(enc, m.chaos), m.chaos)
    texts = {enc: t for enc in chaos if (t := _decoded(data, enc)) is not None}
    western = _decoded(data, "cp1252") if b"\x00" not in data else None
    # Least chaos first; on a tie a reading of letters (names) beats one with symbols ('£ukasz').
    best = min(texts, key=lambda e: (chaos[e], not _letters_only(texts[e]), LEGACY.index(e)), default="")
    if western is not None:
        # Too few non-ASCII bytes for charset-normalizer's statistics (it drops cp1252 for 'ÀÀ',
        # reading 'АА'): Excel's Western default, when it reads them as letters.
        few = len(data.translate(None, _ASCII)) < FEW_NON_ASCII
        if few and _letters_only(western):
            best = "cp1252"
        texts.setdefault("cp1252", western)  # the commonest reading is named whenever it differs
    if not best:
        raise TableError("binary data, not a text/CSV file")
    text = texts[best]
    if any(ch in text for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f"):
        raise TableError("binary data, not a text/CSV file")
    others: list[Reading] = []
    for enc in sorted(texts, key=LEGACY.index):  # the commonest first
        if enc != best and texts[enc] != text and _letters_only(texts[enc]) and len(others) < _MAX_OTHERS:
            ours, theirs = _first_difference(text, texts[enc])
            if all(o.theirs != theirs for o in others):
                others.append(Reading(enc, ours, theirs))
    return Decoded(text, best, guessed=True, others=tuple(others))


def _decoded(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _letters_only(text: str) -> bool:
    """Every non-ASCII character is a letter, a mark on one, a digit or a space: a plausible name or id."""
    return all(unicodedata.category(ch)[0] in "LMN" or ch == "\xa0" for ch in text if ord(ch) > 0x7F)


def _first_difference(a: str, b: str) -> tuple[str, str]:
    """The first word (between blanks and delimiters) that ``a`` and ``b`` spell differently."""
    split = re.compile(r"[\s,;\t\"]+")
    for x, y in zip(split.split(a), split.split(b), strict=False):
        if x != y:
            return x[:40], y[:40]
    return a[:40], b[:40]


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
