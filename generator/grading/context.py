"""What grading needs of one variant, built once and shared by every answer of a submission.

``Structure`` is what all variants of a pack share (the graph's shape, the asked ids, which
earlier answers each answer builds on), so it is computed once per pack, not per student.
``VariantKey`` holds one variant's key intervals and builds its graph only when an answer
needs more than the key interval. ``OwnValues`` evaluates the graph on a student's own
answers with the evaluator's interval rule, lazily, node by node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..evaluate import accepted_intervals, node_interval
from ..graph import Graph, Node, given_value
from ..network import Network
from ..numbers import unit
from .numbers import Entry

Interval = tuple[float, float]
CONST = "const:"  # pseudo node id of a constant, used by the wrong rules (const:-1.0)


@dataclass
class Structure:
    """The graph shape and the asked ids of a pack, and for each asked answer what it builds on.

    ``frontier[n]``: the nearest asked answers upstream of n, reached through quantities that
    are not asked (so stopping at the first asked one on each path). ``region[n]``: the
    not-asked quantities in between, which a student computes on scrap paper; a wrong rule may
    act there too. Both in graph order.
    """

    graph: Graph
    asked: tuple[str, ...]
    decimals: int
    frontier: dict[str, tuple[str, ...]] = field(default_factory=dict)
    region: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)  # per-answer data of other modules (wrong-rule patches)

    def __post_init__(self) -> None:
        self.asked_set = frozenset(self.asked)
        self.by_id = self.graph.by_id
        self.n_out = self.graph.network.layers[-1]
        self.half = unit(self.decimals) / 2
        order = {n.id: i for i, n in enumerate(self.graph.nodes)}
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

    def is_scratch(self, nid: str) -> bool:
        """A quantity the student computes but is not asked to write down."""
        node = self.by_id.get(nid)
        return node is not None and not node.given and nid not in self.asked_set


def structure_signature(network: Mapping[str, Any], asked: tuple[str, ...]) -> tuple[Any, ...]:
    return (
        tuple(network["layers"]), tuple(network["activation"]), network["loss"], network["bias"], asked,
        network.get("leaky_slope"),  # a parameter of the graph's nodes
    )  # fmt: skip


class VariantKey:
    """One variant of the key: its code, student, answers and accepted intervals."""

    def __init__(self, variant: Mapping[str, Any], structure: Structure) -> None:
        self.variant = variant
        self.code: str = variant["variant"]
        self.student: Mapping[str, str] | None = variant.get("student")
        self.problem: Mapping[str, Any] = variant["problems"][0]
        self.structure = structure
        self.answers: dict[str, Mapping[str, Any]] = {a["id"]: a for a in self.problem["answers"]}
        self.key_iv: dict[str, Sequence[float]] = {aid: a["accepted"]["interval"] for aid, a in self.answers.items()}
        self._graph: Graph | None = None
        self._all: dict[str, Interval] | None = None

    @property
    def graph(self) -> Graph:
        """This variant's graph, made on first use (most submissions never need it).

        The nodes are the pack's (``structure.graph``), shared; only the given values are this variant's.
        """
        if self._graph is None:
            net = Network.from_dict(self.problem["network"])
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


class OwnValues:
    """Intervals of quantities computed from a student's own answers.

    An answered quantity is the point the student wrote (widened by ``widen`` on both sides
    when allowing for digits carried in the calculator); a blank or unreadable one falls back
    to its key interval; a quantity not asked is recomputed from its inputs, recursively, with
    the honest-rounding interval rule of the evaluator.
    """

    def __init__(self, vk: VariantKey, entries: Mapping[str, Entry], widen: float = 0.0) -> None:
        self.vk, self.entries, self.widen = vk, entries, widen
        self.st = vk.structure
        self.given = vk.graph.given
        self.memo: dict[str, Interval] = {}

    def iv(self, nid: str) -> Interval:
        got = self.memo.get(nid)
        if got is not None:
            return got
        if nid in self.given:
            v = self.given[nid]
            out = (v, v)
        elif nid in self.st.asked_set:
            e = self.entries.get(nid)
            if e is not None and e.value is not None:
                out = (e.value - self.widen, e.value + self.widen)
            else:
                out = self.vk.key_interval(nid)
        else:
            out = self.at(self.st.by_id[nid])
        self.memo[nid] = out
        return out

    def at(self, node: Node) -> Interval:
        """What an honest student writes for ``node`` from these inputs (not from its own answer)."""
        return node_interval(node, [self.iv(i) for i in node.inputs], self.st.n_out, self.st.decimals)


class PatchedValues:
    """``OwnValues`` with some quantities computed by a wrong rule (``patch``: id -> replacement node).

    Replacement nodes may read helper nodes that exist only in the patch (ids starting with
    '~') and constants (``const:<value>``). Not-asked quantities are recomputed so a rule
    acting on scrap paper propagates to the answer; answers and givens come from ``own``.
    """

    def __init__(self, own: OwnValues, patch: Mapping[str, Node]) -> None:
        self.own, self.patch = own, patch
        self.st = own.st
        self.memo: dict[str, Interval] = {}

    def iv(self, nid: str) -> Interval:
        got = self.memo.get(nid)
        if got is not None:
            return got
        if nid.startswith(CONST):
            c = float(nid[len(CONST) :])
            out = (c, c)
        elif nid in self.patch:
            out = self.at(self.patch[nid])
        elif self.st.is_scratch(nid):
            out = self.at(self.st.by_id[nid])
        else:
            out = self.own.iv(nid)
        self.memo[nid] = out
        return out

    def at(self, node: Node) -> Interval:
        node = self.patch.get(node.id, node)
        return node_interval(node, [self.iv(i) for i in node.inputs], self.st.n_out, self.st.decimals)
