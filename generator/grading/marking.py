"""The marking rule: one verdict per answer (correct, ecf, wrong, blank, unreadable) and its points.

- correct: the number lies in the key's accepted interval (every honest rounding habit).
- ecf (error carried forward): not correct, but what an honest student writes when starting
  from the student's OWN earlier answers. Allowed only when at least one of those earlier
  answers is wrong, and none of them is blank, unreadable or a wrong value that trivialises
  the step (0, 1 or -1), so leaving work out or writing 0 never earns follow-through.
- wrong: anything else; then the mistake is diagnosed (``mistakes``).
See docs/grading.md for the rule in full and its reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .context import Interval, OwnValues, VariantKey
from .display import minus
from .mistakes import diagnose
from .numbers import BLANK_ENTRY, Entry

CORRECT, ECF, WRONG, BLANK, UNREADABLE = "correct", "ecf", "wrong", "blank", "unreadable"
VERDICTS = (CORRECT, ECF, WRONG, BLANK, UNREADABLE)
NO_OWN_VALUES = "No follow-through credit: your earlier answers are too far off to compute from."


@dataclass(slots=True)
class Mark:
    """The verdict on one answer, with what the feedback needs to explain it."""

    id: str
    entry: Entry
    verdict: str
    points: float
    max_points: float = 1.0
    diagnosis: str = ""
    own: Interval | None = None  # the honest result from the student's own earlier answers, when computed
    note: str = ""  # why follow-through was not given, in plain words


def trivial(value: float, half_unit: float) -> bool:
    """0, 1 or -1 at the key's precision: values that make the next steps trivial."""
    return abs(value) < half_unit or abs(abs(value) - 1.0) < half_unit


def mark_submission(vk: VariantKey, entries: Mapping[str, Entry], ecf_credit: float = 1.0) -> list[Mark]:
    """Mark every asked answer of one submission, in key order."""
    st = vk.structure
    marks: dict[str, Mark] = {}
    correct: dict[str, bool] = {}
    pending: list[str] = []
    for aid in st.asked:
        e = entries.get(aid, BLANK_ENTRY)
        if e.value is None:
            marks[aid] = Mark(aid, e, e.status, 0.0)
            correct[aid] = False
            continue
        lo, hi = vk.key_iv[aid]
        ok = lo <= e.value <= hi
        correct[aid] = ok
        if ok:
            marks[aid] = Mark(aid, e, CORRECT, 1.0)
        else:
            pending.append(aid)
    if pending:
        # The student's written values as points, then (second try) each widened by half a unit
        # for digits carried in the calculator beyond the ones written down.
        own = OwnValues(vk, entries)
        carried = OwnValues(vk, entries, widen=st.half)
        for aid in pending:
            e = entries[aid]
            value = e.value
            assert value is not None
            try:
                node = st.by_id[aid]
                honest = own.at(node)
                allowed, note = _follow_through_allowed(vk, aid, entries, correct)
                if allowed and (_inside(value, honest) or _inside(value, carried.at(node))):
                    marks[aid] = Mark(aid, e, ECF, ecf_credit, own=honest)
                    continue
                code = diagnose(own, node, value, honest) or diagnose(carried, node, value, honest)
                marks[aid] = Mark(aid, e, WRONG, 0.0, diagnosis=code, own=honest, note=note)
            except (ArithmeticError, ValueError):  # absurd earlier values (3650 for a z) overflow the arithmetic
                marks[aid] = Mark(aid, e, WRONG, 0.0, note=NO_OWN_VALUES)
    return [marks[aid] for aid in st.asked]


def _inside(value: float, iv: Interval) -> bool:
    return iv[0] <= value <= iv[1]


def _follow_through_allowed(
    vk: VariantKey, aid: str, entries: Mapping[str, Entry], correct: Mapping[str, bool]
) -> tuple[bool, str]:
    """Whether answer ``aid`` may earn ecf, and if not because of an earlier answer, why (for the feedback)."""
    st = vk.structure
    wrong_upstream = False
    for f in st.frontier[aid]:
        e = entries.get(f, BLANK_ENTRY)
        if e.value is None:
            what = "blank" if e.status == BLANK else "unreadable"
            return False, f"No follow-through credit: it builds on your {what} answer for {f}."
        if not correct[f]:
            if trivial(e.value, st.half):
                return (
                    False,
                    f"No follow-through credit: it builds on your answer {minus(e.text)} for {f}, a trivial value.",
                )
            wrong_upstream = True
    return wrong_upstream, ""
