"""The two kinds of registry object, Activation and Loss, and what their rules share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

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
