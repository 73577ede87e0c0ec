"""Item analysis, as Moodle's and Canvas's quiz statistics give it: per answer id the facility
index, the discrimination index and the most frequent named mistake.

- **Facility index** (Moodle's "facility index", Canvas's "difficulty"): the mean score
  fraction on the item, points / max_points averaged over the students, 0..1.
- **Discrimination index** (Moodle's "discrimination index"): the Pearson correlation of the
  item score with the rest-of-test score (each student's total minus this item), -1..1.
  ``None`` when either has no spread (everybody scored the same on it): there is nothing to
  correlate then, and Moodle prints no value either.

A pure function of a score table, so it is checked against a hand calculation on a tiny class.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .grade import Grading


@dataclass(frozen=True)
class ItemStats:
    id: str
    facility: float  # mean points / max_points, 0..1
    discrimination: float | None  # correlation of item score with rest-of-test score
    mistake: str = ""  # the most frequent diagnosed mistake code on this item, "" when none
    mistake_count: int = 0


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def item_statistics(
    ids: Sequence[str],
    scores: Sequence[Mapping[str, float]],
    max_points: Mapping[str, float],
    mistakes: Sequence[Mapping[str, str]] = (),
) -> list[ItemStats]:
    """One ``ItemStats`` per id: ``scores[s][id]`` is student s's points on the item (missing = 0);
    ``mistakes[s][id]`` the mistake code diagnosed there (optional)."""
    totals = [math.fsum(s.get(i, 0.0) for i in ids) for s in scores]
    out = []
    for i in ids:
        item = [s.get(i, 0.0) for s in scores]
        top = max(max_points.get(i, 1.0), 1e-12)
        facility = math.fsum(item) / (len(item) * top) if item else 0.0
        rest = [t - x for t, x in zip(totals, item, strict=True)]
        named = Counter(m[i] for m in mistakes if m.get(i)).most_common(1)
        code, count = named[0] if named else ("", 0)
        out.append(ItemStats(i, facility, _pearson(item, rest), code, count))
    return out


def grading_items(grading: Grading) -> list[ItemStats]:
    """``item_statistics`` of a graded class."""
    ids = grading.answer_ids
    scores = [{m.id: m.points for m in g.marks} for g in grading.graded]
    maxima: dict[str, float] = {}
    for g in grading.graded:
        for m in g.marks:
            maxima.setdefault(m.id, m.max_points)
    mistakes = [{m.id: m.diagnosis for m in g.marks if m.diagnosis} for g in grading.graded]
    return item_statistics(ids, scores, maxima, mistakes)
