"""The problem a student solves: a small fully connected network and one training example."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import functions
from .errors import UserError
from .functions import DEFAULT_LEAKY_SLOPE

ACTIVATIONS = functions.ACTIVATIONS
LOSSES = functions.LOSSES

BIASES = ("none", "shared", "per_neuron")

MAX_INPUTS, MAX_HIDDEN_LAYERS, MAX_WIDTH, MAX_OUTPUTS = 4, 3, 4, 3


class SpecError(UserError):
    """A network, spec or answer key that cannot be used; the message names the problem and fix."""


@dataclass(frozen=True)
class Network:
    """Sizes, conventions and every given value of one problem.

    ``weights[l-1][j][i]`` is the weight from neuron i of layer l-1 to neuron j of layer l
    (0-based positions); ``biases[l-1][j]`` likewise, equal within a layer when shared and
    zero when there are none.
    """

    layers: tuple[int, ...]
    activation: tuple[str, ...]
    loss: str
    bias: str
    learning_rate: float
    inputs: tuple[float, ...]
    targets: tuple[float, ...]
    weights: tuple[tuple[tuple[float, ...], ...], ...]
    biases: tuple[tuple[float, ...], ...]
    leaky_slope: float = DEFAULT_LEAKY_SLOPE  # the slope of leaky_relu below 0

    @property
    def depth(self) -> int:
        """Number of layers with weights (hidden layers + output layer)."""
        return len(self.layers) - 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "layers": list(self.layers),
            "activation": list(self.activation),
            "loss": self.loss,
            "bias": self.bias,
            "learning_rate": self.learning_rate,
            "inputs": list(self.inputs),
            "targets": list(self.targets),
            "weights": [[list(row) for row in m] for m in self.weights],
            "biases": [list(b) for b in self.biases],
        } | ({"leaky_slope": self.leaky_slope} if "leaky_relu" in self.activation else {})

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Network:
        try:
            layers = tuple(int(n) for n in d["layers"])
            act = d.get("activation", "sigmoid")
            activation = (act,) * (len(layers) - 1) if isinstance(act, str) else tuple(act)
            bias = str(d.get("bias", "none"))
            raw_b = d.get("biases")
            if raw_b is None:
                raw_b = [[0.0] * n for n in layers[1:]]
            net = cls(
                layers=layers,
                activation=tuple(str(a) for a in activation),
                loss=str(d.get("loss", "half_sse")),
                bias=bias,
                learning_rate=float(d["learning_rate"]),
                inputs=tuple(float(x) for x in d["inputs"]),
                targets=tuple(float(y) for y in d["targets"]),
                weights=tuple(tuple(tuple(float(w) for w in row) for row in m) for m in d["weights"]),
                biases=tuple(_expand_bias(b, n) for b, n in zip(raw_b, layers[1:], strict=False)),
                leaky_slope=float(d.get("leaky_slope", DEFAULT_LEAKY_SLOPE)),
            )
        except KeyError as e:
            raise SpecError(f"network is missing {e.args[0]!r}; add it to the spec") from None
        except (TypeError, ValueError) as e:
            raise SpecError(f"network has a value that is not a number or list ({e})") from None
        net.validate()
        return net

    def validate(self) -> None:
        """Raise SpecError naming the first inconsistency."""
        L = self.layers
        if len(L) < 2:
            raise SpecError("layers needs at least an input and an output size, e.g. [2, 2, 1]")
        if not 1 <= L[0] <= MAX_INPUTS:
            raise SpecError(f"{L[0]} inputs: use 1 to {MAX_INPUTS}")
        if not 1 <= L[-1] <= MAX_OUTPUTS:
            raise SpecError(f"{L[-1]} outputs: use 1 to {MAX_OUTPUTS}")
        if len(L) - 2 > MAX_HIDDEN_LAYERS:
            raise SpecError(f"{len(L) - 2} hidden layers: use at most {MAX_HIDDEN_LAYERS}")
        if any(not 1 <= n <= MAX_WIDTH for n in L[1:-1]):
            raise SpecError(f"hidden layer sizes {list(L[1:-1])}: use 1 to {MAX_WIDTH} neurons")
        if len(self.activation) != self.depth:
            raise SpecError(
                f"activation lists {len(self.activation)} layers but the network has "
                f"{self.depth} layers with weights; give one per hidden and output layer"
            )
        for a in self.activation:
            if a not in ACTIVATIONS:
                raise SpecError(f"unknown activation {a!r}; use one of {', '.join(ACTIVATIONS)}")
        if self.loss not in LOSSES:
            raise SpecError(f"unknown loss {self.loss!r}; use one of {', '.join(LOSSES)}")
        if self.bias not in BIASES:
            raise SpecError(f"unknown bias convention {self.bias!r}; use one of {', '.join(BIASES)}")
        if len(self.targets) == L[-1]:
            why = functions.structure_error(self.activation, self.loss, self.targets)
            if why:
                raise SpecError(why)
        if not 0 < self.leaky_slope < 1:
            raise SpecError(f"leaky_slope {self.leaky_slope}: use a slope between 0 and 1, e.g. 0.01")
        if len(self.inputs) != L[0]:
            raise SpecError(f"{len(self.inputs)} inputs given for an input layer of {L[0]}")
        if len(self.targets) != L[-1]:
            raise SpecError(f"{len(self.targets)} targets given for {L[-1]} outputs")
        if len(self.weights) != self.depth or len(self.biases) != self.depth:
            raise SpecError(f"weights and biases need one entry per layer with weights ({self.depth})")
        for l in range(1, len(L)):
            m = self.weights[l - 1]
            if len(m) != L[l] or any(len(row) != L[l - 1] for row in m):
                raise SpecError(
                    f"weights[{l - 1}] must be {L[l]} rows (one per neuron of layer {l}) "
                    f"of {L[l - 1]} values (one per neuron of layer {l - 1})"
                )
            b = self.biases[l - 1]
            if len(b) != L[l]:
                raise SpecError(f"biases[{l - 1}] needs {L[l]} values")
            if self.bias == "none" and any(v != 0 for v in b):
                raise SpecError("bias is 'none' but non-zero biases are given; drop them or set bias")
            if self.bias == "shared" and len(set(b)) > 1:
                raise SpecError(f"bias is 'shared' but biases[{l - 1}] differ; give one value per layer")
        if not self.learning_rate > 0:
            raise SpecError("learning_rate must be positive")


def _expand_bias(b: Any, n: int) -> tuple[float, ...]:
    """A shared bias may be written as one number per layer."""
    if isinstance(b, int | float):
        return (float(b),) * n
    return tuple(float(v) for v in b)


def neuron_name(layers: tuple[int, ...], layer: int, neuron: int) -> str:
    """Name of a neuron (1-based) as printed: x1 (inputs), h1 (hidden), h2_1 (deep), o1 (outputs)."""
    if layer == 0:
        return f"x{neuron}"
    if layer == len(layers) - 1:
        return f"o{neuron}"
    if len(layers) == 3:
        return f"h{neuron}"
    return f"h{layer}_{neuron}"


def bias_name(layers: tuple[int, ...], layer: int, neuron: int | None) -> str:
    """A shared bias is named by its layer (b1, b2 as in most textbooks), a per-neuron bias by its neuron."""
    if neuron is None:
        return f"b{layer}"
    return f"b_{neuron_name(layers, layer, neuron)}"
