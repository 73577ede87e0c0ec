"""Hypothesis strategies: random networks of every supported kind."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from generator.network import ACTIVATIONS, BIASES, LOSSES


def _values(draw: Any, n: int, lo: float, hi: float) -> list[float]:
    # Two-decimal values, as the randomizer draws; keeps sigmoids away from saturation.
    return [draw(st.integers(int(lo * 100), int(hi * 100))) / 100 for _ in range(n)]


@st.composite
def network_dicts(draw: Any, loss: str | None = None, bias: str | None = None) -> dict[str, Any]:
    n_in = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    n_out = draw(st.integers(1, 3))
    layers = [n_in, *hidden, n_out]
    loss = loss or draw(st.sampled_from(LOSSES))
    acts = [draw(st.sampled_from(ACTIVATIONS)) for _ in range(len(layers) - 1)]
    if loss == "bce":
        acts[-1] = "sigmoid"
    bias = bias or draw(st.sampled_from(BIASES))
    weights = [[_values(draw, layers[l - 1], -1, 1) for _ in range(layers[l])] for l in range(1, len(layers))]
    if bias == "none":
        biases = [[0.0] * n for n in layers[1:]]
    elif bias == "shared":
        biases = [[_values(draw, 1, -0.5, 0.5)[0]] * n for n in layers[1:]]
    else:
        biases = [_values(draw, n, -0.5, 0.5) for n in layers[1:]]
    targets = (
        [draw(st.sampled_from([0.0, 0.01, 0.99, 1.0])) for _ in range(n_out)]
        if loss == "bce"
        else _values(draw, n_out, -1, 1)
    )
    return {
        "layers": layers,
        "activation": acts,
        "loss": loss,
        "bias": bias,
        "learning_rate": draw(st.sampled_from([0.1, 0.25, 0.5, 1.0])),
        "inputs": _values(draw, n_in, -1, 1),
        "targets": targets,
        "weights": weights,
        "biases": biases,
    }
