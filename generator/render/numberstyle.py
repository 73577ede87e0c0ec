"""Decimal comma: the numbers of a rendered page printed 0,5450 instead of 0.5450.

Every number is formatted with a point in one place (numbers.py, steps.py, the JSON); a pack
printed with a decimal comma (``Key.printing.decimal_comma``) rewrites the rendered HTML's text
just before layout, so every template and every PDF kind prints the same way. Only the text
between tags changes: tags and attributes (form-field names and values, SVG coordinates),
comments, <style> and <script> keep their points. So do the ``keep`` strings wherever they
stand as whole words (names, student ids, variant codes, title, course, dates, what a student
typed): they are people's text, not numbers. Numbers listed with ", " get "; " between them
when one has decimals, so "(0.35, 0.7)" prints "(0,35; 0,7)", never "(0,35, 0,7)".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import escape

from ..records import Key, Variant

_MARKUP = re.compile(r"(<!--.*?-->|<style\b.*?</style\s*>|<script\b.*?</script\s*>|<[^>]*>)", re.DOTALL | re.IGNORECASE)
# A number standing alone: not part of a word, an id (w_h1.2), a version (1.2.3) or a grouped 1,234.
_NUMBER = re.compile(r"(?<![\w.,])[−-]?\d+(?:\.\d+)?(?!\w|[.,]\d)")
_MAY_CHANGE = re.compile(r"\d[.,] ?[−-]?\d")  # a keep string without this is never touched anyway


def decimal_comma(html: str, keep: Iterable[str] = ()) -> str:
    """``html`` with a decimal comma in every number of its text; markup and ``keep`` strings as they are."""
    protect = _keep_pattern(keep)
    parts = _MARKUP.split(html)
    for i in range(0, len(parts), 2):  # even indexes: the text between two pieces of markup
        text = parts[i]
        if "." in text or "(" in text:
            parts[i] = _text(text, protect)
    return "".join(parts)


def _keep_pattern(keep: Iterable[str]) -> re.Pattern[str] | None:
    forms = {form for s in keep if s and _MAY_CHANGE.search(s) for form in (s, str(escape(s)))}
    if not forms:
        return None
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<![\w.,])(?:{alternatives})(?!\w|[.,]\d)")


def _text(text: str, protect: re.Pattern[str] | None) -> str:
    kept = [m.span() for m in protect.finditer(text)] if protect else []
    numbers = [m for m in _NUMBER.finditer(text) if not any(a < m.end() and m.start() < b for a, b in kept)]
    if not numbers:
        return text
    out: list[str] = []
    pos = 0
    for n, m in enumerate(numbers):
        gap = text[pos : m.start()]
        if n and gap in (", ", "), ") and ("." in m[0] or "." in numbers[n - 1][0]):
            gap = gap.replace(",", ";")  # (0,35; 0,7) and max(0,01·(−0,5); −0,5)
        elif n and gap[:2] == ", " != gap and text[numbers[n - 1].start() - 1 : numbers[n - 1].start()] == "(":
            gap = ";" + gap[1:]  # max(0, z) as max(0; z), like max(0; 0,69) below it
        out += [gap, m[0].replace(".", ",")]
        pos = m.end()
    rest = text[pos:]
    if rest.startswith(", ") and text[numbers[-1].start() - 1 : numbers[-1].start()] == "(":
        rest = ";" + rest[1:]
    out.append(rest)
    return "".join(out)


def people_text(key: Key, variants: Iterable[Variant] = ()) -> list[str]:
    """What a page of ``key`` prints that is not a number to restyle: title, course, pack, date, codes, names, ids."""
    out = [key.title, key.course, key.pack, key.created]
    for v in variants:
        out.append(v.variant)
        if v.student is not None:
            out += [v.student.id, v.student.name]
    return out


def number_style(html: str, key: Key, variants: Iterable[Variant] = (), keep: Iterable[str] = ()) -> str:
    """``html`` printed the way the pack asks (``key.printing``): with a decimal comma, or as it is."""
    if not key.printing.decimal_comma:
        return html
    return decimal_comma(html, [*people_text(key, variants), *keep])
