"""The operations of the graph, each as a point rule and as an interval rule.

Point rules are generic over Decimal (answer keys: exact and hand-rounded) and float
(grading, where speed matters and 1e-16 is far below any tolerance). ``rnd`` is applied to
each intermediate a student may round inside one step (each product of a sum, e^-z,
eta x gradient); ``ROUNDINGS`` counts them, so the interval rule can allow for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

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


def activate(fn: str, z: Num, M: Any, rnd: Rnd) -> Num:
    if fn == "sigmoid":
        return M.one / (M.one + rnd(M.exp(-z)))
    if fn == "tanh":
        e = M.exp(M.two * z)
        return (e - M.one) / (e + M.one)
    if fn == "relu":
        return z if z > 0 else M.zero
    return z


def dact(fn: str, v: Sequence[Num], M: Any, rnd: Rnd) -> Num:
    if fn == "sigmoid":
        return v[0] * (M.one - v[0])
    if fn == "tanh":
        return M.one - rnd(v[0] * v[0])
    if fn == "relu":
        return M.one if v[0] > 0 else M.zero
    return M.one


def loss_value(fn: str, a: Sequence[Num], y: Sequence[Num], M: Any, rnd: Rnd) -> Num:
    n = len(a)
    if fn == "bce":
        total = M.zero
        for ak, yk in zip(a, y, strict=True):
            if yk != 0:
                total -= yk * rnd(M.ln(ak))
            if yk != 1:
                total -= (M.one - yk) * rnd(M.ln(M.one - ak))
        return total
    sq = M.zero
    for ak, yk in zip(a, y, strict=True):
        sq += rnd((ak - yk) * (ak - yk))
    if fn == "half_sse":
        return sq / M.two
    if fn == "mse":
        return sq / M.const(n)
    return sq


def dloss(fn: str, a: Num, y: Num, n_out: int, M: Any) -> Num:
    if fn == "half_sse":
        return a - y
    if fn == "sse":
        return -M.two * (y - a)
    if fn == "mse":
        return M.two * (a - y) / M.const(n_out)
    return (a - y) / (a * (M.one - a))  # bce without the sigmoid shortcut; not in the graph


def point(node: Node, v: Sequence[Num], M: Any, rnd: Rnd, n_out: int) -> Num:
    """Value of ``node`` from its input values ``v`` (in the order of node.inputs)."""
    op = node.op
    if op == "affine":
        n = len(v) // 2
        acc = M.zero
        for w, a in zip(v[:n], v[n : 2 * n], strict=True):
            acc += rnd(w * a)
        return acc + v[2 * n] if len(v) % 2 else acc
    if op == "act":
        return activate(node.fn, v[0], M, rnd)
    if op == "loss":
        half = len(v) // 2
        return loss_value(node.fn, v[:half], v[half:], M, rnd)
    if op == "dloss":
        return dloss(node.fn, v[0], v[1], n_out, M)
    if op == "dact":
        return dact(node.fn, v, M, rnd)
    if op == "mul":
        return v[0] * v[1]
    if op == "bce_delta":
        return v[0] - v[1]
    if op == "backsum":
        n = len(v) // 2
        acc = M.zero
        for w, d in zip(v[:n], v[n:], strict=True):
            acc += rnd(w * d)
        return acc
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
    """How many intermediates inside this one step a student may round (each moves the result <= 1/2 unit)."""
    k = len(node.inputs)
    if node.op in ("affine", "backsum"):
        return k // 2
    if node.op == "act":
        return 1 if node.fn == "sigmoid" else 0
    if node.op == "dact":
        return 1 if node.fn == "tanh" else 0
    if node.op == "loss":
        return k if node.fn == "bce" else k // 2
    if node.op == "update":
        return 1
    return 0


# Interval rules. Each is exact for the op as a function of independent inputs (no
# dependency over-estimate within one op), using monotonicity or the single interior extremum.


def imul(p: Interval, q: Interval) -> Interval:
    c = (p[0] * q[0], p[0] * q[1], p[1] * q[0], p[1] * q[1])
    return min(c), max(c)


def _range(f: Callable[[float], float], iv: Interval, crit: Sequence[float] = ()) -> Interval:
    pts = [iv[0], iv[1], *[c for c in crit if iv[0] < c < iv[1]]]
    vals = [f(p) for p in pts]
    return min(vals), max(vals)


def _fm(x: float) -> float:
    return x


def _sum(ivs: Sequence[Interval]) -> Interval:
    return sum(i[0] for i in ivs), sum(i[1] for i in ivs)


def interval(node: Node, v: Sequence[Interval], n_out: int) -> Interval:
    """Range of ``node`` over all inputs in the boxes ``v`` (no rounding allowance)."""
    op, fn = node.op, node.fn
    M = FloatMath
    if op in ("affine", "backsum"):
        n = len(v) // 2
        lo, hi = _sum([imul(v[i], v[n + i]) for i in range(n)])
        if op == "affine" and len(v) % 2:
            lo, hi = lo + v[-1][0], hi + v[-1][1]
        return lo, hi
    if op == "act":
        return _range(lambda z: activate(fn, z, M, _fm), v[0])
    if op == "loss":
        half = len(v) // 2
        terms = []
        for a, y in zip(v[:half], v[half:], strict=True):
            yk = (y[0] + y[1]) / 2  # targets are given, so points

            def term(x: float, yk: float = yk) -> float:
                return float(loss_value(fn, [x], [yk], M, _fm))

            terms.append(_range(term, a, (yk,)))
        lo, hi = _sum(terms)
        # loss_value already divides one term by 2 (half_sse) but mse divides by len(a)=1 here.
        if fn == "mse":
            lo, hi = lo / half, hi / half
        return lo, hi
    if op == "dloss":
        y_point = v[1][0]
        return _range(lambda a: float(dloss(fn, a, y_point, n_out, M)), v[0])
    if op == "dact":
        if fn == "sigmoid":
            return _range(lambda a: a * (1 - a), v[0], (0.5,))
        if fn == "tanh":
            return _range(lambda a: 1 - a * a, v[0], (0.0,))
        if fn == "relu":
            return _range(lambda z: 1.0 if z > 0 else 0.0, v[0], (0.0, 1e-300))
        return 1.0, 1.0
    if op == "mul":
        return imul(v[0], v[1])
    if op == "bce_delta":
        return v[0][0] - v[1][1], v[0][1] - v[1][0]
    if op == "sum":
        return _sum(v)
    if op == "copy":
        return v[0]
    if op == "update":
        lo, hi = imul(v[1], v[2])
        return v[0][0] - hi, v[0][1] - lo
    raise ValueError(f"unknown op {op}")


def n_outputs(graph: Graph) -> int:
    return graph.network.layers[-1]
