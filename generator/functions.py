"""Every activation and every loss, each as ONE object: the only place that knows about it.

An object holds its point rule (generic over Decimal and float: the backends ``M`` of ops),
its derivative and which node the derivative is written from (a or z), how many
intermediates a student may round inside its step (``rnd`` is called exactly that often by
the point rule; the interval rule allows for them), its interval rule, when a draw is
degenerate, its printed formulas (the TeX subset of ``mathtext``, which prints it as HTML or
plain text), its words, and the typical mistakes of ``grading.mistakes`` that apply to it.
Everything else looks them up with ``activation(name)`` / ``loss(name)``; an unknown name
raises at once.

To add an activation or a loss: one object here, its entry in the registry, its tests
(tests/test_functions.py and the numpy reference in tests/reference.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from .numbers import minus

Num = Any  # Decimal or float; the rules only use + - * / and the backend's exp/ln
Rnd = Callable[[Num], Num]
Interval = tuple[float, float]


class UnknownFunction(ValueError):
    """An activation or loss name that is not in the registry."""


class Show(Protocol):
    """What a printed formula needs of the step writer (steps.StepWriter)."""

    def sym(self, node_id: str) -> str: ...  # the quantity as written on paper (TeX subset)
    def num(self, node_id: str) -> str: ...  # its value as printed, a negative in parentheses
    def arg(self, node_id: str) -> str: ...  # its value standing alone (no parentheses)
    def dec(self, node_id: str) -> Decimal: ...  # its value as printed, as a Decimal
    def fmt(self, x: Any) -> str: ...  # a value rounded as the key prints it, Unicode minus


Terms = tuple[list[str], list[str]]  # the formula's terms, the same terms with numbers


def value_range(f: Callable[[float], float], iv: Interval, crit: Sequence[float] = ()) -> Interval:
    """Range of a function monotone between ``crit`` points over ``iv``."""
    pts = [iv[0], iv[1], *[c for c in crit if iv[0] < c < iv[1]]]
    vals = [f(p) for p in pts]
    return min(vals), max(vals)


# --- activations --------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    name: str
    symbol: str  # in formulas: σ(z), ReLU′(z)
    words: str  # the conventions line of worksheets, keys and the terminal
    caption: str  # the diagram's layer caption
    reads: str  # the node its derivative is written from: "a", "z", or "" (δ comes from the loss)
    # (z of the whole layer, k: this neuron's position, M, rnd, param) -> a_k
    value: Callable[[Sequence[Num], int, Any, Rnd, float], Num]
    # (the read node's value, M, rnd, param) -> f'
    derivative: Callable[[Num, Any, Rnd, float], Num]
    rounds: int  # inner roundings of a: per z read (sigmoid's e^-z, softmax's e^z_j)
    derivative_rounds: int  # inner roundings of f' (tanh's a^2)
    # (z intervals of the layer, k, param, half unit) -> range of a, inner roundings included
    range: Callable[[Sequence[Interval], int, float, float], Interval]
    derivative_range: Callable[[Interval, float], Interval]  # no inner rounding (added by the caller)
    degenerate: Callable[[float, float, float], str | None]  # (z, a, param) -> why, or None
    formula: Callable[[Show, tuple[str, ...], int, float], Terms]  # (show, z ids, k, param)
    derivative_formula: Callable[[Show, str, float], Terms]  # (show, read node id, param)
    derivative_note: str = ""  # an aside printed beside the derivative step
    by_rule: bool = False  # f' is a constant by rule (0, 1, the slope): no 2-digit check
    layerwise: bool = False  # a_k reads every z of its layer (softmax)
    output_only: bool = False
    needs_loss: str = ""  # the only loss it pairs with ("cce" for softmax)
    param: str = ""  # the Network field holding its parameter ("leaky_slope")
    mistakes: frozenset[str] = frozenset()  # codes of grading.mistakes rules that apply


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
        return [f"1 if {s.sym(z)} > 0, else {low}"], [f"{1 if pos else low}, since {s.sym(z)} is {s.arg(z)} {rel} 0"]

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
    derivative=lambda v, M, rnd, p: M.one,  # never in the graph: with cce, δ = a − y
    rounds=1,
    derivative_rounds=0,
    range=_softmax_range,
    derivative_range=lambda iv, p: (1.0, 1.0),
    degenerate=_sat(*SOFTMAX_RANGE, "saturated softmax"),
    formula=_softmax_formula,
    derivative_formula=lambda s, v, p: ([], []),
    layerwise=True,
    output_only=True,
    needs_loss="cce",
    mistakes=frozenset(),
)


# --- losses -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loss:
    name: str
    words: Callable[[int], str]  # the conventions line for n outputs (plain Unicode text)
    # (outputs, targets, M, rnd) -> L; rnd called ``rounds_per_output`` times per output at most
    value: Callable[[Sequence[Num], Sequence[Num], Any, Rnd], Num]
    rounds_per_output: int
    # one output's share of L as a float function of the output (target and n fixed), for ranges
    term: Callable[[float, float, int], float]
    # ∂L/∂a_k (a, y, n, M), or None: then the loss pairs with ``output`` and δ = a − y
    derivative: Callable[[Num, Num, int, Any], Num] | None
    formula: Callable[[Show, Sequence[str], Sequence[str]], Terms]  # (show, outputs, targets)
    derivative_formula: Callable[[Show, str, str, int], Terms] | None
    output: str = ""  # the output activation it needs ("" = any that needs no particular loss)
    targets: Callable[[Sequence[float]], str | None] = lambda ys: None  # why the targets do not fit
    factors: Callable[[int], tuple[float, ...]] = lambda n: ()  # factors a student may be off by
    one_hot: bool = False  # the randomizer draws a class (one target 1, the others 0), not each target
    mistakes: frozenset[str] = frozenset()


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


# --- the registry ---------------------------------------------------------------------------

_ACTIVATIONS = {f.name: f for f in (SIGMOID, TANH, RELU, LEAKY_RELU, LINEAR, SOFTMAX)}
_LOSSES = {f.name: f for f in (HALF_SSE, SSE, MSE, BCE, CCE)}
ACTIVATIONS = tuple(_ACTIVATIONS)
LOSSES = tuple(_LOSSES)
DEFAULT_LEAKY_SLOPE = 0.01


def activation(name: str) -> Activation:
    try:
        return _ACTIVATIONS[name]
    except KeyError:
        raise UnknownFunction(f"unknown activation {name!r}; use one of {', '.join(ACTIVATIONS)}") from None


def loss(name: str) -> Loss:
    try:
        return _LOSSES[name]
    except KeyError:
        raise UnknownFunction(f"unknown loss {name!r}; use one of {', '.join(LOSSES)}") from None


def structure_error(activations: Sequence[str], loss_name: str, targets: Sequence[float]) -> str | None:
    """Why these activations, loss and targets do not go together (one line), or None."""
    for a in activations:
        activation(a)
    lf = loss(loss_name)
    for i, a in enumerate(activations):
        f = activation(a)
        if f.output_only and i != len(activations) - 1:
            return f"{a} is only for the output layer; use another activation in layer {i + 1}"
        if f.needs_loss and i == len(activations) - 1 and loss_name != f.needs_loss:
            return f"{a} outputs need loss {f.needs_loss!r}; set loss = {f.needs_loss!r}"
    out = activations[-1]
    if activation(out).layerwise and len(targets) < 2:
        return f"{out} needs at least 2 outputs; use 2 or 3 outputs"
    if lf.output and out != lf.output:
        return f"loss {loss_name!r} needs {lf.output} outputs; set the output activation to {lf.output}"
    return lf.targets(targets)
