"""A problem's worked solution, derived on demand from its stored network.

Version-2 keys store what cannot be recomputed (the network, the answers' exact and rounded
values and accepted intervals); the worked steps, given values, labels and the update table
are recomputed here in milliseconds. The stored answers stay authoritative: the derived
record takes their values and intervals, so a printed key always agrees with the grader.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from .answer_key import accepted_range
from .network import SpecError
from .records import Accepted, Key, Problem, WorkedAnswer, WorkedProblem
from .solve import Solution, problem_record, solve, worked_steps
from .steps import Step


def worked(problem: Problem, decimals: int, answer_ids: Sequence[str]) -> WorkedProblem:
    """The full record of ``problem`` (what version 1 stored and ``solve --json`` prints)."""
    return _record(problem, decimals, answer_ids)[0]


def work_out(problem: Problem, decimals: int, answer_ids: Sequence[str]) -> tuple[WorkedProblem, list[Step]]:
    """The full record and the worked steps as records (for renderers: nothing to parse), solved once."""
    record, sol = _record(problem, decimals, answer_ids)
    return record, worked_steps(sol, frozenset(answer_ids))


def _record(problem: Problem, decimals: int, answer_ids: Sequence[str]) -> tuple[WorkedProblem, Solution]:
    """The full record and the solution it was made from (the worked steps are made only where
    asked: a worksheet needs the record alone)."""
    try:
        sol = solve(problem.network.network(), decimals)
    except ArithmeticError:  # a hand-edited network of absurd values: e^z beyond any exam
        raise SpecError(
            f"problem {problem.number}: the network's values are too large to work out; regenerate the key"
        ) from None
    derived = problem_record(sol, answer_ids, problem.number)
    stored = {a.id: a for a in problem.answers}
    answers: list[WorkedAnswer] = []
    for a in derived.answers:
        s = stored[a.id]
        first, last = accepted_range(s, decimals)
        answers.append(msgspec.structs.replace(
            a, exact=s.exact, rounded=s.rounded, accepted=Accepted(first, last, s.accepted),
        ))  # fmt: skip
    return msgspec.structs.replace(derived, network=problem.network, answers=answers), sol


def worked_of(key: Key, problem: Problem) -> WorkedProblem:
    return worked(problem, key.decimals, key.structure.answer_ids)


def to_json(problem: WorkedProblem) -> str:
    """Pretty JSON of a worked problem, for ``solve --json`` and outside tools."""
    return msgspec.json.format(msgspec.json.encode(problem), indent=1).decode("utf-8")
