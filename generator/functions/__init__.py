"""Every activation and every loss, each as ONE object: the only place that knows about it.

An object holds its point rule (generic over Decimal and float: the backends ``M`` of ops),
its derivative and which node the derivative is written from (a or z), how many
intermediates a student may round inside its step (``rnd`` is called exactly that often by
the point rule; the interval rule allows for them), its interval rule, when a draw is
degenerate, its printed formulas (the TeX subset of ``mathtext``, which prints it as HTML or
plain text), its words, and the typical mistakes of ``grading.mistakes`` that apply to it.
Everything else looks them up with ``activation(name)`` / ``loss(name)``; an unknown name
raises at once.

To add an activation or a loss: one object in activations.py or losses.py, its entry in the
registry below, its tests (tests/test_functions.py and the numpy reference in tests/reference.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from .activations import LEAKY_RELU, LINEAR, RELU, SIGMOID, SOFTMAX, TANH
from .base import Activation, Interval, Loss, Num, Rnd, Show, Terms, UnknownFunction, value_range
from .losses import BCE, CCE, HALF_SSE, MSE, SSE

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


__all__ = [
    "ACTIVATIONS", "BCE", "CCE", "DEFAULT_LEAKY_SLOPE", "HALF_SSE", "LEAKY_RELU", "LINEAR", "LOSSES", "MSE", "RELU",
    "SIGMOID", "SOFTMAX", "SSE", "TANH", "Activation", "Interval", "Loss", "Num", "Rnd", "Show", "Terms",
    "UnknownFunction", "activation", "loss", "structure_error", "value_range",
]  # fmt: skip
