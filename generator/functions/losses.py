"""The losses: each one object (see generator/functions/__init__.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .base import Loss, Num, Rnd, Show, Terms


def _sq_value(scale: Callable[[int, Any], Num], flip: bool = False) -> Callable[..., Num]:
    def value(a: Sequence[Num], y: Sequence[Num], M: Any, rnd: Rnd) -> Num:
        sq = M.zero
        for ak, yk in zip(a, y, strict=True):
            d = yk - ak if flip else ak - yk
            sq += rnd(d * d)
        return sq * scale(len(a), M)

    return value


def _sq_formula(pre: Callable[[int], str], flip: bool) -> Callable[[Show, Sequence[str], Sequence[str]], Terms]:
    def terms(s: Show, outs: Sequence[str], ys: Sequence[str]) -> Terms:
        n = len(outs)
        out = []
        for show in (s.sym, s.num):
            parts = [f"({show(y)} − {show(a)})^{{2}}" if flip else f"({show(a)} − {show(y)})^{{2}}"
                     for a, y in zip(outs, ys, strict=True)]  # fmt: skip
            body = " + ".join(parts)
            p = pre(n)
            out.append(f"{p}[{body}]" if p and n > 1 else f"{p}{body}")
        return [out[0]], [out[1]]

    return terms


def _loss_factors(n: int, mean: bool = False) -> tuple[float, ...]:
    """The 2 of the square, the ½ in front, the 1/n of a mean."""
    raw = [2.0, 0.5] + ([float(n), n / 2, 1 / n] if mean else [])
    return tuple(f for f in dict.fromkeys(raw) if f != 1.0)


HALF_SSE = Loss(
    name="half_sse",
    words=lambda n: "L = ½ Σ (a_o − y)², so ∂L/∂a_o = a_o − y",
    value=_sq_value(lambda n, M: M.half),
    rounds_per_output=1,
    term=lambda x, y, n: (x - y) ** 2 / 2,
    derivative=lambda a, y, n, M: a - y,
    formula=_sq_formula(lambda n: "\\frac{1}{2}", flip=False),
    derivative_formula=lambda s, a, y, n: ([f"{s.sym(a)} − {s.sym(y)}"], [f"{s.num(a)} − {s.num(y)}"]),
    factors=_loss_factors,
    mistakes=frozenset({"loss_factor", "sign_error"}),
)

SSE = Loss(
    name="sse",
    words=lambda n: "L = Σ (y − a_o)², so ∂L/∂a_o = −2 (y − a_o)",
    value=_sq_value(lambda n, M: M.one, flip=True),
    rounds_per_output=1,
    term=lambda x, y, n: (y - x) ** 2,
    derivative=lambda a, y, n, M: -M.two * (y - a),
    formula=_sq_formula(lambda n: "", flip=True),
    derivative_formula=lambda s, a, y, n: ([f"−2({s.sym(y)} − {s.sym(a)})"], [f"−2({s.num(y)} − {s.num(a)})"]),
    factors=_loss_factors,
    mistakes=frozenset({"loss_factor", "sign_error"}),
)

MSE = Loss(
    name="mse",
    words=lambda n: f"L = (1/{n}) Σ (a_o − y)² (mean over the outputs), so ∂L/∂a_o = (2/{n}) (a_o − y)",
    value=_sq_value(lambda n, M: M.one / M.const(n)),
    rounds_per_output=1,
    term=lambda x, y, n: (x - y) ** 2 / n,
    derivative=lambda a, y, n, M: M.two * (a - y) / M.const(n),
    formula=_sq_formula(lambda n: f"\\frac{{1}}{{{n}}}", flip=False),
    derivative_formula=lambda s, a, y, n: (
        [f"\\frac{{2}}{{{n}}}({s.sym(a)} − {s.sym(y)})"],
        [f"\\frac{{2}}{{{n}}}({s.num(a)} − {s.num(y)})"],
    ),
    factors=lambda n: _loss_factors(n, mean=True),
    mistakes=frozenset({"loss_factor", "sign_error"}),
)


def _bce(a: Sequence[Num], y: Sequence[Num], M: Any, rnd: Rnd) -> Num:
    total = M.zero
    for ak, yk in zip(a, y, strict=True):
        if yk != 0:
            total -= yk * rnd(M.ln(ak))
        if yk != 1:
            total -= (M.one - yk) * rnd(M.ln(M.one - ak))
    return total


def _ln(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


def _bce_term(x: float, y: float, n: int) -> float:
    return -(y * _ln(x) if y != 0 else 0.0) - ((1 - y) * _ln(1 - x) if y != 1 else 0.0)


def _bce_formula(s: Show, outs: Sequence[str], ys: Sequence[str]) -> Terms:
    out = []
    for show in (s.sym, s.num):
        terms = [f"{show(y)} ln {show(a)} + (1 − {show(y)}) ln(1 − {show(a)})" for a, y in zip(outs, ys, strict=True)]
        out.append("−" + " − ".join(f"[{t}]" for t in terms))
    return [out[0]], [out[1]]


def _unit_targets(ys: Sequence[float]) -> str | None:
    return None if all(0 <= y <= 1 for y in ys) else "loss 'bce' needs targets between 0 and 1"


BCE = Loss(
    name="bce",
    words=lambda n: (
        "L = −Σ [y ln a_o + (1 − y) ln(1 − a_o)] (binary cross-entropy with sigmoid outputs), so δ_o = a_o − y"
    ),
    value=_bce,
    rounds_per_output=2,
    term=_bce_term,
    derivative=None,
    formula=_bce_formula,
    derivative_formula=None,
    output="sigmoid",
    targets=_unit_targets,
    mistakes=frozenset({"extra_activation_derivative", "sign_error"}),
)


def _cce(a: Sequence[Num], y: Sequence[Num], M: Any, rnd: Rnd) -> Num:
    total = M.zero
    for ak, yk in zip(a, y, strict=True):
        if yk != 0:
            total -= yk * rnd(M.ln(ak))
    return total


def _cce_formula(s: Show, outs: Sequence[str], ys: Sequence[str]) -> Terms:
    pairs = list(zip(outs, ys, strict=True))
    sym = " + ".join(f"{s.sym(y)} ln {s.sym(a)}" for a, y in pairs)
    # the numbers: only the terms whose target is not 0 (the others vanish)
    live = [(a, y) for a, y in pairs if s.dec(y) != 0] or pairs[:1]
    nums = " + ".join(f"{s.num(y)} ln {s.num(a)}" if s.dec(y) != 1 else f"ln {s.num(a)}" for a, y in live)
    return [f"−({sym})"], [f"−({nums})" if len(live) > 1 or s.dec(live[0][1]) != 1 else f"−{nums}"]


def _distribution(ys: Sequence[float]) -> str | None:
    if any(not 0 <= y <= 1 for y in ys) or abs(sum(ys) - 1) > 1e-9:
        return "loss 'cce' needs targets between 0 and 1 that sum to 1 (one-hot: one 1, the rest 0)"
    return None


CCE = Loss(
    name="cce",
    words=lambda n: "L = −Σ y_k ln a_k (categorical cross-entropy with softmax outputs), so δ_k = a_k − y_k",
    value=_cce,
    rounds_per_output=1,
    term=lambda x, y, n: -y * _ln(x) if y != 0 else 0.0,
    derivative=None,
    formula=_cce_formula,
    derivative_formula=None,
    output="softmax",
    targets=_distribution,
    one_hot=True,
    mistakes=frozenset({"extra_activation_derivative", "sign_error"}),
)
