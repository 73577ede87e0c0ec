"""The marking rule: one verdict per answer (correct, ecf, wrong, blank, unreadable) and its points.

- correct: the number lies in the key's accepted interval (every honest rounding habit).
- ecf (error carried forward): not in the key's interval, but what an honest student writes
  starting from the student's OWN earlier answers. Quantities the student did not write down
  (not asked, blank, unreadable) are rebuilt from what they did write, as the key rebuilds
  them from the given values; each written value stands for every number that rounds to it
  at the digits written. Allowed only when some earlier answer is wrong, and none of the
  written ones the answer directly builds on is a wrong value that trivialises the step
  (0, 1 or -1), so writing 0 never earns follow-through and leaving work out earns nothing.
  With no earlier answer wrong, an answer honest from the student's own values is correct.
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
        # The student's written values as points, and (the rule) each standing for every number
        # that rounds to it at the digits written: digits kept in the calculator.
        own = OwnValues(vk, entries)
        carried = OwnValues(vk, entries, carried=True)
        for aid in pending:
            marks[aid] = _mark_pending(vk, aid, entries, correct, own, carried, ecf_credit)
    return [marks[aid] for aid in st.asked]


def _mark_pending(
    vk: VariantKey,
    aid: str,
    entries: Mapping[str, Entry],
    correct: Mapping[str, bool],
    own: OwnValues,
    carried: OwnValues,
    ecf_credit: float,
) -> Mark:
    """An answer outside the key's interval: follow-through, or wrong with a diagnosis."""
    e = entries[aid]
    value = e.value
    assert value is not None
    node = vk.structure.by_id[aid]
    front, region = own.basis(aid)
    try:
        honest = own.at(node)
        reach = carried.at(node)
    except (ArithmeticError, ValueError):  # absurd earlier values (3650 for a z) overflow the arithmetic
        return Mark(aid, e, WRONG, 0.0, note=NO_OWN_VALUES)
    if _inside(value, honest) or _inside(value, reach):
        blocked = _trivial_basis(vk, front, entries, correct)
        if blocked:
            return Mark(aid, e, WRONG, 0.0, own=honest, note=blocked)
        if any(not correct[u] and own.written(u) is not None for u in vk.structure.upstream[aid]):
            return Mark(aid, e, ECF, ecf_credit, own=honest)
        # Nothing earlier is wrong, and this is honest from the student's own (correct) values.
        return Mark(aid, e, CORRECT, 1.0, own=honest)
    try:
        code = diagnose(own, node, value, honest, region) or diagnose(carried, node, value, honest, region)
    except (ArithmeticError, ValueError):
        code = ""
    return Mark(aid, e, WRONG, 0.0, diagnosis=code, own=honest)


def _inside(value: float, iv: Interval) -> bool:
    return iv[0] <= value <= iv[1]


def _trivial_basis(
    vk: VariantKey, front: tuple[str, ...], entries: Mapping[str, Entry], correct: Mapping[str, bool]
) -> str:
    """Why follow-through is refused: a written earlier answer that is wrong and 0, 1 or -1 ('' if none).

    Only what the student wrote counts: a blank rebuilt from their values is not theirs to trivialise.
    """
    for f in front:
        e = entries[f]
        assert e.value is not None
        if not correct[f] and trivial(e.value, vk.structure.half):
            return f"No follow-through credit: it builds on your answer {minus(e.text)} for {f}, a trivial value."
    return ""
