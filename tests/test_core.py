"""The graph against an independent numpy implementation and finite differences."""

from __future__ import annotations

import itertools
import math
import zlib
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from generator.evaluate import accepted_intervals, evaluate
from generator.graph import build_graph
from generator.network import Network
from generator.solve import problem_record, solve
from generator.spec import load_builtin
from tests import reference
from tests.strategies import examples, network_dicts


def reference_values(d: dict[str, Any]) -> dict[str, float]:
    """Every graph node id -> its value from the numpy reference."""
    net = Network.from_dict(d)
    g = build_graph(net)
    r = reference.backprop(net.to_dict())
    out: dict[str, float] = {}
    for n in g.answer_nodes:
        l, j, i = n.layer, n.neuron, n.src
        k = n.kind
        if k == "loss":
            out[n.id] = r.loss
        elif k == "z":
            out[n.id] = r.z[l - 1][j - 1]
        elif k == "a":
            out[n.id] = r.a[l][j - 1]
        elif k in ("dL_da", "dact", "delta"):
            out[n.id] = getattr(r, k)[l - 1][j - 1]
        elif k == "grad_w":
            out[n.id] = r.grad_W[l - 1][j - 1][i - 1]
        elif k == "new_w":
            out[n.id] = r.new_W[l - 1][j - 1][i - 1]
        elif k in ("grad_b", "new_b"):
            arr = r.grad_b if k == "grad_b" else r.new_b
            out[n.id] = arr[l - 1][0 if j is None else j - 1]
    return out


def relu_at_kink(d: dict[str, Any]) -> bool:
    """A ReLU input at 0 (up to float noise): its derivative is a convention, not a value."""
    zs, _ = reference.forward(d)
    return any(fn in KINKED and np.any(np.abs(z) < 1e-9) for fn, z in zip(d["activation"], zs, strict=True))


KINKED = ("relu", "leaky_relu")  # f' at z = 0 is a convention


def assert_matches_reference(d: dict[str, Any], backend: str) -> None:
    if relu_at_kink(d):
        return  # 0.01 * -0.39 + 0.01 * 0.39 may be +1e-19 in one float order and 0 in another
    g = build_graph(Network.from_dict(d))
    ours = evaluate(g, "exact", backend=backend)
    ref = reference_values(d)
    for nid, want in ref.items():
        if g.by_id[nid].kind == "dact" and g.by_id[nid].fn in KINKED:
            continue  # checked below: the reference uses z > 0 too
        assert float(ours[nid]) == pytest.approx(want, rel=1e-9, abs=1e-12), nid


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network_dicts())
def test_exact_decimal_solution_matches_numpy(d: dict[str, Any]) -> None:
    assert_matches_reference(d, "decimal")


# The float backend grades whole classes: 300 fixed networks in CI (as the exact backend), and
# HYPOTHESIS_PROFILE=thorough tries 3000 new ones (it took 25 s of every CI run).
@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network_dicts())
def test_float_evaluation_matches_numpy(d: dict[str, Any]) -> None:
    assert_matches_reference(d, "float")


@settings(max_examples=examples(300), deadline=None)
@given(network_dicts())
def test_gradients_match_finite_differences(d: dict[str, Any]) -> None:
    check_finite_differences(d)


def check_finite_differences(d: dict[str, Any]) -> None:
    g = build_graph(Network.from_dict(d))
    ours = evaluate(g, "exact", backend="float")
    gW, gb = reference.numeric_grads(d)
    for n in g.answer_nodes:
        if n.kind == "grad_w":
            want = gW[n.layer - 1][n.neuron - 1][n.src - 1]
        elif n.kind == "grad_b":
            want = gb[n.layer - 1][0 if n.neuron is None else n.neuron - 1]
        else:
            continue
        zs, _ = reference.forward(d)
        if any(fn in KINKED and np.any(np.abs(z) < 1e-5) for fn, z in zip(d["activation"], zs, strict=True)):
            return  # finite differences straddle the ReLU kink
        assert ours[n.id] == pytest.approx(want, rel=1e-5, abs=1e-7), n.id


@settings(max_examples=examples(500), deadline=None)
@given(network_dicts())
def test_hand_rounded_solutions_stay_inside_the_accepted_intervals(d: dict[str, Any]) -> None:
    check_hand_rounded(d)


def check_hand_rounded(d: dict[str, Any]) -> None:
    g = build_graph(Network.from_dict(d))
    iv = accepted_intervals(g, 4)
    exact = evaluate(g, "exact", backend="float")
    for mode in ("quantity", "fine"):
        vals = evaluate(g, mode, 4, backend="float")
        for n in g.answer_nodes:
            if n.kind == "dact" and n.fn in KINKED and abs(exact[n.inputs[0]]) < 1e-3:
                continue  # a ReLU at 0: the randomizer never asks it
            lo, hi = iv[n.id]
            assert lo <= vals[n.id] <= hi, (mode, n.id, vals[n.id], iv[n.id])
    for n in g.answer_nodes:
        lo, hi = iv[n.id]
        assert lo <= exact[n.id] <= hi


