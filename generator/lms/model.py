"""What every LMS export needs of one variant: its asked answers, accepted intervals, mistake values.

Built from the answer key and the grader's own rules, so an LMS marks with the key's
intervals and names the same mistakes as ``backprop-exam grade``: one home for each idea.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from ..answer_key import normalize_code
from ..grading.context import OwnValues, PatchedValues
from ..grading.grade import KeyIndex
from ..grading.mistakes import LABELS, candidates, explain
from ..records import Key, WorkedProblem
from .codes import CODE_LABEL


@dataclass(frozen=True)
class Range:
    """A closed interval [lo, hi] as exact decimals (the JSON floats' shortest decimal forms)."""

    lo: Decimal
    hi: Decimal

    @property
    def mid(self) -> Decimal:
        return (self.lo + self.hi) / 2

    @property
    def half(self) -> Decimal:
        return (self.hi - self.lo) / 2

    def overlaps(self, other: Range) -> bool:
        return self.lo <= other.hi and other.lo <= self.hi

    def contains(self, x: Decimal) -> bool:
        return self.lo <= x <= self.hi


@dataclass(frozen=True)
class Mistake:
    code: str
    label: str
    words: str
    range: Range


@dataclass(frozen=True)
class Part:
    """One asked answer of a variant, as an LMS sub-question."""

    id: str
    label: str
    symbol: str  # the key's TeX-subset symbol
    value: str  # the printed key value ("0.5523"), shown as the correct answer
    accepted: Range
    mistakes: tuple[Mistake, ...]


@dataclass(frozen=True)
class Item:
    """One variant as one LMS question."""

    code: str
    title: str
    problem: WorkedProblem  # the variant's worked solution (labels, symbols, given values, steps)
    parts: tuple[Part, ...]

    @property
    def name(self) -> str:
        return f"{self.title} – {CODE_LABEL} {self.code}"

    @property
    def ident(self) -> str:
        return "v-" + normalize_code(self.code)


def exact(x: float | str) -> Decimal:
    """The decimal a JSON float stands for (its shortest repr, not its binary expansion)."""
    return Decimal(repr(x)) if isinstance(x, float) else Decimal(str(x))


def plain(d: Decimal) -> str:
    """A decimal in plain positional notation without trailing zeros: '0.018755', '-3', '0'."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def items(key: Key) -> Iterator[Item]:
    """Every variant of ``key`` with its parts, in key order."""
    index = KeyIndex(key)
    title = key.title or key.pack
    for v in key.variants:
        vk = index.variant_key(normalize_code(v.variant))
        assert vk is not None
        own = OwnValues(vk, {})  # the student's earlier answers all correct: the key's intervals
        parts = []
        worked = vk.worked
        for a in worked.answers:
            lo, hi = a.accepted.interval
            accepted = Range(exact(lo), exact(hi))
            parts.append(Part(a.id, a.label, a.symbol, a.rounded, accepted, _mistakes(own, a.id, accepted)))
        yield Item(v.variant, title, worked, tuple(parts))


def _outward(lo: float, hi: float, places: int) -> Range:
    """[lo, hi] widened to ``places`` decimals (readable in an LMS; still holds every mistake value)."""
    q = Decimal(1).scaleb(-places)
    return Range(exact(lo).quantize(q, rounding=ROUND_FLOOR), exact(hi).quantize(q, rounding=ROUND_CEILING))


def _mistakes(own: OwnValues, aid: str, accepted: Range) -> tuple[Mistake, ...]:
    """Each nameable mistake's values for this answer that lie wholly outside the accepted interval."""
    node = own.st.by_id[aid]
    out: list[Mistake] = []
    seen: set[tuple[str, Range]] = set()
    for code, patch in candidates(own.st, aid):
        lo, hi = PatchedValues(own, patch).at(node)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            continue
        r = _outward(lo, hi, own.st.decimals + 3)
        if r.overlaps(accepted) or (code, r) in seen:
            continue
        seen.add((code, r))
        out.append(Mistake(code, LABELS[code], explain(code, own.st.graph.network.loss), r))
    return tuple(out)
