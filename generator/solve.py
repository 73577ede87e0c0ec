"""Solve one network completely and turn it into the answer-key record of one problem."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property

from . import functions
from .evaluate import accepted_intervals, evaluate
from .graph import ANSWER_KINDS, Graph, Node, build_graph
from .network import Network, SpecError
from .numbers import fmt, fmt_given, minus, quantize, unit
from .records import (
    Accepted,
    Answer,
    Description,
    GivenValue,
    NetworkRecord,
    Problem,
    Quantity,
    StepRecord,
    Update,
    WorkedAnswer,
    WorkedProblem,
)
from .steps import Step, StepWriter, label, symbol

DEFAULT_ASK = ("z", "a", "loss", "delta", "grad_w", "grad_b", "new_w", "new_b")


@dataclass
class Solution:
    """A solved network. The answer key stores only ``exact`` and ``intervals``; the
    hand-rounded values (``quantity``, ``fine``) are for the worked steps' rounding notes and
    are evaluated on first use, so a pack of thousands of variants never pays for them."""

    graph: Graph
    decimals: int
    exact: dict[str, Decimal]
    intervals: dict[str, tuple[float, float]]

    @cached_property
    def quantity(self) -> dict[str, Decimal]:
        """Every value rounded to ``decimals`` before it is used further."""
        return evaluate(self.graph, "quantity", self.decimals)

    @cached_property
    def fine(self) -> dict[str, Decimal]:
        """Every partial result rounded too."""
        return evaluate(self.graph, "fine", self.decimals)

    def rounded(self, node_id: str) -> str:
        return fmt(self.exact[node_id], self.decimals)


def solve(net: Network, decimals: int = 4, graph: Graph | None = None) -> Solution:
    """``graph``: the graph of ``net`` when already built (the randomizer's)."""
    g = graph if graph is not None and graph.network is net else build_graph(net)
    return Solution(
        graph=g,
        decimals=decimals,
        exact=evaluate(g, "exact", decimals),
        intervals=accepted_intervals(g, decimals),
    )


def asked_ids(graph: Graph, ask: Iterable[str]) -> list[str]:
    """Answer ids selected by kinds ('z', 'grad_w', 'all') or by exact ids, in graph order."""
    ask = list(ask)
    if "all" in ask:
        ask = list(ANSWER_KINDS)
    ids = {n.id for n in graph.answer_nodes}
    for a in ask:
        if a not in ANSWER_KINDS and a not in ids:
            raise SpecError(
                f"asked quantity {a!r} is neither a kind ({', '.join(ANSWER_KINDS)}, all) "
                "nor an answer id of this network"
            )
    chosen = [n.id for n in graph.answer_nodes if n.kind in ask or n.id in ask]
    if not chosen:
        raise SpecError("no quantity is asked; list kinds under ask, e.g. ask = ['z', 'a', 'loss']")
    return chosen


def quantity(node: Node) -> Quantity:
    return Quantity(node.kind, node.layer, node.neuron, node.src)  # type: ignore[arg-type]


def accepted(sol: Solution, node_id: str) -> Accepted:
    lo, hi = sol.intervals[node_id]
    u = unit(sol.decimals)
    first, last = math.ceil(lo / u - 1e-9) * u, math.floor(hi / u + 1e-9) * u
    return Accepted(fmt(first, sol.decimals), fmt(last, sol.decimals), (lo, hi))


def answer_records(sol: Solution, asked: Iterable[str]) -> list[Answer]:
    """The stored (version 2) answers: exact, rounded and the accepted interval."""
    return [Answer(nid, float(sol.exact[nid]), sol.rounded(nid), sol.intervals[nid]) for nid in asked]


def problem_record(sol: Solution, ask: Iterable[str], number: int = 1) -> WorkedProblem:
    """One solved problem with its worked solution: network, given values, answers, steps, updates."""
    g, d = sol.graph, sol.decimals
    net = g.network
    asked = asked_ids(g, ask)
    asked_set = set(asked)
    answers = []
    for nid in asked:
        node = g.by_id[nid]
        answers.append(WorkedAnswer(
            id=nid, label=label(g, nid), symbol=symbol(g, nid), group=node.group,  # type: ignore[arg-type]
            quantity=quantity(node), exact=float(sol.exact[nid]), rounded=sol.rounded(nid),
            hand_rounded=fmt(sol.quantity[nid], d), accepted=accepted(sol, nid),
        ))  # fmt: skip
    steps = [StepRecord.of(st) for st in worked_steps(sol, asked_set)]
    given = [
        GivenValue(id=n.id, symbol=symbol(g, n.id), kind=n.kind, value=fmt_given(g.given[n.id]))
        for n in g.nodes
        if n.given
    ]
    updates = []
    for node in g.nodes:
        if node.kind not in ("new_w", "new_b"):
            continue
        old, _eta, grad = node.args
        step = quantize(sol.exact[grad], d) * Decimal(fmt_given(net.learning_rate))
        change = sol.exact[node.id] - Decimal(repr(g.given[old]))
        updates.append(Update(
            id=node.id, param=old, symbol=symbol(g, old),
            old=fmt_given(g.given[old]), gradient=sol.rounded(grad),
            step=fmt(step, d), new=sol.rounded(node.id),
            direction="up" if change > 0 else "down" if change < 0 else "same",
        ))  # fmt: skip
    return WorkedProblem(
        number=number, network=NetworkRecord.of(net), description=describe(net), given=given,
        answers=answers, steps=steps, updates=updates,
    )  # fmt: skip


def worked_steps(sol: Solution, asked: set[str] | frozenset[str]) -> list[Step]:
    """Every step of the solution as a record, with the rounding note where a student may get another digit."""
    g, d = sol.graph, sol.decimals
    writer = StepWriter(g, sol.exact, d)
    out = []
    for node in g.answer_nodes:
        st = writer.step(node, node.id in asked)
        shown = writer.shown_result(node)
        hand = {fmt(sol.quantity[node.id], d), fmt(sol.fine[node.id], d)} - {st.result, shown}
        note = ""
        if shown != st.result or hand:
            acc = accepted(sol, node.id)
            parts = [f"The rounded numbers shown give {shown}"] if shown != st.result else []
            if hand:
                parts.append(f"rounding every value from the start gives {' or '.join(sorted(hand))}")
            parts.append(f"exact arithmetic gives {st.result}; accepted: {acc.first} to {acc.last}.")
            text = "; ".join(parts)
            note = minus(text[0].upper() + text[1:])
        out.append(replace(st, shown=shown if shown != st.result else "", note=note) if note else st)
    return out


def problem_steps(problem: Problem, decimals: int) -> list[Step]:
    """The worked steps of an answer-key problem, derived from its network (nothing parsed)."""
    sol = solve(problem.network.network(), decimals)
    return worked_steps(sol, {a.id for a in problem.answers})


def describe(net: Network) -> Description:
    """Plain-words conventions, printed on worksheets and keys exactly as stated here."""
    acts = list(dict.fromkeys(net.activation))
    words = {a: _act_words(net, a) for a in acts}
    if len(acts) == 1:
        act = f"{words[acts[0]]} in every layer"
    else:
        names = [f"layer {i + 1}: {words[a]}" for i, a in enumerate(net.activation)]
        act = "; ".join(names)
    loss = functions.loss(net.loss).words(net.layers[-1])
    bias = {
        "none": "no biases",
        "shared": "one bias shared by all neurons of a layer (its gradient sums that layer's deltas)",
        "per_neuron": "one bias per neuron",
    }[net.bias]
    arch = "-".join(str(n) for n in net.layers)
    update = f"one gradient-descent step, w ← w − η ∂L/∂w with η = {fmt_given(net.learning_rate)}"
    return Description(architecture=arch, activation=act, loss=loss, bias=bias, update=update)


def _act_words(net: Network, name: str) -> str:
    f = functions.activation(name)
    if f.param:
        return f"{f.words} ({f.param.replace('_', ' ')} {fmt_given(getattr(net, f.param))})"
    return f.words
