"""Random submissions thrown at the grading library: it never raises and grades every well-formed answer.

The suite runs with BACKPROP_EXAM_DEBUG=1 (conftest), so the per-file and per-submission
guards re-raise here: an unexpected error is a failing example, not a quiet issue row.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.grading import Submission, grade_key, parse_number, read_all
from generator.pack import build_pack
from generator.records import Answer, Key
from generator.spec import load_builtin
from tests.strategies import examples

FAST = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def key() -> Key:
    return build_pack(load_builtin("profile", "deep"), pack="fuzz", count=3, seed="fuzz")


def answers_of(n: int) -> list[Answer]:
    return list(key().variants[n].problems[0].answers)


numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**4000), 10**4000),  # str() refuses past 4300 digits; "9" * 5000 below covers more
    st.floats(-1e4, 1e4).map(lambda x: f"{x:.4f}"),
    st.floats(-1e4, 1e4).map(lambda x: f"{x:.3f}".replace(".", ",").replace("-", "−")),
    st.integers(1, 999).map(lambda k: f"{k},000"),
    st.sampled_from(["3650", "5903", "-3650", "1e308", "-1e308", "1e-320", "9" * 401, "9" * 5000, "0", "1", "-1"]),
)
texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\u00a0", "abc", "½", "٠.٥", "1/0", "[/bold]", "\x1b[2J", "\ufeff0.5", "NaN", "-inf"]),
    st.integers(20_000, 140_000).map(lambda n: "1" * n),  # cells past csv's 128 KB default limit
)
values = st.one_of(numbers, texts, st.none(), st.booleans(), st.lists(st.integers(), max_size=2))


@st.composite
def submissions(draw: st.DrawFn) -> Submission:
    k = key()
    n = draw(st.integers(0, len(k.variants) - 1))
    ids = [a.id for a in answers_of(n)]
    answers: dict[str, object] = {}
    for a in answers_of(n):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            answers[a.id] = str(a.rounded)  # the right answer, as the key writes it
        elif choice == 1:
            answers[a.id] = draw(values)
    extra = draw(st.dictionaries(st.text(max_size=12), values, max_size=3))
    answers.update({k2: v for k2, v in extra.items() if k2 not in ids})
    variant = draw(st.one_of(st.just(k.variants[n].variant), st.text(max_size=8)))
    return Submission("fuzz", "fuzz.csv", variant, draw(st.text(max_size=10)), draw(st.text(max_size=20)), answers)


@FAST
@given(st.lists(submissions(), min_size=1, max_size=4))
def test_grading_never_raises_and_grades_every_well_formed_answer(subs: list[Submission]) -> None:
    g = grade_key(key(), subs)
    codes = [v.variant for v in key().variants]
    for x in g.graded:
        sub = x.submission
        marks = {m.id: m for m in x.marks}
        answers = answers_of(codes.index(x.code))
        assert set(marks) == {a.id for a in answers}
        for a in answers:
            raw = sub.answers.get(a.id)
            entry = parse_number(raw)
            verdict = marks[a.id].verdict
            if entry.status == "ok":
                assert verdict in ("correct", "ecf", "wrong")
                if raw == str(a.rounded):
                    assert verdict == "correct"
            else:
                assert verdict == entry.status
    assert len(g.graded) + sum(i.kind in ("unknown_variant", "duplicate") for i in g.issues) == len(subs)


@FAST
@given(st.lists(st.lists(st.one_of(texts, numbers.map(str)), min_size=1, max_size=5), max_size=4))
def test_any_csv_file_is_read_or_reported(tmp_path_factory: Any, rows: list[list[str]]) -> None:
    import csv

    p = Path(tmp_path_factory.mktemp("csv")) / "s.csv"
    ids = [a.id for a in answers_of(0)][:4]
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["variant", *ids])
        for r in rows:
            w.writerow([key().variants[0].variant, *r])
    subs, issues = read_all([p])
    grade_key(key(), subs)
    assert len(subs) + len(issues) >= 1 or not rows


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers(-(10**400), 10**400) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@FAST
@given(st.one_of(json_values, st.fixed_dictionaries({"variant": st.text(max_size=8), "answers": json_values})))
def test_any_json_file_is_read_or_reported(tmp_path_factory: Any, data: Any) -> None:
    p = Path(tmp_path_factory.mktemp("json")) / "s.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    subs, _ = read_all([p])
    grade_key(key(), subs)


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_as_csv_json_or_pdf_are_read_or_reported(tmp_path_factory: Any, data: bytes) -> None:
    folder = Path(tmp_path_factory.mktemp("bytes"))
    for name in ("s.csv", "s.json", "s.pdf"):
        (folder / name).write_bytes(data)
    subs, issues = read_all([folder])
    grade_key(key(), subs)
    assert len(subs) + len(issues) >= 1