def test_mazur_network_matches_published_values() -> None:
    """Matt Mazur's worked example (the 2-2-2 reference): values published to 9 digits."""
    sol = evaluate(build_graph(load_builtin("preset", "ref-2-2-2-shared").fixed), "exact")  # type: ignore[arg-type]
    published = {
        "z_h1": 0.3775, "a_h1": 0.593269992, "a_h2": 0.596884378, "z_o1": 1.105905967,
        "a_o1": 0.75136507, "a_o2": 0.772928465, "loss": 0.298371109,
        "grad_w_h1_o1": 0.082167041, "new_w_h1_o1": 0.35891648, "new_w_h2_o1": 0.408666186,
        "new_w_h1_o2": 0.511301270, "new_w_h2_o2": 0.561370121,
        "new_w_x1_h1": 0.149780716, "new_w_x2_h1": 0.19956143, "new_w_x1_h2": 0.24975114,
        "new_w_x2_h2": 0.29950229,
    }  # fmt: skip
    for nid, want in published.items():
        assert float(sol[nid]) == pytest.approx(want, abs=6e-9), nid


def test_reference_003_by_hand() -> None:
    """2-1-1, L = (y - y_hat)^2, eta 0.1: every value recomputed with math, step by step."""
    net = load_builtin("preset", "ref-2-1-1-sse").fixed
    assert net is not None
    v = evaluate(build_graph(net), "exact")
    s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    zh = 0.5 * 1 + 0.3 * 2
    h = s(zh)
    zo = 0.8 * h
    yh = s(zo)
    dldy = -2 * (1 - yh)
    do = dldy * yh * (1 - yh)
    dh = do * 0.8 * h * (1 - h)
    want = {
        "z_h1": zh, "a_h1": h, "z_o1": zo, "a_o1": yh, "loss": (1 - yh) ** 2, "dL_da_o1": dldy,
        "delta_o1": do, "grad_w_h1_o1": do * h, "delta_h1": dh, "grad_w_x1_h1": dh * 1,
        "grad_w_x2_h1": dh * 2, "new_w_h1_o1": 0.8 - 0.1 * do * h, "new_w_x1_h1": 0.5 - 0.1 * dh,
        "new_w_x2_h1": 0.3 - 0.1 * dh * 2,
    }  # fmt: skip
    for nid, x in want.items():
        assert float(v[nid]) == pytest.approx(x, rel=1e-12), nid
    # The tutorial's printed 0.646 / -0.122 / 0.812 are hand-rounded; ours are exact.
    assert f"{float(v['a_o1']):.4f}" == "0.6457"


@pytest.mark.parametrize("preset", ["ref-2-2-1-nobias", "ref-2-2-1-shared", "ref-2-2-2-shared", "ref-2-1-1-sse"])
def test_reference_presets_match_numpy(preset: str) -> None:
    net = load_builtin("preset", preset).fixed
    assert net is not None
    assert_matches_reference(net.to_dict(), "decimal")


def test_reference_000_slips_are_not_copied() -> None:
    """The tutorial prints z_o3 = 0.6860 and, as 'program output', 0.6861 for the same value."""
    net = load_builtin("preset", "ref-2-2-1-nobias").fixed
    assert net is not None
    v = evaluate(build_graph(net), "exact")
    want = 0.3 * (1 / (1 + math.exp(-0.21))) + 0.9 * (1 / (1 + math.exp(-0.315)))
    assert float(v["z_o1"]) == pytest.approx(want, rel=1e-12)
    assert f"{float(v['z_o1']):.4f}" == "0.6860"  # so the 'program output' 0.6861 is the slip


def test_shared_bias_gradient_sums_the_layer_deltas() -> None:
    net = load_builtin("preset", "ref-2-2-1-shared").fixed
    assert net is not None
    v = evaluate(build_graph(net), "exact")
    assert float(v["grad_b1"]) == pytest.approx(float(v["delta_h1"]) + float(v["delta_h2"]), rel=1e-15)
    assert float(v["z_h2"]) == pytest.approx(0.05 * 0.25 + 0.10 * 0.30 + 0.35)  # 0.3925, not 0.3900


def _combos() -> list[tuple[str, str, str, str]]:
    out = []
    for loss in ("half_sse", "sse", "mse", "bce"):
        for bias in ("none", "shared", "per_neuron"):
            for hidden in ("sigmoid", "tanh", "relu", "linear"):
                for output in ("sigmoid", "tanh", "relu", "linear"):
                    if loss != "bce" or output == "sigmoid":
                        out.append((loss, bias, hidden, output))
    return out


@pytest.mark.parametrize(("loss", "bias", "hidden", "output"), _combos())
def test_every_activation_loss_bias_combination(loss: str, bias: str, hidden: str, output: str) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{loss}{bias}{hidden}{output}".encode()))
    for layers in ([2, 1, 1], [2, 2, 1], [2, 2, 2], [4, 4, 4, 4, 3], [3, 2, 3, 2]):
        depth = len(layers) - 1
        d = {
            "layers": layers,
            "activation": [hidden] * (depth - 1) + [output],
            "loss": loss,
            "bias": bias,
            "learning_rate": 0.5,
            "inputs": list(np.round(rng.uniform(-1, 1, layers[0]), 2)),
            "targets": list(rng.choice([0.01, 0.99], layers[-1])) if loss == "bce"
            else list(np.round(rng.uniform(-1, 1, layers[-1]), 2)),
            "weights": [np.round(rng.uniform(-1, 1, (n, m)), 2).tolist() for m, n in itertools.pairwise(layers)],
            "biases": [[0.0] * n if bias == "none" else [0.25] * n if bias == "shared"
                       else np.round(rng.uniform(-0.5, 0.5, n), 2).tolist() for n in layers[1:]],
        }  # fmt: skip
        assert_matches_reference(d, "decimal")
        record = problem_record(solve(Network.from_dict(d)), ["all"])
        assert len(record.steps) == len(record.answers)  # every step writes out, mse included
