"""Numbers as people type them -> a float, or blank, or unreadable with the text kept.

Accepted: ``0.5523``, ``.5523``, ``0,5523`` (decimal comma), ``−0.0746`` (Unicode minus),
``-7.46e-2``, ``+0.5``, surrounding spaces, trailing zeros. Everything else (``abc``, ``1/0``,
``0.5 0.6``, ``1,234.5``, ``inf``, a number too large for a float) is unreadable: it earns no
points but is never an error. ``1,000`` is unreadable too: a thousands separator or a decimal
comma, the tool does not guess (``ambiguous`` says so, for the teacher's issue list).
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

OK, BLANK, UNREADABLE = "ok", "blank", "unreadable"

# ASCII digits only: float() also accepts Arabic-Indic digits, '1_000', 'nan' and 'inf'.
_COMMA_DECIMAL = re.compile(r"[+-]?[0-9]+,[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_MINUS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-", "\uff0b": "+"})
_SPACES = "\u00a0\u2007\u2009\u202f\u200b\ufeff"  # no-break and thin spaces that spreadsheets and PDFs insert
# '1,000' or '-12,500': a thousands separator or a decimal comma? (a leading 0, as in '0,500', is never grouped)
_GROUPED = re.compile(r"[+-]?\s*[1-9][0-9]{0,2},[0-9]{3}")
MAX_TEXT = 200  # characters of an unreadable answer kept for the CSVs and feedback (a 128 KB cell is not echoed)


class Entry(NamedTuple):
    """One submitted answer: the text as typed and what it was read as (a tuple: 410,000 are made fast)."""

    text: str
    value: float | None
    status: str  # OK, BLANK or UNREADABLE

    @property
    def readable(self) -> bool:
        return self.status == OK


BLANK_ENTRY = Entry("", None, BLANK)


def parse_number(raw: object, decimal_comma: bool = False) -> Entry:
    """Read one submitted value (a string from CSV/PDF, or a JSON number, or None).

    ``decimal_comma``: the pack was printed with a decimal comma, so ``1,000`` is 1.0, not a
    thousands separator (otherwise it is unreadable: the tool does not guess).
    """
    if type(raw) is str and _NUMBER.fullmatch(raw):  # the common case, kept fast for 10,000 submissions
        fast = float(raw)
        if math.isfinite(fast):
            return Entry(raw, fast, OK)
    if raw is None:
        return BLANK_ENTRY
    if isinstance(raw, bool):  # JSON true/false is not a number, though bool is an int
        return Entry(str(raw).lower(), None, UNREADABLE)
    if isinstance(raw, int | float):
        return _json_number(raw)
    text = str(raw)
    s = text.strip().strip(_SPACES).strip()
    if not s:
        return BLANK_ENTRY
    read = _read(s, decimal_comma)
    return Entry(_clip(text.strip()), read, OK if read is not None else UNREADABLE)


def _json_number(raw: int | float) -> Entry:
    if isinstance(raw, int) and abs(raw) > 10**308:  # float(int) overflows; repr() of 5000 digits raises
        return Entry("(a number with more than 300 digits)", None, UNREADABLE)
    value = float(raw)
    return Entry(repr(raw), value, OK) if math.isfinite(value) else Entry(repr(raw), None, UNREADABLE)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def ambiguous(text: str) -> bool:
    """'1,000': one comma before exactly three digits, no leading 0: 1000 or 1.000? Not guessed."""
    return _GROUPED.fullmatch(text.strip().translate(_MINUS)) is not None


def _read(s: str, decimal_comma: bool = False) -> float | None:
    s = s.translate(_MINUS)
    for ch in _SPACES:
        s = s.replace(ch, " ")
    if s[:1] in "+-":  # '- 0.5' as typed with a space after the sign
        s = s[0] + s[1:].lstrip()
    if "," in s:
        if "." in s or s.count(",") > 1 or (not decimal_comma and _GROUPED.fullmatch(s)):
            return None  # 1,234.5, 1,000 or 1,2,3: a thousands separator or a list, not one answer
        s = s.replace(",", ".")
    if not _NUMBER.fullmatch(s):
        return None
    value = float(s)
    return value if math.isfinite(value) else None  # 1e999


def looks_numeric(cell: str) -> bool:
    """True for a plain number, with a decimal point or a decimal comma ('-0,4789'): no formula to neutralise."""
    s = cell.strip()
    return _NUMBER.fullmatch(s) is not None or _COMMA_DECIMAL.fullmatch(s) is not None
