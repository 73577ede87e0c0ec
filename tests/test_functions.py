"""The activation/loss registry: one object per function, unknown names raise, rounding sites
match the point rules, and any value a student writes evaluates without an exception."""

from __future__ import annotations

import math
from decimal import Decimal
from functools import cache
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import functions, ops
from generator.evaluate import NONFINITE, evaluate, node_interval
from generator.grading.context import Structure, VariantKey
from generator.grading.marking import mark_submission
from generator.grading.numbers import Entry
from generator.graph import Node, build_graph
from generator.network import Network, SpecError
from generator.pack import build_pack
from generator.records import Key
from generator.spec import load_builtin
from tests import reference
from tests.strategies import THOROUGH, examples, network_dicts
from tests.test_core import assert_matches_reference, check_finite_differences, check_hand_rounded


def test_unknown_names_raise_in_the_package_and_in_the_reference() -> None:
    """Before: an unknown activation fell through to the identity with f' = 1 in both."""
    with pytest.raises(functions.UnknownFunction, match="softplus"):
        functions.activation("softplus")
    with pytest.raises(functions.UnknownFunction, match="hinge"):
        functions.loss("hinge")
    node = Node("a_h1", "a", "act", ("z_h1",), 1, 1, fn="softplus")
    with pytest.raises(functions.UnknownFunction):
        ops.point(node, [0.5], ops.FloatMath, lambda x: x, 1)
    with pytest.raises(ValueError, match="softplus"):
        reference.act("softplus", np.array([0.5]))
    with pytest.raises(ValueError, match="softplus"):
        reference.act_prime("softplus", np.array([0.5]))
    with pytest.raises(ValueError, match="hinge"):
        reference.loss("hinge", np.array([0.5]), np.array([1.0]))


def test_the_network_refuses_unknown_names_with_one_line() -> None:
    d = network_dict()
    with pytest.raises(SpecError, match="unknown activation 'softplus'"):
        Network.from_dict({**d, "activation": ["softplus", "sigmoid"]})


def network_dict(**over: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "layers": [2, 2, 1], "activation": ["sigmoid", "sigmoid"], "loss": "half_sse", "bias": "per_neuron",
        "learning_rate": 0.5, "inputs": [0.05, 0.1], "targets": [0.01],
        "weights": [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45]]], "biases": [[0.35, 0.35], [0.6]],
    }  # fmt: skip
    d.update(over)
    return d


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, x: Any) -> Any:
        self.calls += 1
        return x


@settings(max_examples=examples(200), deadline=None)
@given(network_dicts())
def test_rounding_sites_match_the_point_rules(d: dict[str, Any]) -> None:
    """``ops.roundings`` (what the intervals allow for) equals how often ``point`` rounds,
    or bounds it where a target of 0 or 1 drops a cross-entropy term."""
    g = build_graph(Network.from_dict(d))
    vals = evaluate(g, backend="float")
    for node in g.answer_nodes:
        count = Counter()
        ops.point(node, [vals[i] for i in node.inputs], ops.FloatMath, count, g.network.layers[-1])
        if node.op == "loss" and node.fn in ("bce", "cce"):
            assert count.calls <= ops.roundings(node), node.id
        else:
            assert count.calls == ops.roundings(node), node.id


WILD = [3650.0, 5903.0, -3650.0, 1e300, -1e300, 1e400, -1e400, math.nan, 0.0, 1.0, -1.0, 1e-320]


@pytest.mark.parametrize("profile", ["standard", "deep", "hard", "easy"])
def test_any_student_value_evaluates_without_an_exception(profile: str) -> None:
    """Before: OverflowError in ops.activate for z_h1 = 3650 (a forgotten decimal point)."""
    key = build_pack(load_builtin("profile", profile), pack="t", count=1, seed="1")
    net = key.variants[0].problems[0].network.network()
    g = build_graph(net)
    n_out = net.layers[-1]
    for node in g.answer_nodes:
        for x in WILD:
            for y in (x, 0.5):
                iv = node_interval(node, [(x, x)] + [(y, y)] * (len(node.inputs) - 1), n_out, 4)
                assert iv == NONFINITE or all(math.isfinite(v) for v in iv), (node.id, x, iv)
                iv = node_interval(node, [(min(x, y), max(x, y))] * len(node.inputs), n_out, 4)
                assert iv == NONFINITE or all(math.isfinite(v) for v in iv), (node.id, x, iv)
    for x in [*WILD, 10**5000, Decimal("1e5000")]:
        for backend in ("float", "decimal"):
            vals = evaluate(g, "quantity", 4, fixed={"z_h1" if "z_h1" in g.by_id else "z_h1_1": x}, backend=backend)
            assert len(vals) == len(g.nodes)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.sampled_from(WILD) | st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=60))
