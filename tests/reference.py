"""An independent numpy implementation of one backprop step, in matrix form.

It shares no code with the package: the graph is checked against it, and it is checked
against central finite differences of the loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

F = np.ndarray[Any, np.dtype[np.float64]]


def act(fn: str, z: F, slope: float = 0.01) -> F:
    if fn == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if fn == "tanh":
        return np.tanh(z)
    if fn == "relu":
        return np.maximum(z, 0.0)
    if fn == "leaky_relu":
        return np.where(z > 0, z, slope * z)
    if fn == "softmax":
        e = np.exp(z - z.max())
        return e / e.sum()
    if fn == "linear":
        return z.copy()
    raise ValueError(f"unknown activation {fn!r}")


def act_prime(fn: str, z: F, slope: float = 0.01) -> F:
    """The diagonal derivative; softmax has none that backprop uses (with cce, δ = a − y)."""
    if fn == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-z))
        return s * (1 - s)
    if fn == "tanh":
        return 1 - np.tanh(z) ** 2
    if fn == "relu":
        return (z > 0).astype(float)
    if fn == "leaky_relu":
        return np.where(z > 0, 1.0, slope)
    if fn == "linear":
        return np.ones_like(z)
    if fn == "softmax":
        return np.full_like(z, np.nan)
    raise ValueError(f"unknown activation {fn!r}")


def loss(kind: str, a: F, y: F) -> float:
    if kind == "half_sse":
        return float(0.5 * np.sum((a - y) ** 2))
    if kind == "sse":
        return float(np.sum((y - a) ** 2))
    if kind == "mse":
        return float(np.mean((a - y) ** 2))
    if kind == "bce":
        return float(-np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)))
    if kind == "cce":
        return float(-np.sum(y * np.log(a)))
    raise ValueError(f"unknown loss {kind!r}")


def loss_grad(kind: str, a: F, y: F) -> F:
    if kind == "half_sse":
        return a - y
    if kind == "sse":
        return -2 * (y - a)
    if kind == "mse":
        return 2 * (a - y) / a.size
    if kind == "bce":
        return (a - y) / (a * (1 - a))
    if kind == "cce":
        return -y / a
    raise ValueError(f"unknown loss {kind!r}")


XENT = ("bce", "cce")  # with sigmoid / softmax outputs: δ = a − y


@dataclass
class Result:
    z: list[F]
    a: list[F]  # a[0] = x
    loss: float
    dL_da: list[F]  # per layer 1..L (index l-1)
    dact: list[F]
    delta: list[F]
    grad_W: list[F]
    grad_b: list[F]  # per layer; one value per neuron, or one value (shared)
    new_W: list[F]
    new_b: list[F]


def forward(d: dict[str, Any], W: list[F] | None = None, b: list[F] | None = None) -> tuple[list[F], list[F]]:
    W = W if W is not None else [np.array(m, float) for m in d["weights"]]
    b = b if b is not None else [np.array(v, float) for v in d["biases"]]
    a = [np.array(d["inputs"], float)]
    zs = []
    slope = float(d.get("leaky_slope", 0.01))
    for l, fn in enumerate(d["activation"]):
        z = W[l] @ a[-1] + b[l]
        zs.append(z)
        a.append(act(fn, z, slope))
    return zs, a


def backprop(d: dict[str, Any]) -> Result:
    W = [np.array(m, float) for m in d["weights"]]
    b = [np.array(v, float) for v in d["biases"]]
    y = np.array(d["targets"], float)
    zs, a = forward(d, W, b)
    depth = len(W)
    dL_da: list[F] = [np.zeros(0)] * depth
    dact: list[F] = [np.zeros(0)] * depth
    delta: list[F] = [np.zeros(0)] * depth
    for l in range(depth - 1, -1, -1):
        fn = d["activation"][l]
        if l == depth - 1:
            dL_da[l] = loss_grad(d["loss"], a[-1], y)
        else:
            dL_da[l] = W[l + 1].T @ delta[l + 1]
        dact[l] = act_prime(fn, zs[l], float(d.get("leaky_slope", 0.01)))
        delta[l] = a[-1] - y if (l == depth - 1 and d["loss"] in XENT) else dL_da[l] * dact[l]
    grad_W = [np.outer(delta[l], a[l]) for l in range(depth)]
    if d["bias"] == "shared":
        grad_b = [np.array([delta[l].sum()]) for l in range(depth)]
        new_b = [b[l][:1] - d["learning_rate"] * grad_b[l] for l in range(depth)]
    elif d["bias"] == "per_neuron":
        grad_b = [delta[l].copy() for l in range(depth)]
        new_b = [b[l] - d["learning_rate"] * grad_b[l] for l in range(depth)]
    else:
        grad_b, new_b = [], []
    new_W = [W[l] - d["learning_rate"] * grad_W[l] for l in range(depth)]
    return Result(zs, a, loss(d["loss"], a[-1], y), dL_da, dact, delta, grad_W, grad_b, new_W, new_b)


def numeric_grads(d: dict[str, Any], h: float = 1e-6) -> tuple[list[F], list[F]]:
    """Central finite differences of the loss w.r.t. every weight and bias (shared: one value)."""
    y = np.array(d["targets"], float)
    W = [np.array(m, float) for m in d["weights"]]
    b = [np.array(v, float) for v in d["biases"]]

    def L(W: list[F], b: list[F]) -> float:
        return loss(d["loss"], forward(d, W, b)[1][-1], y)

    gW = []
    for l in range(len(W)):
        g = np.zeros_like(W[l])
        for idx in np.ndindex(W[l].shape):
            Wp = [m.copy() for m in W]
            Wm = [m.copy() for m in W]
            Wp[l][idx] += h
            Wm[l][idx] -= h
            g[idx] = (L(Wp, b) - L(Wm, b)) / (2 * h)
        gW.append(g)
    gb = []
    if d["bias"] != "none":
        for l in range(len(b)):
            cells = [None] if d["bias"] == "shared" else list(range(b[l].size))
            g = np.zeros(len(cells))
            for k, j in enumerate(cells):
                bp = [v.copy() for v in b]
                bm = [v.copy() for v in b]
                if j is None:  # a shared bias moves every neuron of its layer
                    bp[l] += h
                    bm[l] -= h
                else:
                    bp[l][j] += h
                    bm[l][j] -= h
                g[k] = (L(W, bp) - L(W, bm)) / (2 * h)
            gb.append(g)
    return gW, gb
