"""The activations: each one object (see generator/functions/__init__.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from ..numbers import minus
from .base import Activation, Interval, Num, Rnd, Show, Terms, value_range


def _elementwise(f: Callable[[Num, Any, Rnd, float], Num]) -> Callable[[Sequence[Num], int, Any, Rnd, float], Num]:
    def value(zs: Sequence[Num], k: int, M: Any, rnd: Rnd, p: float) -> Num:
        return f(zs[k], M, rnd, p)

    return value


def _elementwise_range(
    f: Callable[[float, float], float], rounds: int = 0
) -> Callable[[Sequence[Interval], int, float, float], Interval]:
    """Monotone f; each inner rounding moves the result by at most half a unit (|df/d(rounded)| <= 1)."""

    def rng(ivs: Sequence[Interval], k: int, p: float, half: float) -> Interval:
        lo, hi = value_range(lambda z: f(z, p), ivs[k])
        return lo - half * rounds, hi + half * rounds

    return rng


def _sigmoid(z: Num, M: Any, rnd: Rnd, p: float) -> Num:
    return M.one / (M.one + rnd(M.exp(-z)))


def _sigmoid_f(z: float, p: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def _sigmoid_formula(s: Show, zs: tuple[str, ...], k: int, p: float) -> Terms:
    z = zs[k]
    zv = s.dec(z)
    # e^(−z) written with the sign resolved: e^−0.3775, or e^0.5450 for z = −0.5450
    power = s.fmt(-zv)
    return (
        [f"σ({s.sym(z)})", f"\\frac{{1}}{{1 + e^{{−{s.sym(z)}}}}}"],
        [f"\\frac{{1}}{{1 + e^{{{power}}}}}", f"\\frac{{1}}{{1 + {s.fmt((-zv).exp())}}}"],
    )


def _tanh(z: Num, M: Any, rnd: Rnd, p: float) -> Num:
    if abs(z) > 50:  # e^(2z) would overflow the float backend; tanh is ±1 to 40 digits there
        return M.one if z > 0 else -M.one
    e = M.exp(M.two * z)
    return (e - M.one) / (e + M.one)


def _relu(z: Num, M: Any, rnd: Rnd, p: float) -> Num:
    return z if z > 0 else M.zero


def _leaky(z: Num, M: Any, rnd: Rnd, p: float) -> Num:
    return z if z > 0 else M.const(p) * z


def _linear(z: Num, M: Any, rnd: Rnd, p: float) -> Num:
    return z


def _step_range(iv: Interval, low: float) -> Interval:
    """f' of a ReLU-like function: 1 above 0, ``low`` at and below."""
    vals = ([1.0] if iv[1] > 0 else []) + ([low] if iv[0] <= 0 else [])
    return min(vals), max(vals)


def _sat(lo: float, hi: float, what: str, on: str = "a") -> Callable[[float, float, float], str | None]:
    def degenerate(z: float, a: float, p: float) -> str | None:
        v = a if on == "a" else abs(a)
        return None if lo <= v <= hi else what

    return degenerate


def _kink(what: str) -> Callable[[float, float, float], str | None]:
    def degenerate(z: float, a: float, p: float) -> str | None:
        return what if abs(z) < RELU_MARGIN else None

    return degenerate


def _never(z: float, a: float, p: float) -> str | None:
    return None


SIGMOID_RANGE = (0.05, 0.95)  # outside: saturated, derivatives vanish into a few units
TANH_LIMIT = 0.95
SOFTMAX_RANGE = (0.02, 0.98)
RELU_MARGIN = 0.01  # |z| below this makes "ReLU at 0" ambiguous once rounded


def _relu_like_derivative_formula(name: str) -> Callable[[Show, str, float], Terms]:
    def terms(s: Show, z: str, p: float) -> Terms:
        low = "0" if name == "relu" else s.fmt(p).rstrip("0").rstrip(".")
        pos = s.dec(z) > 0
        rel = ">" if pos else "≤"
        # the case that applies, with its reason in parentheses: "= 1 (as z = 0.0428 > 0) = 1.0000"
        # ("= 1, since z is 0.0428 > 0 = 1.0000" read "0 = 1.0000")
        return [f"1 if {s.sym(z)} > 0, else {low}"], [f"{1 if pos else low} (as {s.sym(z)} = {s.arg(z)} {rel} 0)"]

    return terms


def _slope_text(p: float) -> str:
    return minus(format(Decimal(repr(p)).normalize(), "f"))


SIGMOID = Activation(
    name="sigmoid",
    symbol="σ",
    words="sigmoid",
    caption="σ",
    reads="a",
    value=_elementwise(_sigmoid),
    derivative=lambda a, M, rnd, p: a * (M.one - a),
    rounds=1,
    derivative_rounds=0,
    range=_elementwise_range(_sigmoid_f, rounds=1),
    derivative_range=lambda iv, p: value_range(lambda a: a * (1 - a), iv, (0.5,)),
    degenerate=_sat(*SIGMOID_RANGE, "saturated sigmoid"),
    formula=_sigmoid_formula,
    derivative_formula=lambda s, a, p: (
        [f"{s.sym(a)}(1 − {s.sym(a)})"],
        [f"{s.num(a)}·(1 − {s.num(a)})"],
    ),
    mistakes=frozenset({"derivative_on_z", "sigmoid_exponent_sign"}),
)

