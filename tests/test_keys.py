"""Rounding, the randomizer, variant codes and the answer-key contract."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest

from generator import records
from generator.answer_key import encode, loads, read_key, schema, write_key
from generator.evaluate import evaluate
from generator.graph import build_graph
from generator.network import SpecError
from generator.numbers import fmt, quantize
from generator.pack import build_pack, read_roster, variant_code
from generator.records import Key
from generator.spec import load_builtin, parse_spec, profiles
from generator.worked import worked_of

STRONG = "orbit-kestrel-maple-fjord-lantern-quiet"  # a passphrase of 5+ random words


def test_rounding_is_half_away_from_zero_on_decimal_digits() -> None:
    assert fmt(2.675, 2) == "2.68"  # round(2.675, 2) == 2.67 on binary floats
    assert fmt(-2.675, 2) == "-2.68"
    assert fmt(0.00005, 4) == "0.0001"
    assert fmt(-0.00004, 4) == "0.0000"  # no negative zero on a key
    assert fmt(0.5, 0) == "1"
    assert quantize(Decimal("1.23445"), 4) == Decimal("1.2345")


def key_without_timestamp(key: Key) -> Key:
    return msgspec.structs.replace(key, created="")


@pytest.mark.parametrize("profile", sorted(profiles()))
def test_profiles_give_valid_reproducible_keys(profile: str) -> None:
    spec = load_builtin("profile", profile)
    a = build_pack(spec, pack="t", count=12, seed="42")
    b = build_pack(spec, pack="t", count=12, seed="42")
    jsonschema.validate(json.loads(encode(a)), schema())  # the independent reference validator
    assert key_without_timestamp(a) == key_without_timestamp(b)
    assert loads(encode(a)) == a  # survives JSON unchanged
    ids = a.structure.answer_ids
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)
    codes = [v.variant for v in a.variants]
    assert len(set(codes)) == len(codes)
    nets = {msgspec.json.encode(v.problems[0].network) for v in a.variants}
    assert len(nets) == len(codes)  # every student a different problem
    for v in a.variants:
        p = v.problems[0]
        assert [x.id for x in p.answers] == ids  # one answer-sheet layout for the class
        assert p.network.layers == a.structure.layers
        assert p.network.activation == a.structure.activation


def test_variants_are_never_degenerate() -> None:
    key = build_pack(load_builtin("profile", "hard"), pack="t", count=40, seed="3")
    for v in key.variants:
        net = v.problems[0].network.network()
        g = build_graph(net)
        vals = evaluate(g, backend="float")
        for a in v.problems[0].answers:
            digits = a.rounded.lstrip("-").replace(".", "").lstrip("0")
            assert len(digits) >= 2, a
        for n in g.answer_nodes:
            if n.kind == "a":
                assert 0.05 <= vals[n.id] <= 0.95  # no saturated sigmoid


def test_different_seed_or_secret_gives_other_numbers_and_codes() -> None:
    spec = load_builtin("profile", "standard")
    a = build_pack(spec, pack="t", count=3, seed="1")
    b = build_pack(spec, pack="t", count=3, seed="2")
    c = build_pack(spec, pack="t", count=3, secret=STRONG)
    assert a.variants[0].problems[0].network != b.variants[0].problems[0].network
    assert {v.variant for v in a.variants}.isdisjoint({v.variant for v in c.variants})


def test_code_reveals_nothing_without_the_secret() -> None:
    # Same student, same pack: the code depends on the secret, and the seed is a different HMAC.
    assert variant_code("s1" * 8, "p", "student:1") != variant_code("s2" * 8, "p", "student:1")
    key = build_pack(load_builtin("profile", "easy"), pack="p", count=2)
    assert key.secret is not None
    assert len(key.secret) == 64  # 256 random bits, generated and stored only in the key
    assert key.secret_source == "random"


def test_roster_students_are_kept_in_order(tmp_path: Path) -> None:
    roster = tmp_path / "class.csv"
    roster.write_text("Student ID;Name\n1001;Ada Lovelace\n1002;=cmd|' /C calc'!A0\n", encoding="utf-8")
    students = read_roster(roster)
    assert [s.id for s in students] == ["1001", "1002"]
    key = build_pack(load_builtin("profile", "easy"), pack="p", students=students, seed="1")
    assert key.variants[1].student == records.Student("1002", "=cmd|' /C calc'!A0")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name\nAda\n", "no id column"),
        ("id,name\n1,Ada\n1,Bob\n", "appears twice"),
        ("id,name\n", "no students"),
        ("id,name\n,Ada\n", "empty student id"),
    ],
)
def test_bad_rosters_are_refused(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "r.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match=message):
        read_roster(p)


def test_impossible_spec_is_a_clear_error() -> None:
    spec = parse_spec(
        {
            "network": {"layers": [2, 2, 1], "activation": "sigmoid", "loss": "half_sse", "bias": "none"},
            "values": {"inputs": {"choices": [0.01]}, "weights": {"choices": [0.01]}},
            "questions": {"ask": ["grad_w"]},
        },
        "tiny",
    )
    with pytest.raises(SpecError, match=r"no sensible variant.*fewer than 2 significant digits"):
        build_pack(spec, pack="t", count=1, seed="1")


def test_tiny_values_error_names_the_decimals_that_draw_the_pack() -> None:
    """A 4-4-4-4-3 class of six at 4 decimals has no draw whose deltas keep 2 significant digits;
    the error names the fix that works (one more decimal), not only 'widen the ranges'."""
    big = {"network": {"layers": [4, 4, 4, 4, 3], "activation": "sigmoid", "bias": "per_neuron"}}
    spec = parse_spec(big, "big")
    with pytest.raises(SpecError, match=r"fewer than 2 significant digits.*--decimals 5") as err:
        build_pack(spec, pack="t", count=6, seed="review-big")
    assert "\n" not in str(err.value)
    key = build_pack(spec, pack="t", count=6, seed="review-big", decimals=5)
    assert len(key.variants) == 6
    assert all(min(abs(a.exact) for a in v.problems[0].answers) * 10**5 >= 9.5 for v in key.variants)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "no \\[network\\] table"),
        ({"network": {"layers": [2, 2, 1], "loss": "hinge"}}, "unknown loss"),
        ({"network": {"layers": [2, 2, 1], "activation": "softplus"}}, "unknown activation"),
        ({"network": {"layers": [2, 2, 3], "activation": "softmax", "loss": "cce"}}, "only for the output layer"),
        ({"network": {"layers": [2, 2, 3], "activation": ["relu", "softmax"]}}, "need loss 'cce'"),
        ({"network": {"layers": [2, 2, 3], "activation": ["relu", "sigmoid"], "loss": "cce"}}, "needs softmax outputs"),
        ({"network": {"layers": [5, 2, 1]}}, "5 inputs"),
        ({"network": {"layers": [2, 2, 1], "loss": "bce", "activation": "tanh"}}, "needs sigmoid outputs"),
        ({"network": {"layers": [2, 2, 1]}, "questions": {"ask": ["gradients"]}}, "neither a kind"),
        ({"network": {"layers": [2, 2, 1], "inputs": [0.1, 0.2]}}, "needs all values"),
    ],
)
def test_malformed_specs_name_the_problem(data: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        build_pack(parse_spec(data, "bad"), pack="t", count=1, seed="1")


def test_key_file_is_written_once_and_read_back(tmp_path: Path) -> None:
    key = build_pack(load_builtin("preset", "ref-2-2-2-shared"), pack="ref", count=1, seed="1")
    path = tmp_path / "ref.json"
    write_key(key, path)
    assert read_key(path) == key
    with pytest.raises(FileExistsError, match="--force"):
        write_key(key, path)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_preset_key_values_are_the_exact_rounded_values() -> None:
    key = build_pack(load_builtin("preset", "ref-2-2-2-shared"), pack="ref", count=1, seed="1")
    answers = {a.id: a for a in worked_of(key, key.variants[0].problems[0]).answers}
    assert answers["z_h1"].rounded == "0.3775"  # the tutorial's 0.3825 is a slip
    assert answers["a_o1"].rounded == "0.7514"
    assert answers["new_w_h1_o1"].rounded == "0.3589"
    assert answers["grad_b1"].rounded == "0.0187"  # 0.018725609: hand rounding gives 0.0188
    assert answers["grad_b1"].hand_rounded == "0.0188"
    assert answers["grad_b1"].accepted.first <= "0.0188" <= answers["grad_b1"].accepted.last
    assert (answers["z_h1"].accepted.first, answers["z_h1"].accepted.last) == ("0.3775", "0.3775")


def test_read_key_errors(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not found"):
        read_key(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SpecError, match="not valid JSON"):
        read_key(bad)
