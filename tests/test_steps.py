"""Worked steps are records (left side, terms, result, note) that renderers only format."""

from __future__ import annotations

import math
import re
from typing import Any

from hypothesis import given, settings

from generator.network import Network
from generator.records import StepRecord
from generator.render.context import key_context
from generator.solve import problem_steps, solve, worked_steps
from generator.steps import Step
from generator.worked import worked_of
from tests.strategies import examples, network_dicts


def net(**over: Any) -> Network:
    d: dict[str, Any] = {
        "layers": [2, 1, 1], "activation": ["sigmoid", "linear"], "loss": "half_sse", "bias": "per_neuron",
        "learning_rate": 0.5, "inputs": [1, 0], "targets": [0.5],
        "weights": [[[-0.545, 0.3]], [[0.8]]], "biases": [[0.0], [0.1]],
    }  # fmt: skip
    d.update(over)
    return Network.from_dict(d)


def steps_of(n: Network) -> dict[str, Step]:
    sol = solve(n, 4)
    return {s.id: s for s in worked_steps(sol, {x.id for x in sol.graph.answer_nodes})}


def test_sigmoid_of_a_negative_z_reads_e_to_the_positive_power() -> None:
    """Before: e^−(−0.5450); a student writes e^0.5450."""
    s = steps_of(net())["a_h1"]
    assert s.numbers[0] == "\\frac{1}{1 + e^{0.5450}}"
    assert s.numbers[1] == f"\\frac{{1}}{{1 + {math.exp(0.545):.4f}}}"
    assert s.formula == ("σ(z_{h1})", "\\frac{1}{1 + e^{−z_{h1}}}")


def test_no_empty_steps() -> None:
    """Before: 'f′(z) = 1 = 1 = 1.0000' and 'δ·1 = (−0.1119) = −0.1119'."""
    st = steps_of(net())
    linear = st["dact_o1"]
    assert (linear.lhs, linear.formula, linear.numbers, linear.result) == ("f′(z_{o1})", (), (), "1.0000")
    assert linear.aside == "linear activation"
    copy = st["grad_b_h1"]
    assert copy.formula == ("δ_{h1}",)
    assert copy.numbers == ()
    assert copy.to_dict()["formula"] == "\\frac{∂L}{∂b_{h1}} = δ_{h1}"


def test_the_key_prints_the_records_without_parsing() -> None:
    from generator.pack import build_pack
    from generator.spec import load_builtin

    key = build_pack(load_builtin("profile", "standard"), pack="t", count=1, seed="3")
    v = key.variants[0]
    ctx = key_context(key, v)
    records = problem_steps(v.problems[0], key.decimals)
    printed = [s for g in ctx["problems"][0]["groups"] for s in g["steps"]]
    # each update is a row of the before/after table (its numbers), not a step of its own
    table = {u["symbol"] for u in ctx["problems"][0]["updates"]}
    stepped = [r for r in records if r.group != "update"]
    assert len(table) == len(worked_of(key, v.problems[0]).updates)
    assert [s["id"] for s in printed] == [r.id for r in stepped]
    for s, r in zip(printed, stepped, strict=True):
        assert s["lhs"] == r.lhs
        assert s["lines"][0] == list(r.formula)
    # the stored flat form is the record's
    assert worked_of(key, v.problems[0]).steps == [StepRecord.of(r) for r in records]


ASCII_FALLBACKS = re.compile(r"e\^-|e\^\{-|a_o\b|(?<![\w)}\]])-\d")


@settings(max_examples=examples(150), deadline=None)
@given(network_dicts())
def test_printed_step_text_has_no_ascii_fallbacks(d: dict[str, Any]) -> None:
    n = Network.from_dict(d)
    for s in steps_of(n).values():
        for text in (s.lhs, *s.formula, *s.numbers, s.note, s.aside):
            assert not ASCII_FALLBACKS.search(text), (s.id, text)
            assert "−(−" not in text, (s.id, text)
            assert "e^{−(" not in text, (s.id, text)
        assert not s.numbers or s.numbers[-1].strip("()").replace("−", "-") != s.result, s.id
