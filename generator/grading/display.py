"""How the PDFs and the terminal show numbers and counts (the CSVs keep plain ASCII: they are read by machines)."""

from __future__ import annotations

from ..numbers import minus

MINUS = "\u2212"  # the typographic minus, as in the worked steps (numbers.minus writes it)


__all__ = ["MINUS", "minus", "plural"]


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 submission', '3 submissions' (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else many or word + 's'}"
