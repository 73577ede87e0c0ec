"""Decimal comma: every number printed with a comma (0,5450) instead of a point."""

from __future__ import annotations

import re

_TAG = re.compile(r"(<style\b.*?</style>|<script\b.*?</script>|<[^>]*>)", re.DOTALL | re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.,])([−-]?\d+)\.(\d+)(?![\w.])")


def decimal_comma(html: str) -> str:
    """``html`` with the decimal point of every number in its text (never in tags or attributes) a comma."""
    parts = _TAG.split(html)
    for i in range(0, len(parts), 2):  # even indexes are text between tags
        if "." in parts[i]:
            parts[i] = _NUMBER.sub(r"\1,\2", parts[i])
    return "".join(parts)
