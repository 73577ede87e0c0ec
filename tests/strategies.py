"""Hypothesis strategies: random networks of every supported kind."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import strategies as st

from generator.network import BIASES, LOSSES

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"


def examples(n: int) -> int:
    """A property test's example count: ``n`` everyday and in CI, ten times that when thorough."""
    return n * 10 if THOROUGH else n


# Every activation of the registry but softmax, which only an output layer with loss cce takes.
ELEMENTWISE = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")


def _values(draw: Any, n: int, lo: float, hi: float) -> list[float]:
    # Two-decimal values, as the randomizer draws; keeps sigmoids away from saturation.
    return [draw(st.integers(int(lo * 100), int(hi * 100))) / 100 for _ in range(n)]


@st.composite
def network_dicts(
    draw: Any, loss: str | None = None, bias: str | None = None, hidden_act: str | None = None
) -> dict[str, Any]:
    n_in = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    loss = loss or draw(st.sampled_from(LOSSES))
    n_out = draw(st.integers(2 if loss == "cce" else 1, 3))
    layers = [n_in, *hidden, n_out]
    acts = [hidden_act or draw(st.sampled_from(ELEMENTWISE)) for _ in range(len(layers) - 2)]
    acts.append(draw(st.sampled_from(ELEMENTWISE)))
    if loss == "bce":
        acts[-1] = "sigmoid"
    if loss == "cce":
        acts[-1] = "softmax"
    bias = bias or draw(st.sampled_from(BIASES))
    weights = [[_values(draw, layers[l - 1], -1, 1) for _ in range(layers[l])] for l in range(1, len(layers))]
    if bias == "none":
        biases = [[0.0] * n for n in layers[1:]]
    elif bias == "shared":
        biases = [[_values(draw, 1, -0.5, 0.5)[0]] * n for n in layers[1:]]
    else:
        biases = [_values(draw, n, -0.5, 0.5) for n in layers[1:]]
    if loss == "bce":
        targets = [draw(st.sampled_from([0.0, 0.01, 0.99, 1.0])) for _ in range(n_out)]
    elif loss == "cce":  # one-hot, or a soft distribution in tenths
        hot = draw(st.integers(0, n_out - 1))
        targets = [1.0 if k == hot else 0.0 for k in range(n_out)]
        if draw(st.booleans()):
            cuts = sorted(draw(st.lists(st.integers(0, 10), min_size=n_out - 1, max_size=n_out - 1)))
            edges = [0, *cuts, 10]
            targets = [(edges[k + 1] - edges[k]) / 10 for k in range(n_out)]
    else:
        targets = _values(draw, n_out, -1, 1)
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
        "leaky_slope": draw(st.sampled_from([0.01, 0.05, 0.1, 0.2])),
    }
