"""Draw nice-number variants reproducibly, and redraw degenerate ones.

Randomness comes from numpy's PCG64 raw 64-bit stream, whose output numpy keeps stable
across versions and machines (unlike the Generator methods built on it), so the same seed
gives the same problem everywhere.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import functions
from .evaluate import evaluate
from .graph import Graph, build_graph
from .network import Network, SpecError
from .solve import Solution, asked_ids, solve
from .spec import Spec

MAX_TRIES = 2000
# Closer than this (in units of the last kept decimal) to x.xxxx5 is a rounding tie of the
# exact value. Ties that only a student's own rounding creates (0.5 x 0.0827 = 0.04135) are
# not rejected: the grader's intervals accept either way of rounding them.
TIE_MARGIN = 1e-6


class Rng:
    """Uniform choices from a 128-bit seed."""

    def __init__(self, seed: int) -> None:
        self._bits = np.random.PCG64(seed)

    def below(self, n: int) -> int:
        return int(self._bits.random_raw()) % n  # bias < n / 2**64, nil for our n

    def choice(self, seq: Any) -> Any:
        return seq[self.below(len(seq))]


@dataclass(frozen=True)
class Structure:
    """What every variant of a pack shares."""

    layers: tuple[int, ...]
    activation: tuple[str, ...]
    loss: str
    bias: str
    leaky_slope: float = functions.DEFAULT_LEAKY_SLOPE

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"layers": list(self.layers), "activation": list(self.activation),
                             "loss": self.loss, "bias": self.bias}  # fmt: skip
        if "leaky_relu" in self.activation:
            d["leaky_slope"] = self.leaky_slope
        return d


def draw_structure(spec: Spec, rng: Rng) -> Structure:
    if spec.fixed is not None:
        f = spec.fixed
        return Structure(f.layers, f.activation, f.loss, f.bias, f.leaky_slope)
    layers = tuple(rng.choice(spec.layers))
    act = rng.choice(spec.activation)
    activation = (act,) * (len(layers) - 1) if isinstance(act, str) else tuple(act)
    return Structure(layers, activation, spec.loss, spec.bias, spec.leaky_slope)


def draw_network(spec: Spec, st: Structure, rng: Rng) -> Network:
    g = spec.grids
    L = st.layers
    weights = [[[rng.choice(g["weights"].values) for _ in range(L[l - 1])] for _ in range(L[l])]
               for l in range(1, len(L))]  # fmt: skip
    if st.bias == "none":
        biases = [[0.0] * n for n in L[1:]]
    elif st.bias == "shared":
        biases = [[rng.choice(g["biases"].values)] * n for n in L[1:]]
    else:
        biases = [[rng.choice(g["biases"].values) for _ in range(n)] for n in L[1:]]
    if functions.loss(st.loss).one_hot:
        hot = rng.below(L[-1])
        targets = [1.0 if k == hot else 0.0 for k in range(L[-1])]
    else:
        targets = [rng.choice(g["targets"].values) for _ in range(L[-1])]
    net = Network.from_dict({
        **st.to_dict(), "learning_rate": rng.choice(g["learning_rate"].values),
        "inputs": [rng.choice(g["inputs"].values) for _ in range(L[0])],
        "targets": targets, "weights": weights, "biases": biases,
    })  # fmt: skip
    return net


def degeneracy(graph: Graph, values: dict[str, float], asked: list[str], decimals: int) -> str | None:
    """Why this variant is not a fair exam problem, or None. ``values`` are exact (float is ample)."""
    scale = 10.0**decimals
    for nid in asked:
        node = graph.by_id[nid]
        if node.kind == "dact" and functions.activation(node.fn).by_rule:
            continue  # 0, 1 or the slope by rule, not by accident
        if abs(values[nid]) * scale < 10 - 0.5:  # rounds to fewer than 2 significant digits
            return f"{nid} has fewer than 2 significant digits"
    for node in graph.answer_nodes:
        v = values[node.id]
        if node.kind == "a":
            why = functions.activation(node.fn).degenerate(float(values[node.args[node.own]]), v, node.param)
            if why:
                return why
        frac = abs(v) * scale % 1.0
        if abs(frac - 0.5) < TIE_MARGIN:
            return f"rounding tie in {node.id}"
    return None


# The graph's nodes depend only on the structure: built once per structure, shared by every draw.
_SHAPES: dict[Structure, Graph] = {}


def draw_variant(spec: Spec, st: Structure, seed: int, decimals: int) -> Solution:
    """The first non-degenerate draw from this seed; a clear error when none is found."""
    rng = Rng(seed)
    reasons: Counter[str] = Counter()
    if spec.fixed is not None:
        return solve(spec.fixed, decimals)
    asked: list[str] | None = None
    for _ in range(MAX_TRIES):
        net = draw_network(spec, st, rng)
        shape = _SHAPES.get(st)
        if shape is None:
            shape = _SHAPES.setdefault(st, build_graph(net))
        graph = shape.with_network(net)
        values = evaluate(graph, backend="float")
        asked = asked or asked_ids(graph, spec.ask)
        why = degeneracy(graph, values, asked, decimals)
        if why is None:
            return solve(net, decimals, graph)
        reasons[why.split(" in ")[0] if why.startswith("rounding") else why] += 1
    common = reasons.most_common(3)
    top = ", ".join(f"{r} ({n}x)" for r, n in common)
    tiny = common[0][0].endswith("fewer than 2 significant digits")
    fix = f"give more decimals (--decimals {decimals + 1}, or decimals in the spec), " if tiny and decimals < 8 else ""
    raise SpecError(
        f"spec {spec.name}: no sensible variant in {MAX_TRIES} draws (most rejected: {top}); "
        f"{fix}widen the value ranges, or ask fewer quantities"
    )
