"""The operations of the graph, each as a point rule and as an interval rule.

Point rules are generic over Decimal (answer keys: exact and hand-rounded) and float
(grading, where speed matters and 1e-16 is far below any tolerance). ``rnd`` is applied to
each intermediate a student may round inside one step (each product of a sum, e^-z,
eta x gradient); ``roundings`` counts them, so the interval rule can allow for them. What
depends on the activation or loss is looked up in the ``functions`` registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from . import functions
from .graph import Graph, Node

Num = Any  # Decimal or float; the rules only use + - * / and the backend's exp/ln.
Interval = tuple[float, float]
Rnd = Callable[[Num], Num]


class DecimalMath:
    one, two, half, zero = Decimal(1), Decimal(2), Decimal("0.5"), Decimal(0)

    @staticmethod
    def const(x: float | int) -> Decimal:
        return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)

    @staticmethod
    def exp(x: Decimal) -> Decimal:
        return x.exp()

    @staticmethod
    def ln(x: Decimal) -> Decimal:
        return x.ln()


class FloatMath:
    one, two, half, zero = 1.0, 2.0, 0.5, 0.0

    @staticmethod
    def const(x: float | int) -> float:
        return float(x)

    exp = staticmethod(math.exp)
    ln = staticmethod(math.log)


def point(node: Node, v: Sequence[Num], M: Any, rnd: Rnd, n_out: int) -> Num:
    """Value of ``node`` from its input values ``v`` (in the order of node.inputs: see graph.Node)."""
    op = node.op
    if op in ("affine", "backsum"):
        n = len(node.weights)
        acc = M.zero
        for w, a in zip(v[:n], v[n : 2 * n], strict=True):
            acc += rnd(w * a)
        return acc + v[2 * n] if node.bias else acc
    # every other op has only values and targets (loss, sum) or only args: ``v`` is them
    if op == "act":
        return functions.activation(node.fn).value(v, node.own, M, rnd, node.param)
    if op == "loss":
        n = len(node.values)
        return functions.loss(node.fn).value(v[:n], v[n:], M, rnd)
    if op == "dloss":
        d = functions.loss(node.fn).derivative
        if d is None:
            raise ValueError(f"loss {node.fn} has no separate derivative node")
        return d(v[0], v[1], n_out, M)
    if op == "dact":
        return functions.activation(node.fn).derivative(v[0] if v else M.zero, M, rnd, node.param)
    if op == "mul":
        return v[0] * v[1]
    if op == "xent_delta":
        return v[0] - v[1]
    if op == "sum":
        acc = M.zero
        for d in v:
            acc += d
        return acc
    if op == "copy":
        return v[0]
    if op == "update":
        return v[0] - rnd(v[1] * v[2])
    raise ValueError(f"unknown op {op}")


def roundings(node: Node) -> int:
    """How many intermediates inside this one step a student may round; ``point`` calls ``rnd`` at most that often."""
    op = node.op
    if op in ("affine", "backsum"):
        return len(node.weights)
    if op == "act":
        return functions.activation(node.fn).rounds * len(node.args)
    if op == "dact":
        return functions.activation(node.fn).derivative_rounds
    if op == "loss":
        return functions.loss(node.fn).rounds_per_output * len(node.values)
    if op == "update":
        return 1
    return 0


# Interval rules. Each is exact for the op as a function of independent inputs (no
# dependency over-estimate within one op), using monotonicity or the single interior extremum.


def imul(p: Interval, q: Interval) -> Interval:
    c = (p[0] * q[0], p[0] * q[1], p[1] * q[0], p[1] * q[1])
    return min(c), max(c)


def _sum(ivs: Sequence[Interval]) -> Interval:
    return sum(i[0] for i in ivs), sum(i[1] for i in ivs)


def interval(node: Node, v: Sequence[Interval], n_out: int, half: float = 0.0) -> Interval:
    """Range of ``node`` over all inputs in the boxes ``v``, each inner rounding (``roundings``)
    allowed to move by ``half`` (0: none). Every sensitivity to an inner rounding is at most 1
    except softmax's, whose rule bounds the rounded e^z itself."""
    op, fn = node.op, node.fn
    pad = half * roundings(node)
    if op in ("affine", "backsum"):
        n = len(node.weights)
        lo, hi = _sum([imul(w, a) for w, a in zip(v[:n], v[n : 2 * n], strict=True)])
        if node.bias:
            lo, hi = lo + v[2 * n][0], hi + v[2 * n][1]
        return lo - pad, hi + pad
    # as in ``point``: the other ops have only values and targets, or only args
    args = v
    if op == "act":
        k = node.own
        return functions.activation(fn).range(args, k, node.param, half)
    if op == "loss":
        lf = functions.loss(fn)
        n = len(node.values)
        terms = []
        for a, y in zip(v[:n], v[n:], strict=True):
            yk = (y[0] + y[1]) / 2  # targets are given, so points

            def term(x: float, yk: float = yk) -> float:
                return lf.term(x, yk, n)

            terms.append(functions.value_range(term, a, (yk,)))
        lo, hi = _sum(terms)
        return lo - pad, hi + pad
    if op == "dloss":
        d = functions.loss(fn).derivative
        if d is None:
            raise ValueError(f"loss {fn} has no separate derivative node")
        y_point = args[1][0]
        return functions.value_range(lambda a: float(d(a, y_point, n_out, FloatMath)), args[0])
    if op == "dact":
        f = functions.activation(fn)
        lo, hi = f.derivative_range(args[0] if args else (0.0, 0.0), node.param)
        return lo - pad, hi + pad
    if op == "mul":
        return imul(args[0], args[1])
    if op == "xent_delta":
        return args[0][0] - args[1][1], args[0][1] - args[1][0]
    if op == "sum":
        return _sum(v)
    if op == "copy":
        return args[0][0], args[0][1]
    if op == "update":
        lo, hi = imul(args[1], args[2])
        return args[0][0] - hi - pad, args[0][1] - lo + pad
    raise ValueError(f"unknown op {op}")


def n_outputs(graph: Graph) -> int:
    return graph.network.layers[-1]