def test_grading_wild_answers_never_raises_and_never_marks_them_correct(values: list[float]) -> None:
    key = _standard_key()
    v = key.variants[0]
    p = v.problems[0]
    ids = [a.id for a in p.answers]
    st_ = Structure(build_graph(p.network.network()), tuple(ids), key.decimals)
    vk = VariantKey(v, st_)
    entries = {aid: Entry(repr(x), x, "ok") for aid, x in zip(ids, values, strict=False)}
    marks = mark_submission(vk, entries)
    for m in marks:
        x = entries[m.id].value if m.id in entries else None
        if x is not None and not (math.isfinite(x) and abs(x) < 100):
            # never correct; follow-through may credit a value carried on from the student's own one
            assert m.verdict in ("wrong", "ecf"), (m.id, x, m.verdict)


@cache
def _standard_key() -> Key:
    return build_pack(load_builtin("profile", "standard"), pack="t", count=1, seed="1")


def test_the_schema_names_exactly_the_registry() -> None:
    from generator.answer_key import schema

    defs = schema()["$defs"]
    assert defs["activation"]["enum"] == list(functions.ACTIVATIONS)
    assert defs["loss"]["enum"] == list(functions.LOSSES)
    assert "leaky_slope" in defs["network"]["properties"]


# --- leaky_relu, softmax + cce: against the numpy reference, finite differences and by hand ---
# Fixed examples (200 and 150 networks, as many as the other core properties) unless thorough (10x, random).


@settings(max_examples=examples(200), deadline=None, derandomize=not THOROUGH)
@given(network_dicts(loss="cce"))
def test_softmax_cce_matches_numpy(d: dict[str, Any]) -> None:
    assert_matches_reference(d, "float")


@settings(max_examples=examples(200), deadline=None, derandomize=not THOROUGH)
@given(network_dicts(hidden_act="leaky_relu"))
def test_leaky_relu_matches_numpy(d: dict[str, Any]) -> None:
    assert_matches_reference(d, "float")


@settings(max_examples=examples(150), deadline=None, derandomize=not THOROUGH)
@given(network_dicts(loss="cce") | network_dicts(hidden_act="leaky_relu"))
def test_new_functions_match_finite_differences(d: dict[str, Any]) -> None:
    check_finite_differences(d)


@settings(max_examples=examples(150), deadline=None, derandomize=not THOROUGH)
@given(network_dicts(loss="cce") | network_dicts(hidden_act="leaky_relu"))
def test_new_functions_hand_rounded_inside_intervals(d: dict[str, Any]) -> None:
    check_hand_rounded(d)


def test_leaky_relu_by_hand_and_in_the_key() -> None:
    d = network_dict(activation=["leaky_relu", "sigmoid"], leaky_slope=0.1,
                     weights=[[[-0.5, -0.5], [0.5, 0.5]], [[0.4, 0.45]]], biases=[[0.0, 0.0], [0.6]])  # fmt: skip
    net = Network.from_dict(d)
    assert net.to_dict()["leaky_slope"] == 0.1
    assert "leaky_slope" not in Network.from_dict(network_dict()).to_dict()  # old keys stay as they were
    v = evaluate(build_graph(net), "exact", backend="float")
    z1 = -0.5 * 0.05 - 0.5 * 0.1
    assert v["z_h1"] == pytest.approx(z1)
    assert v["a_h1"] == pytest.approx(0.1 * z1)
    assert v["dact_h1"] == pytest.approx(0.1)
    assert v["dact_h2"] == pytest.approx(1.0)
    with pytest.raises(SpecError, match="leaky_slope"):
        Network.from_dict({**d, "leaky_slope": 1.5})


