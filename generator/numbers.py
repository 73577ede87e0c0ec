"""Decimal rounding as on paper: half away from zero on the decimal digits (never the float built-in)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from functools import cache

# The context rounding works in: 60 significant digits, so no value a key or a student can
# hold loses a digit before the quantum. Built once: a localcontext() per call cost more
# than the rounding itself (grading 10,000 submissions rounds ~100,000 values).
_CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)


@cache
def _quantum(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def to_decimal(x: float | Decimal | int | str) -> Decimal:
    """A float becomes the decimal of its shortest repr (0.1 -> Decimal('0.1'), not 0.1000000000000000055...)."""
    if isinstance(x, Decimal):
        return x
    return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)


def quantize(x: float | Decimal | int | str, decimals: int, even: bool = False) -> Decimal:
    """Round to ``decimals`` places, half away from zero (``even``: half to even); -0 becomes 0."""
    rounding = ROUND_HALF_EVEN if even else ROUND_HALF_UP
    q = to_decimal(x).quantize(_quantum(decimals), rounding=rounding, context=_CONTEXT)
    return q + Decimal(0) if q.is_zero() else q  # drop the sign of a negative zero


def is_tie(x: float | Decimal | int | str, decimals: int) -> bool:
    """Whether ``x`` lies exactly halfway between two values of ``decimals`` places (0.0005 at 3)."""
    scaled = to_decimal(x).scaleb(decimals, context=_CONTEXT)
    return abs(scaled - scaled.to_integral_value(context=_CONTEXT)) == Decimal("0.5")


def fmt(x: float | Decimal | int | str, decimals: int) -> str:
    """The rounded value as printed: '0.2100', '-0.0746'."""
    q = quantize(x, decimals)
    return f"{abs(q):.{decimals}f}" if q.is_zero() else f"{q:.{decimals}f}"


def fmt_given(x: float) -> str:
    """A given value as the teacher wrote it: shortest form (0.05, 1, -0.3)."""
    s = repr(float(x))
    if "e" in s or "E" in s:
        s = format(Decimal(s), "f")
    return s.removesuffix(".0")


@cache
def unit(decimals: int) -> float:
    """One unit in the last kept decimal (0.0001 for 4 decimals)."""
    return float(Decimal(1).scaleb(-decimals))


def minus(s: str) -> str:
    """A number as printed: the typographic minus (machine fields and the JSON keep ASCII '-').

    '-0.0583' -> '−0.0583', also inside ranges ('-0.4412 to -0.4409') and exponents. The one
    place every printed number (steps, keys, diagrams, the terminal, the grader's PDFs) gets it.
    """
    return s.replace("-", "\u2212")
