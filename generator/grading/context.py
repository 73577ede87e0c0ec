"""What grading needs of one variant, built once and shared by every answer of a submission.

``Structure`` is what all variants of a pack share (the graph's shape, the asked ids, which
earlier answers each answer builds on), so it is computed once per pack, not per student.
``VariantKey`` holds one variant's key intervals and builds its graph only when an answer
needs more than the key interval. ``OwnValues`` evaluates the graph on a student's own
answers with the evaluator's interval rule, lazily, node by node.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..evaluate import accepted_intervals, node_interval
from ..graph import Graph, Node, given_value
from ..network import Network
from ..numbers import unit
from ..records import Answer, NetworkRecord, Problem, Student, Variant, WorkedProblem
from ..worked import worked
from .numbers import Entry

Interval = tuple[float, float]
CONST = "const:"  # pseudo node id of a constant, used by the wrong rules (const:-1.0)


@dataclass
class Structure:
    """The graph shape and the asked ids of a pack, and for each asked answer what it builds on.

    ``frontier[n]``: the nearest asked answers upstream of n, reached through quantities that
    are not asked (so stopping at the first asked one on each path). ``region[n]``: the
    not-asked quantities in between, which a student computes on scrap paper; a wrong rule may
    act there too. Both in graph order. ``upstream[n]``: every asked answer n depends on, however far.
    """

    graph: Graph
    asked: tuple[str, ...]
    decimals: int
    frontier: dict[str, tuple[str, ...]] = field(default_factory=dict)
    region: dict[str, tuple[str, ...]] = field(default_factory=dict)
    upstream: dict[str, frozenset[str]] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)  # per-answer data of other modules (wrong-rule patches)

    def __post_init__(self) -> None:
        self.asked_set = frozenset(self.asked)
        self.by_id = self.graph.by_id
        self.n_out = self.graph.network.layers[-1]
        self.half = unit(self.decimals) / 2
        self.order = order = {n.id: i for i, n in enumerate(self.graph.nodes)}
        for nid in self.asked:
            front: set[str] = set()
            region: set[str] = set()
            stack = list(self.by_id[nid].inputs)
            while stack:
                i = stack.pop()
                if i in front or i in region:
                    continue
                m = self.by_id[i]
                if m.given:
                    continue
                if i in self.asked_set:
                    front.add(i)
                else:
                    region.add(i)
                    stack.extend(m.inputs)
            self.frontier[nid] = tuple(sorted(front, key=order.__getitem__))
            self.region[nid] = tuple(sorted(region, key=order.__getitem__))
        above: dict[str, frozenset[str]] = {}
        for node in self.graph.nodes:
            deps = frozenset().union(*(above[i] | ({i} & self.asked_set) for i in node.inputs))
            above[node.id] = deps
        self.upstream = {nid: above[nid] for nid in self.asked}

    def is_scratch(self, nid: str) -> bool:
        """A quantity the student computes but is not asked to write down."""
        node = self.by_id.get(nid)
        return node is not None and not node.given and nid not in self.asked_set


def structure_signature(network: NetworkRecord, asked: tuple[str, ...]) -> tuple[Any, ...]:
    return (
        tuple(network.layers), tuple(network.activation), network.loss, network.bias, asked,
        network.leaky_slope,  # a parameter of the graph's nodes
    )  # fmt: skip


class VariantKey:
    """One variant of the key: its code, student, answers and accepted intervals."""

    def __init__(self, variant: Variant, structure: Structure) -> None:
        self.variant = variant
        self.code: str = variant.variant
        self.student: Student | None = variant.student
        self.problem: Problem = variant.problems[0]
        self.structure = structure
        self.answers: dict[str, Answer] = {a.id: a for a in self.problem.answers}
        self.key_iv: dict[str, Interval] = {aid: a.accepted for aid, a in self.answers.items()}
        self._graph: Graph | None = None
        self._all: dict[str, Interval] | None = None
        self._worked: WorkedProblem | None = None

    @property
    def worked(self) -> WorkedProblem:
        """The worked solution (steps, symbols, labels), derived on first use: only feedback needs it."""
        if self._worked is None:
            self._worked = worked(self.problem, self.structure.decimals, self.structure.asked)
        return self._worked

    @property
    def graph(self) -> Graph:
        """This variant's graph, made on first use (most submissions never need it).

        The nodes are the pack's (``structure.graph``), shared; only the given values are this variant's.
        """
        if self._graph is None:
            net = self.problem.network.network()
            shape = self.structure.graph
            self._graph = Graph(net, shape.nodes, shape.by_id, given_values(shape, net))
        return self._graph

    def key_interval(self, nid: str) -> Interval:
        """Accepted interval of any quantity, asked (from the key) or not (computed once)."""
        iv = self.key_iv.get(nid)
        if iv is not None:
            return iv[0], iv[1]
        if self._all is None:
            self._all = accepted_intervals(self.graph, self.structure.decimals)
        return self._all[nid]


def given_values(shape: Graph, net: Network) -> dict[str, float]:
    """The given values of ``net`` for the given nodes of a graph of the same shape."""
    return {node.id: given_value(net, node) for node in shape.nodes if node.given}


_WRITTEN = re.compile(r"[.,]([0-9]*)(?:[eE]([+-]?[0-9]+))?\s*$|[eE]([+-]?[0-9]+)\s*$")
MAX_DIGITS = 12  # beyond this a float cannot tell the digits apart anyway


def written_half(entry: Entry, decimals: int) -> float:
    """Half a unit in the last digit the student wrote (0.0257 -> 0.00005, 0.025653 -> 0.0000005).

    Never coarser than the key's ``decimals``: a value written with fewer digits than the
    worksheet asks for does not buy a wider range for the answers built on it.
    """
    digits = decimals
    m = _WRITTEN.search(entry.text)
    if m is not None:
        frac, exp = (m.group(1) or ""), m.group(2) or m.group(3) or "0"
        digits = max(decimals, min(MAX_DIGITS, len(frac) - int(exp[:4])))
    return 0.5 * 10.0**-digits


class Memo:
    """``iv(nid)``: the interval of a quantity, computed once by the subclass's ``interval``."""

    memo: dict[str, Interval]

    def interval(self, nid: str) -> Interval:
        raise NotImplementedError

    def iv(self, nid: str) -> Interval:
        got = self.memo.get(nid)
        if got is None:
            got = self.memo[nid] = self.interval(nid)
        return got