def test_softmax_key_shows_the_sums_a_student_writes() -> None:
    from generator.solve import solve, worked_steps

    d = network_dict(layers=[2, 2, 3], activation=["relu", "softmax"], loss="cce", targets=[0.0, 1.0, 0.0],
                     weights=[[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [-0.3, 0.2], [0.1, -0.1]]],
                     biases=[[0.35, 0.35], [0.6, 0.1, -0.2]])  # fmt: skip
    sol = solve(Network.from_dict(d), 4)
    steps = {s.id: s for s in worked_steps(sol, set())}
    h = [max(0.0, 0.15 * 0.05 + 0.2 * 0.1 + 0.35), max(0.0, 0.25 * 0.05 + 0.3 * 0.1 + 0.35)]
    h4 = [round(x, 4) for x in h]
    zs = [w1 * h4[0] + w2 * h4[1] + b for (w1, w2), b in zip(d["weights"][1], d["biases"][1], strict=True)]
    es = [f"{math.exp(round(z, 4)):.4f}" for z in zs]
    total = f"{sum(float(e) for e in es):.4f}"
    a2 = steps["a_o2"]
    assert a2.numbers[1] == f"\\frac{{{es[1]}}}{{{' + '.join(es)}}}"
    assert a2.numbers[2] == f"\\frac{{{es[1]}}}{{{total}}}"
    exact = [math.exp(z) / sum(math.exp(x) for x in zs) for z in zs]
    assert float(sol.exact["a_o2"]) == pytest.approx(exact[1], rel=1e-6)
    assert float(sol.exact["loss"]) == pytest.approx(-math.log(exact[1]), rel=1e-6)
    assert float(sol.exact["delta_o2"]) == pytest.approx(exact[1] - 1, rel=1e-6)
    assert "dact_o1" not in sol.graph.by_id  # δ = a − y: no f' of softmax
    for k in range(3):  # the student's rounded route lies in the accepted interval
        lo, hi = sol.intervals[f"a_o{k + 1}"]
        assert lo <= float(sol.quantity[f"a_o{k + 1}"]) <= hi
        assert lo <= float(sol.fine[f"a_o{k + 1}"]) <= hi


def test_softmax_and_cce_refuse_other_places_with_one_line() -> None:
    base = network_dict(layers=[2, 2, 3], targets=[0.0, 1.0, 0.0],
                        weights=[[[0.1, 0.2], [0.3, 0.4]], [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]],
                        biases=[[0.1, 0.1], [0.1, 0.1, 0.1]])  # fmt: skip
    cases = {
        ("softmax", "softmax", "cce"): "only for the output layer",
        ("sigmoid", "softmax", "half_sse"): "need loss 'cce'",
        ("sigmoid", "sigmoid", "cce"): "needs softmax outputs",
    }
    for (h, o, lossname), msg in cases.items():
        with pytest.raises(SpecError, match=msg) as e:
            Network.from_dict({**base, "activation": [h, o], "loss": lossname})
        assert "\n" not in str(e.value)
    with pytest.raises(SpecError, match="sum to 1"):
        Network.from_dict({**base, "activation": ["relu", "softmax"], "loss": "cce", "targets": [1.0, 1.0, 0.0]})


def test_extra_softmax_derivative_is_diagnosed() -> None:
    """A cce student who multiplies δ = a − y by a(1 − a) once more gets the mistake named."""
    key = build_pack(load_builtin("profile", "multiclass"), pack="t", count=1, seed="2")
    v = key.variants[0]
    p = v.problems[0]
    ids = [a.id for a in p.answers]
    st_ = Structure(build_graph(p.network.network()), tuple(ids), key.decimals)
    exact = {a.id: a.exact for a in p.answers}
    entries = {aid: Entry(a.rounded, float(a.rounded), "ok") for aid, a in zip(ids, p.answers, strict=True)}
    y = p.network.targets[0]
    a = exact["a_o1"]
    wrong = round((a - y) * a * (1 - a), 4)
    entries["delta_o1"] = Entry(str(wrong), wrong, "ok")
    marks = {m.id: m for m in mark_submission(VariantKey(v, st_), entries)}
    assert marks["delta_o1"].verdict == "wrong"
    assert marks["delta_o1"].diagnosis == "extra_activation_derivative"