TANH = Activation(
    name="tanh",
    symbol="tanh",
    words="tanh",
    caption="tanh",
    reads="a",
    value=_elementwise(_tanh),
    derivative=lambda a, M, rnd, p: M.one - rnd(a * a),
    rounds=0,
    derivative_rounds=1,
    range=_elementwise_range(lambda z, p: math.tanh(z)),
    derivative_range=lambda iv, p: value_range(lambda a: 1 - a * a, iv, (0.0,)),
    degenerate=_sat(-TANH_LIMIT, TANH_LIMIT, "saturated tanh"),
    formula=lambda s, zs, k, p: ([f"tanh({s.sym(zs[k])})"], [f"tanh({s.arg(zs[k])})"]),
    derivative_formula=lambda s, a, p: ([f"1 − {s.sym(a)}^{{2}}"], [f"1 − {s.num(a)}^{{2}}"]),
    mistakes=frozenset({"derivative_on_z"}),
)

RELU = Activation(
    name="relu",
    symbol="ReLU",
    words="ReLU",
    caption="ReLU",
    reads="z",
    value=_elementwise(_relu),
    derivative=lambda z, M, rnd, p: M.one if z > 0 else M.zero,
    rounds=0,
    derivative_rounds=0,
    range=_elementwise_range(lambda z, p: max(z, 0.0)),
    derivative_range=lambda iv, p: _step_range(iv, 0.0),
    degenerate=_kink("ReLU input at 0"),
    formula=lambda s, zs, k, p: ([f"max(0, {s.sym(zs[k])})"], [f"max(0, {s.arg(zs[k])})"]),
    derivative_formula=_relu_like_derivative_formula("relu"),
    by_rule=True,
)

LEAKY_RELU = Activation(
    name="leaky_relu",
    symbol="LReLU",
    words="leaky ReLU",
    caption="leaky ReLU",
    reads="z",
    value=_elementwise(_leaky),
    derivative=lambda z, M, rnd, p: M.one if z > 0 else M.const(p),
    rounds=0,
    derivative_rounds=0,
    range=_elementwise_range(lambda z, p: z if z > 0 else p * z),
    derivative_range=lambda iv, p: _step_range(iv, p),
    degenerate=_kink("leaky ReLU input at 0"),
    formula=lambda s, zs, k, p: (
        [f"max({_slope_text(p)} {s.sym(zs[k])}, {s.sym(zs[k])})"],
        [f"max({_slope_text(p)}·{s.num(zs[k])}, {s.arg(zs[k])})"],
    ),
    derivative_formula=_relu_like_derivative_formula("leaky_relu"),
    by_rule=True,
    param="leaky_slope",
)

LINEAR = Activation(
    name="linear",
    symbol="f",
    words="linear (identity)",
    caption="linear",
    reads="",
    value=_elementwise(_linear),
    derivative=lambda v, M, rnd, p: M.one,
    rounds=0,
    derivative_rounds=0,
    range=_elementwise_range(lambda z, p: z),
    derivative_range=lambda iv, p: (1.0, 1.0),
    degenerate=_never,
    formula=lambda s, zs, k, p: ([s.sym(zs[k])], []),
    derivative_formula=lambda s, v, p: ([], []),
    derivative_note="linear activation",
    by_rule=True,
)


def _softmax(zs: Sequence[Num], k: int, M: Any, rnd: Rnd, p: float) -> Num:
    es = [rnd(M.exp(z)) for z in zs]
    total = M.zero
    for e in es:
        total += e
    return es[k] / total


def _softmax_range(ivs: Sequence[Interval], k: int, p: float, half: float) -> Interval:
    """a_k rises with e^z_k and falls with every other e^z_j; each e^z may be rounded by half a unit."""

    def e(z: float) -> float:
        return math.exp(min(z, 700.0))

    lo_e = [max(0.0, e(lo) - half) for lo, _ in ivs]
    hi_e = [e(hi) + half for _, hi in ivs]
    others_lo = sum(v for j, v in enumerate(lo_e) if j != k)
    others_hi = sum(v for j, v in enumerate(hi_e) if j != k)
    lo_den, hi_den = lo_e[k] + others_hi, hi_e[k] + others_lo
    lo = lo_e[k] / lo_den if lo_den > 0 else 0.0
    hi = hi_e[k] / hi_den if hi_den > 0 else 1.0
    return lo, hi


def _softmax_formula(s: Show, zs: tuple[str, ...], k: int, p: float) -> Terms:
    exps = [s.fmt(s.dec(z).exp()) for z in zs]
    total = s.fmt(sum((Decimal(e.replace("−", "-")) for e in exps), Decimal(0)))
    return (
        [f"\\frac{{e^{{{s.sym(zs[k])}}}}}{{{' + '.join(f'e^{{{s.sym(z)}}}' for z in zs)}}}"],
        [
            f"\\frac{{e^{{{s.arg(zs[k])}}}}}{{{' + '.join(f'e^{{{s.arg(z)}}}' for z in zs)}}}",
            f"\\frac{{{exps[k]}}}{{{' + '.join(exps)}}}",
            f"\\frac{{{exps[k]}}}{{{total}}}",
        ],
    )


SOFTMAX = Activation(
    name="softmax",
    symbol="softmax",
    words="softmax",
    caption="softmax",
    reads="",
    value=_softmax,
    # ∂a_k/∂z_k = a_k(1 − a_k), from a: never in the graph (with cce, δ = a − y), only in the
    # mistake rule that multiplies it in once more
    derivative=lambda a, M, rnd, p: a * (M.one - a),
    rounds=1,
    derivative_rounds=0,
    range=_softmax_range,
    derivative_range=lambda iv, p: value_range(lambda a: a * (1 - a), iv, (0.5,)),
    degenerate=_sat(*SOFTMAX_RANGE, "saturated softmax"),
    formula=_softmax_formula,
    derivative_formula=lambda s, v, p: ([], []),
    layerwise=True,
    output_only=True,
    needs_loss="cce",
    mistakes=frozenset(),
)