class OwnValues(Memo):
    """Intervals of quantities computed from a student's own answers.

    A written (readable) answer is the point the student wrote or, with ``carried``, every
    number that rounds to it at the digits written (the student kept more digits in the
    calculator). Every other quantity, not asked or left blank or unreadable, is rebuilt from
    its inputs, recursively, with the honest-rounding interval rule of the evaluator: the
    key does the same from the given values.
    """

    def __init__(self, vk: VariantKey, entries: Mapping[str, Entry], carried: bool = False) -> None:
        self.vk, self.entries, self.carried = vk, entries, carried
        self.st = vk.structure
        self.given = vk.graph.given
        self.memo: dict[str, Interval] = {}

    def written(self, nid: str) -> float | None:
        """The student's number for ``nid`` when it is asked and was written readably, else None."""
        if nid not in self.st.asked_set:
            return None
        e = self.entries.get(nid)
        return None if e is None else e.value

    def rebuilt(self, nid: str) -> bool:
        """A quantity the student did not write down (not asked, blank or unreadable): computed from its inputs."""
        return nid not in self.given and self.written(nid) is None

    def interval(self, nid: str) -> Interval:
        if nid in self.given:
            v = self.given[nid]
            return (v, v)
        value = self.written(nid)
        if value is None:
            return self.at(self.st.by_id[nid])
        if self.carried:
            h = written_half(self.entries[nid], self.st.decimals)
            return (value - h, value + h)
        return (value, value)

    def at(self, node: Node) -> Interval:
        """What an honest student writes for ``node`` from these inputs (not from its own answer)."""
        return node_interval(node, [self.iv(i) for i in node.inputs], self.st.n_out, self.st.decimals)

    def basis(self, nid: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(the written answers ``nid`` builds on, the rebuilt quantities in between), both in graph order.

        Walks back from ``nid`` through quantities the student did not write down and stops at
        each written answer (and at given values). Without blanks this is the structure's
        ``frontier`` and ``region``.
        """
        st = self.st
        front: set[str] = set()
        region: set[str] = set()
        stack = list(st.by_id[nid].inputs)
        while stack:
            i = stack.pop()
            if i in front or i in region or i in self.given:
                continue
            if self.written(i) is not None:
                front.add(i)
            else:
                region.add(i)
                stack.extend(st.by_id[i].inputs)
        return tuple(sorted(front, key=st.order.__getitem__)), tuple(sorted(region, key=st.order.__getitem__))


class PatchedValues(Memo):
    """``OwnValues`` with some quantities computed by a wrong rule (``patch``: id -> replacement node).

    Replacement nodes may read helper nodes that exist only in the patch (ids starting with
    '~') and constants (``const:<value>``). Not-asked quantities are recomputed so a rule
    acting on scrap paper propagates to the answer; answers and givens come from ``own``.
    """

    def __init__(self, own: OwnValues, patch: Mapping[str, Node]) -> None:
        self.own, self.patch = own, patch
        self.st = own.st
        self.memo: dict[str, Interval] = {}

    def interval(self, nid: str) -> Interval:
        if nid.startswith(CONST):
            c = float(nid[len(CONST) :])
            return (c, c)
        if nid in self.patch:
            return self.at(self.patch[nid])
        if self.own.rebuilt(nid):
            return self.at(self.st.by_id[nid])
        return self.own.iv(nid)

    def at(self, node: Node) -> Interval:
        node = self.patch.get(node.id, node)
        return node_interval(node, [self.iv(i) for i in node.inputs], self.st.n_out, self.st.decimals)
