"""The answer-key file: version 2 round trip, version 1 migration, tampered keys, BOM; the secret."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import records
from generator.answer_key import encode, loads, read_key
from generator.cli import cli
from generator.grading.grade import grade_key
from generator.grading.submissions import Submission
from generator.network import SpecError
from generator.pack import (
    MIN_BITS,
    SCRYPT_N,
    SCRYPT_R,
    Student,
    build_pack,
    guess_bits,
    resolve_secret,
    variant_code,
    variant_seed,
)
from generator.randomizer import Rng, draw_structure, draw_variant
from generator.records import Key
from generator.spec import load_builtin
from generator.worked import worked_of
from tests.strategies import examples

V1 = Path(__file__).parent / "data" / "key-v1.json"  # written by backprop-exam before version 2 (commit e145029)
STRONG = "orbit-kestrel-maple-fjord-lantern-quiet"


@cache
def small_key() -> Key:
    students = [Student("s1", "Ada"), Student("s2", "Alan")]
    return build_pack(load_builtin("profile", "standard"), pack="p", students=students, secret=STRONG)


def key_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(encode(small_key()))
    return data


def v1_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(V1.read_text(encoding="utf-8"))
    return data


def one_line_error(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    with pytest.raises(SpecError) as err:
        loads(raw, "answer key k.json")
    message = str(err.value)
    assert "\n" not in message
    return message


# ---- version 2 and version 1 ----


def test_version_2_stores_no_steps_and_round_trips() -> None:
    key = small_key()
    data = key_json()
    assert data["version"] == 2
    problem = data["variants"][0]["problems"][0]
    assert set(problem) == {"number", "network", "answers"}
    assert set(problem["answers"][0]) == {"id", "exact", "rounded", "accepted"}
    assert loads(encode(key)) == key
    assert encode(loads(encode(key))) == encode(key)


def test_version_1_keys_are_read_and_their_steps_derived_exactly() -> None:
    old = v1_json()
    key = read_key(V1)
    assert (key.version, key.pack, key.secret) == (2, "old", old["secret"])
    for v_old, v in zip(old["variants"], key.variants, strict=True):
        assert v.variant == v_old["variant"]
        assert v.student == records.Student(v_old["student"]["id"], v_old["student"]["name"])
        p_old = v_old["problems"][0]
        worked = worked_of(key, v.problems[0])
        for a_old, a in zip(p_old["answers"], worked.answers, strict=True):
            assert (a.id, a.exact, a.rounded, a.hand_rounded) == (
                a_old["id"], a_old["exact"], a_old["rounded"], a_old["hand_rounded"],
            )  # fmt: skip
            assert list(a.accepted.interval) == a_old["accepted"]["interval"]
            assert (a.accepted.first, a.accepted.last) == (a_old["accepted"]["from"], a_old["accepted"]["to"])
        derived = json.loads(msgspec.json.encode(worked))
        for field in ("given", "updates", "description", "network"):
            assert derived[field] == p_old[field], field
        # the same steps and results; their printed text is this release's (formatting may improve)
        same = ("id", "group", "kind", "asked", "inputs", "result")
        assert [{k: s[k] for k in same} for s in derived["steps"]] == [{k: s[k] for k in same} for s in p_old["steps"]]


def test_a_version_1_key_grades() -> None:
    key = read_key(V1)
    v = key.variants[0]
    answers = {a.id: a.rounded for a in v.problems[0].answers}
    out = grade_key(key, [Submission("t", "t.csv", v.variant, "", "", answers)])
    assert out.graded[0].score == out.graded[0].max_score


def test_a_key_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    path.write_bytes(b"\xef\xbb\xbf" + encode(small_key()))
    assert read_key(path) == small_key()
    path.write_bytes(b"\xef\xbb\xbf" + V1.read_bytes())
    assert read_key(path).pack == "old"


def test_the_key_file_is_small() -> None:
    # version 1 stored ~21 KB per variant of this profile (mostly worked steps); version 2 stores the rest
    per_variant = len(encode(small_key())) / 2
    assert per_variant < len(V1.read_bytes()) / 2 / 5


# ---- tampered and hand-edited keys: one line naming what and where, never a KeyError ----


def _answers(d: dict[str, Any], v: int = 0) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = d["variants"][v]["problems"][0]["answers"]
    return answers


TAMPER: list[tuple[str, Callable[[dict[str, Any]], Any], Callable[[], dict[str, Any]], str]] = [
    (
        "v2 accepted deleted",
        lambda d: _answers(d)[2].pop("accepted"),
        key_json,
        r"variants\[0\]\.problems\[0\]\.answers\[2\]: missing field `accepted`",
    ),
    (
        "v1 accepted deleted",
        lambda d: _answers(d)[2].pop("accepted"),
        v1_json,
        r"variants\[0\]\.problems\[0\]\.answers\[2\]: missing field `accepted`",
    ),
    (
        "v1 steps deleted",
        lambda d: d["variants"][1]["problems"][0].pop("steps"),
        v1_json,
        r"variants\[1\]\.problems\[0\]: missing field `steps`",
    ),
    (
        "rounded outside its interval",
        lambda d: _answers(d)[0].update(rounded="9.9999"),
        key_json,
        r"variant \w{3}-\w{3}.*answer z_h1: rounded 9\.9999 is not exact",
    ),
    (
        "interval moved off the value",
        lambda d: _answers(d)[1].update(accepted=[5.0, 6.0]),
        key_json,
        r"answer a_h1: exact .* lies outside its accepted interval \[5\.0, 6\.0\]",
    ),
    (
        "v1 rounded outside its interval",
        lambda d: _answers(d, 1)[3]["accepted"].update(interval=[0.1, 0.1001]),
        v1_json,
        r"variants\[1\].*answer a_h2: exact .* outside its accepted interval",
    ),
    (
        "answer_ids without an answer",
        lambda d: d["structure"]["answer_ids"].append("z_h9"),
        key_json,
        r"do not match structure\.answer_ids \(missing z_h9\)",
    ),
    ("an answer deleted", lambda d: _answers(d).pop(4), key_json, r"missing z_o1"),
    ("answers reordered", lambda d: _answers(d).reverse(), key_json, r"in another order"),
    (
        "duplicate variant",
        lambda d: d["variants"].append(d["variants"][0]),
        key_json,
        r"variant \w{3}-\w{3} appears twice \(variants\[0\] and variants\[2\]\)",
    ),
    (
        "wrong type",
        lambda d: _answers(d)[0].update(exact="0.5"),
        key_json,
        r"answers\[0\]\.exact: Expected `float`, got `str`",
    ),
    (
        "network inconsistent",
        lambda d: d["variants"][0]["problems"][0]["network"]["inputs"].pop(),
        key_json,
        r"variants\[0\].*network: 1 inputs given for an input layer of 2",
    ),
    ("unknown version", lambda d: d.update(version=3), key_json, r"reads answer-key versions 1, 2, not this one"),
    ("no format", lambda d: d.pop("format"), key_json, r"not a backprop-exam answer key"),
    ("other format", lambda d: d.update(format="other"), key_json, r"not a backprop-exam answer key"),
]


@pytest.mark.parametrize(("name", "tamper", "make", "message"), TAMPER, ids=[t[0] for t in TAMPER])
def test_tampered_keys_fail_at_the_door(
    name: str, tamper: Callable[[dict[str, Any]], Any], make: Callable[[], dict[str, Any]], message: str
) -> None:
    data = make()
    tamper(data)
    assert_matches(one_line_error(data), message)


def assert_matches(text: str, pattern: str) -> None:
    import re

    assert re.search(pattern, text), text


def test_not_a_key_at_all() -> None:
    assert "not a backprop-exam answer key" in one_line_error(b"[1, 2]")
    assert "not a backprop-exam answer key" in one_line_error(b'{"variant": "AAA-BBB", "answers": {}}')
    assert "not valid JSON" in one_line_error(b"{not json")
    assert "not valid JSON" in one_line_error(b"\xff\xfe{\x00")


def test_the_cli_says_one_line_for_a_tampered_key(tmp_path: Path) -> None:
    data = key_json()
    _answers(data)[2].pop("accepted")
    (tmp_path / "k.json").write_text(json.dumps(data), encoding="utf-8")
    res = CliRunner().invoke(cli, ["key", str(tmp_path / "k.json")])
    assert res.exit_code == 2
    assert len(res.output.strip().splitlines()) == 1
    assert "answers[2]" in res.output
    assert "Traceback" not in res.output


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:3]):
            out += _paths(v, (*at, i))
    return out


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(["v1", "v2"]))
def test_any_edit_of_a_key_is_read_or_refused_in_one_line(data: st.DataObject, version: str) -> None:
    doc = v1_json() if version == "v1" else key_json()
    doc["variants"] = doc["variants"][:1]
    path = data.draw(st.sampled_from(_paths(doc)[1:]))
    parent = doc
    for p in path[:-1]:
        parent = parent[p]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(JSON_VALUES)
    message = ""
    try:
        key = loads(json.dumps(doc).encode())
        worked_of(key, key.variants[0].problems[0])  # a key that is read can be worked and printed
    except SpecError as e:
        message = str(e)
    assert "\n" not in message


# ---- the secret: nothing on a worksheet lets anyone rebuild another variant ----


def old_secret(seed: str) -> str:
    """How backprop-exam derived the pack secret from --seed before version 2."""
    return hashlib.sha256(f"backprop-exam seed {seed}".encode()).hexdigest()


def brute_force(code: str, pack: str, who: str, derive: Callable[[str], str], tries: int) -> str | None:
    """What a student does with one worksheet: its code, pack name and student id are printed on it."""
    for guess in range(tries):
        if variant_code(derive(str(guess)), pack, who) == code:
            return str(guess)
    return None


def test_the_old_attack_recovers_a_seed_from_one_worksheet_and_fails_now() -> None:
    # Old key (made with --seed 2026): Ada's worksheet gives the seed, and with it Alan's numbers.
    old = read_key(V1)
    ada, alan = old.variants
    assert ada.student is not None
    assert alan.student is not None
    t = time.perf_counter()
    found = brute_force(ada.variant, "old", f"student:{ada.student.id}", old_secret, 10_000)
    assert found == "2026"
    assert time.perf_counter() - t < 5
    spec = load_builtin("profile", "standard")
    secret = old_secret(found)
    structure = draw_structure(spec, Rng(variant_seed(secret, "old", "\x00structure")))
    rebuilt = draw_variant(spec, structure, variant_seed(secret, "old", f"student:{alan.student.id}"), 4)
    assert rebuilt.graph.network == alan.problems[0].network.network()

    # Now: a pack made without options has a random 256-bit secret; the same search finds nothing.
    new = build_pack(spec, pack="old", students=[Student("s1", "Ada")])
    assert new.secret_source == "random"
    assert new.secret is not None
    assert len(bytes.fromhex(new.secret)) == 32
    code = new.variants[0].variant
    assert brute_force(code, "old", "student:s1", old_secret, 10_000) is None
    # and --seed 2026 no longer gives the old secret: every guess now costs a scrypt
    seeded = build_pack(spec, pack="old", students=[Student("s1", "Ada")], seed="2026")
    assert seeded.secret != old_secret("2026")
    assert brute_force(seeded.variants[0].variant, "old", "student:s1", old_secret, 10_000) is None


def test_a_guessable_seed_is_said_plainly_and_a_weak_passphrase_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    made = resolve_secret(None, "2026", "p")
    assert made.source == "seed"
    assert "anyone who guesses it can rebuild" in made.warning
    assert resolve_secret(None, STRONG + "-" + STRONG, "p").warning == ""  # a long seed is a passphrase
    for weak in ("2026", "password123", "Tr0ub4dor&3", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"):
        with pytest.raises(SpecError, match=r"too easy to guess.*random words"):
            resolve_secret(weak, None, "p")
    monkeypatch.setenv("BACKPROP_EXAM_SECRET", "hunter2")
    with pytest.raises(SpecError, match=r"\$BACKPROP_EXAM_SECRET is too easy to guess"):
        resolve_secret(None, None, "p")


def test_a_passphrase_reproduces_the_pack_and_costs_a_scrypt_per_guess() -> None:
    a, b = resolve_secret(STRONG, None, "p"), resolve_secret(STRONG, None, "p")
    assert a == b
    assert a.source == "passphrase"
    assert len(a.value) == 64
    assert resolve_secret(STRONG, None, "q").value != a.value  # salted with the pack name
    assert guess_bits(STRONG) >= MIN_BITS
    assert 128 * SCRYPT_R * SCRYPT_N >= 32 * 2**20  # 32 MiB of memory per guess
    t = time.perf_counter()
    hashlib.scrypt(b"guess", salt=b"p", n=SCRYPT_N, r=SCRYPT_R, p=1, maxmem=2**26, dklen=32)
    assert time.perf_counter() - t > 0.01


def test_generate_warns_about_a_guessable_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run = CliRunner()
    res = run.invoke(cli, ["generate", "--count", "2", "--seed", "2026", "--no-pdf"])
    assert res.exit_code == 0, res.output
    assert "Warning: --seed '2026' can be guessed" in res.output
    res = run.invoke(cli, ["generate", "--count", "2", "--no-pdf", "--pack", "q", "--secret", "2026"])
    assert res.exit_code == 2
    assert "too easy to guess" in res.output
    res = run.invoke(cli, ["generate", "--count", "2", "--no-pdf", "--pack", "r"])
    assert res.exit_code == 0
    assert "Warning" not in res.output
