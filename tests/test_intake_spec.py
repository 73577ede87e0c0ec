"""Spec files: every unknown key is an error with a suggestion; numbers finite and bounded; no unbounded loops."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import cli
from generator.network import SpecError
from generator.spec import parse_spec, presets, profiles
from tests.strategies import examples

BASE = '[network]\nlayers = [2, 2, 1]\nactivation = "sigmoid"\nloss = "half_sse"\nbias = "per_neuron"\n'


def parse(text: str) -> Any:
    return parse_spec(tomllib.loads(text), "exam")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (BASE.replace("activation", "activaton"), "unknown key 'activaton' in [network]; did you mean 'activation'?"),
        (BASE.replace("bias =", "bais ="), "unknown key 'bais' in [network]; did you mean 'bias'?"),
        (
            BASE + "[values]\nlearning_rat = {choices = [0.5]}\n",
            "'learning_rat' in [values]; did you mean 'learning_rate'",
        ),
        (BASE + "[questions]\nasked = ['z']\n", "unknown key 'asked' in [questions]; did you mean 'ask'?"),
        (
            BASE + "[values]\ninputs = {mn = 0.1, max = 0.9, step = 0.1}\n",
            "'mn' in [values] inputs; did you mean 'min'",
        ),
        ('titel = "x"\n' + BASE, "unknown key 'titel' in the top level; did you mean 'title'?"),
        (BASE.replace('"sigmoid"', '{choises = ["sigmoid"]}'), "did you mean 'choices'?"),
        (BASE + "[valeus]\n", "unknown key 'valeus' in the top level; did you mean 'values'?"),
    ],
)
def test_every_unknown_key_is_named_with_the_closest_valid_one(toml: str, message: str) -> None:
    with pytest.raises(SpecError, match=r"^spec exam: ") as e:
        parse(toml)
    assert message in str(e.value)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ("inputs = {min = 0.1, max = inf, step = 0.1}", "values.inputs.max = inf: give a finite number"),
        ("inputs = nan", "values.inputs = nan: give a finite number"),
        ("inputs = {min = 0.1, max = 0.9, step = nan}", "values.inputs.step = nan: give a finite number"),
        ("targets = {choices = [1e308]}", "values.targets.choices[0] = 1e+308: expected a number <= 1000"),
        ("inputs = {min = '0.1', max = 0.9, step = 0.1}", "values.inputs.min = '0.1': expected a number, got text"),
        ("inputs = 'many'", "values.inputs = 'many': expected a number or a table, got text"),
        ("inputs = {min = 0.1, max = 0.9, step = -0.1}", "values.inputs.step = -0.1: expected a number > 0"),
        ("inputs = {min = 0.0, max = 1.0, step = 1e-12}", "give over 100,000 values"),
    ],
)
def test_absurd_numbers_are_one_line_errors_never_a_loop(values: str, message: str) -> None:
    with pytest.raises(SpecError) as e:
        parse(BASE + "[values]\n" + values + "\n")
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_strings_where_numbers_belong_in_a_fixed_network() -> None:
    toml = BASE + 'learning_rate = "fast"\n'
    with pytest.raises(SpecError, match=r"network\.learning_rate = 'fast': expected a number"):
        parse(toml)


def test_leaky_slope_has_a_place_in_network() -> None:
    with pytest.raises(SpecError, match=r"leaky_slope = 2\.0: expected a number < 1"):
        parse(BASE + "leaky_slope = 2.0\n")


def test_every_builtin_spec_passes() -> None:
    for name, data in {**presets(), **profiles()}.items():
        parse_spec(data, name)


def test_solve_with_a_typo_is_a_one_line_error(tmp_path: Path) -> None:
    p = tmp_path / "exam.toml"
    p.write_text(BASE.replace("activation", "activaton"), encoding="utf-8")
    r = CliRunner().invoke(cli, ["solve", str(p)])
    assert r.exit_code == 2
    assert r.output.strip() == "Error: spec exam: unknown key 'activaton' in [network]; did you mean 'activation'?"


# --- property: any TOML-like data gives a spec or a SpecError, never another exception -----------

KEYS = [
    "network", "values", "questions", "title", "decimals", "layers", "activation", "loss", "bias", "inputs",
    "targets", "weights", "biases", "learning_rate", "min", "max", "step", "choices", "exclude", "ask", "bais",
]  # fmt: skip
scalars = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**20), 10**20), st.booleans(),
    st.text(max_size=8), st.sampled_from(["sigmoid", "tanh", "relu", "half_sse", "bce", "shared", "none", "all", "z"]),
)  # fmt: skip
toml_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), toml_values, max_size=5))
def test_any_spec_data_is_a_spec_or_a_one_line_error(data: dict[str, Any]) -> None:
    try:
        spec = parse_spec(data, "fuzz")
    except SpecError as e:
        message = str(e)
        assert "\n" not in message
        return
    for grid in spec.grids.values():
        assert all(math.isfinite(v) for v in grid.values)
        assert len(grid.values) <= 100_001


@settings(max_examples=examples(200), deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "min": st.floats(-2, 2),
            "max": st.floats(-2, 2),
            "step": st.floats(0.001, 1),
        }
    )
)
def test_any_finite_grid_is_drawn_or_refused(grid: dict[str, float]) -> None:
    data = tomllib.loads(BASE)
    data["values"] = {"inputs": grid}
    try:
        spec = parse_spec(data, "g")
    except SpecError:
        assert grid["max"] < grid["min"]
        return
    values = spec.grids["inputs"].values
    assert min(values) >= grid["min"] - 1e-9
    assert max(values) <= grid["max"] + 1e-9
