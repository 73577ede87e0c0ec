"""The activation/loss registry: one object per function, unknown names raise, rounding sites
match the point rules, and any value a student writes evaluates without an exception."""

from __future__ import annotations

import math
from decimal import Decimal
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
from generator.spec import load_builtin
from tests import reference
from tests.strategies import network_dicts


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


@settings(max_examples=200, deadline=None)
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
    net = Network.from_dict(key["variants"][0]["problems"][0]["network"])
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


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(WILD) | st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=60))
def test_grading_wild_answers_never_raises_and_marks_them_wrong(values: list[float]) -> None:
    key = _standard_key()
    v = key["variants"][0]
    p = v["problems"][0]
    ids = [a["id"] for a in p["answers"]]
    st_ = Structure(build_graph(Network.from_dict(p["network"])), tuple(ids), key["decimals"])
    vk = VariantKey(v, st_)
    entries = {aid: Entry(repr(x), x, "ok") for aid, x in zip(ids, values, strict=False)}
    marks = mark_submission(vk, entries)
    for m in marks:
        x = entries[m.id].value if m.id in entries else None
        if x is not None and not (math.isfinite(x) and abs(x) < 100):
            assert m.verdict == "wrong", (m.id, x, m.verdict)


_KEY: dict[str, Any] = {}


def _standard_key() -> dict[str, Any]:
    if not _KEY:
        _KEY.update(build_pack(load_builtin("profile", "standard"), pack="t", count=1, seed="1"))
    return _KEY


def test_the_schema_names_exactly_the_registry() -> None:
    from generator.answer_key import schema

    defs = schema()["$defs"]
    assert defs["activation"]["enum"] == list(functions.ACTIVATIONS)
    assert defs["loss"]["enum"] == list(functions.LOSSES)
    assert "leaky_slope" in defs["network"]["properties"]
