"""One evaluator over the graph: exact, hand-rounded, with a student's own values, under a wrong rule.

Modes:
- ``exact``: Decimal arithmetic at 40 significant digits, nothing rounded.
- ``quantity``: every node rounded to ``decimals`` before it is used further (a student who
  rounds each value they write down).
- ``fine``: also every product inside a sum, e^-z and eta x gradient rounded (a student who
  writes down and rounds every partial result).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, localcontext
from typing import Any

from . import ops
from .graph import Graph, Node
from .numbers import is_tie, quantize, unit

Mode = str
MODES = ("exact", "quantity", "fine")
# A wrong rule: given a node and its input values, the value a mistaken student computes,
# or None when the rule does not apply to this node.
Override = Callable[[Node, Sequence[Any], Any], Any]

EPS = 1e-9  # float slack on interval ends, far below 0.5e-4 (and any tolerance a key uses)


def evaluate(
    graph: Graph,
    mode: Mode = "exact",
    decimals: int = 4,
    fixed: Mapping[str, Any] | None = None,
    override: Override | None = None,
    backend: str = "decimal",
) -> dict[str, Any]:
    """Value of every node. ``fixed`` replaces nodes by given values (a student's answers)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    M: Any = ops.DecimalMath if backend == "decimal" else ops.FloatMath
    fixed = fixed or {}

    def identity(x: Any) -> Any:
        return x

    if mode == "exact":
        rnd_node = rnd_inner = identity
    else:
        if backend == "decimal":

            def rnd_node(x: Any) -> Any:
                return quantize(x, decimals)

        else:

            def rnd_node(x: Any) -> Any:
                return float(quantize(x, decimals))

        rnd_inner = rnd_node if mode == "fine" else identity

    n_out = ops.n_outputs(graph)
    vals: dict[str, Any] = {}
    with localcontext() as ctx:
        ctx.prec = 40
        for node in graph.nodes:
            if node.id in fixed:
                try:
                    vals[node.id] = M.const(fixed[node.id]) if backend == "float" else _dec(fixed[node.id])
                except NONFINITE_ERRORS:  # an integer too large for a float
                    vals[node.id] = M.const(math.nan) if backend == "float" else Decimal("NaN")
                continue
            if node.given:
                vals[node.id] = M.const(graph.given[node.id])
                continue
            args = [vals[i] for i in node.inputs]
            try:
                v = override(node, args, M) if override else None
                if v is None:
                    v = ops.point(node, args, M, rnd_inner, n_out)
                vals[node.id] = rnd_node(v)
            except NONFINITE_ERRORS:
                vals[node.id] = M.const(math.nan) if backend == "float" else Decimal("NaN")
    return vals


# What arithmetic on arbitrary values (a student's 3650 where 0.3650 belongs, 1e400, a
# 5000-digit integer) may raise: exp overflow, ln of a non-positive number, 0/0. The one
# place that catches it: the value becomes non-finite (NaN), which matches no interval, so
# the grader marks what depends on it wrong.
NONFINITE_ERRORS = (ArithmeticError, ValueError)
NONFINITE: ops.Interval = (math.nan, math.nan)


def _dec(x: Any) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(x) if isinstance(x, int) else Decimal(repr(float(x)))


def accepted_intervals(
    graph: Graph, decimals: int = 4, fixed: Mapping[str, float] | None = None
) -> dict[str, ops.Interval]:
    """For every node, the values an honest student can write down, at any rounding habit.

    Interval arithmetic over the graph: a node's inputs may be anything an honest student
    could have written for them (their own intervals; given values and ``fixed`` values are
    points); the node's range over those inputs is widened by 1/2 unit for each intermediate
    the student may round inside the step (``ops.roundings``; ``ops.interval`` allows for them)
    and by 1/2 unit for rounding the result itself; exact arithmetic rounded at the end lies
    inside too.
    """
    fixed = fixed or {}
    n_out = ops.n_outputs(graph)
    out: dict[str, ops.Interval] = {}
    for node in graph.nodes:
        if node.id in fixed:
            f = float(fixed[node.id])
            out[node.id] = (f, f)
        elif node.given:
            g = graph.given[node.id]
            out[node.id] = (g, g)
        else:
            out[node.id] = node_interval(node, [out[i] for i in node.inputs], n_out, decimals)
    return out


def node_interval(node: Node, ivs: Sequence[ops.Interval], n_out: int, decimals: int) -> ops.Interval:
    """What an honest student writes for ``node`` when its inputs lie in ``ivs`` (see above).

    With point inputs (given values, or a student's own earlier answers) the honest routes
    are enumerated instead of bounded: each subset of the step's inner roundings applied,
    then the result rounded. So z = 0.15 x 0.05 + 0.20 x 0.10 + 0.35 accepts only 0.3775,
    and sigma(0.3775) accepts 0.5933 but not the 0.5932 no rounding habit produces. An
    intermediate exactly halfway (0.0005 at 3 places) may be rounded either way (half up
    or half to even, as calculators and numpy do): both routes are honest.
    Inputs no arithmetic can take (a student's 3650 for z, infinities) give ``NONFINITE``,
    which contains no value: never an exception.
    """
    try:
        lo, hi = _node_interval(node, ivs, n_out, decimals)
    except NONFINITE_ERRORS:
        return NONFINITE
    return (lo, hi) if math.isfinite(lo) and math.isfinite(hi) else NONFINITE


def _node_interval(node: Node, ivs: Sequence[ops.Interval], n_out: int, decimals: int) -> ops.Interval:
    half = unit(decimals) / 2
    k = ops.roundings(node)
    if all(lo == hi for lo, hi in ivs) and k <= MAX_ENUMERATED:
        args = [lo for lo, _ in ivs]
        rounders = [_Rounder(mask, decimals) for mask in range(2**k)]
        routes = [ops.point(node, args, ops.FloatMath, r, n_out) for r in rounders]
        if any(r.tied for r in rounders):  # a student may round an exact tie either way
            evens = [_Rounder(mask, decimals, even=True) for mask in range(2**k)]
            routes += [ops.point(node, args, ops.FloatMath, r, n_out) for r in evens]
        lo, hi = min(routes), max(routes)
        if lo == hi and _on_grid(lo, decimals):
            snapped = float(quantize(lo, decimals))
            return snapped - EPS, snapped + EPS
        return lo - half - EPS, hi + half + EPS
    lo, hi = ops.interval(node, ivs, n_out, half)
    return lo - half - EPS, hi + half + EPS


MAX_ENUMERATED = 6  # 2^6 routes of one step at most; wider steps fall back to the bound


class _Rounder:
    """Rounds the i-th inner intermediate of a step when bit i of ``mask`` is set."""

    def __init__(self, mask: int, decimals: int, even: bool = False) -> None:
        self.mask, self.decimals, self.i, self.even, self.tied = mask, decimals, 0, even, False

    def __call__(self, x: Any) -> Any:
        bit = self.mask >> self.i & 1
        self.i += 1
        if not bit:
            return x
        self.tied = self.tied or is_tie(x, self.decimals)
        return float(quantize(x, self.decimals, self.even))


def _on_grid(x: float, decimals: int) -> bool:
    scaled = x * 10.0**decimals
    return abs(scaled - math.floor(scaled + 0.5)) < 1e-6
