"""How the PDFs and the terminal show numbers and counts (the CSVs keep plain ASCII: they are read by machines)."""

from __future__ import annotations

MINUS = "\u2212"  # the typographic minus, as in the worked steps


def minus(text: str) -> str:
    """'-0.0583' -> '−0.0583', also inside ranges ('-0.4412 to -0.4409') and exponents."""
    return text.replace("-", MINUS)


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 submission', '3 submissions' (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else many or word + 's'}"
