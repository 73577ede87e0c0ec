"""Whole classes and whole variants: absent roster students, duplicate submissions, one problem per variant."""

from __future__ import annotations

import copy
import csv
import io
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner

from generator.answer_key import write_key
from generator.cli import cli
from generator.grading import Submission, grade_key
from generator.grading.gradebook import gradebook_csv
from generator.network import SpecError
from generator.pack import Student, build_pack
from generator.records import Key, Variant
from generator.spec import load_builtin

ROSTER = [Student("s1", "Ann Lee"), Student("s2", "Ben Okafor"), Student("s3", "Cleo Park"), Student("s4", "Dev")]


@cache
def roster_key() -> Key:
    return build_pack(load_builtin("profile", "easy"), pack="quiz", students=ROSTER, seed="whole")


def key_answers(variant: Variant) -> dict[str, object]:
    return {a.id: a.rounded for a in variant.problems[0].answers}


def sub(variant: Variant, source: str, **kw: Any) -> Submission:
    return Submission(
        source=source, file=source.split()[0], variant=variant.variant, answers=key_answers(variant), **kw
    )


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_roster_students_who_handed_nothing_in_are_listed_absent_without_a_score() -> None:
    key = roster_key()
    v1, v2, _, v4 = key.variants
    # s4's worksheet handed in under s3's id (reported as a mismatch): neither counts as absent
    out = grade_key(key, [sub(v1, "a.csv line 2"), sub(v4, "a.csv line 3", student_id="s3")])
    assert [(a.student_id, a.code) for a in out.absent] == [("s2", v2.variant)]
    book = rows(gradebook_csv(out))
    assert [r["student_id"] for r in book] == ["s1", "s3", "s2"]
    assert list(book[0])[:6] == ["variant", "student_id", "name", "score", "max_score", "percent"]
    assert list(book[0])[-1] == "status"  # appended: older readers keep their columns
    assert [r["status"] for r in book] == ["graded", "graded", "absent"]
    absent = book[2]
    n = len(key.structure.answer_ids)
    assert (absent["name"], absent["score"], absent["percent"], absent["max_score"]) == ("Ben Okafor", "", "", str(n))
    assert all(absent[i] == "" for i in key.structure.answer_ids)


def test_a_pack_without_roster_has_no_absent_students() -> None:
    key = build_pack(load_builtin("profile", "easy"), pack="anon", count=3, seed="whole")
    out = grade_key(key, [sub(key.variants[0], "a.csv line 2")])
    assert out.absent == []
    assert [r["status"] for r in rows(gradebook_csv(out))] == ["graded"]


def test_duplicate_submissions_are_reported_not_merged() -> None:
    key = roster_key()
    v1, v2, _, _ = key.variants
    out = grade_key(key, [
        sub(v1, "a.csv line 2"),
        sub(v1, "b.csv line 2"),  # the same variant again: reported, the first one counts
        sub(v2, "c.csv line 2", student_id="s1"),  # s1 again, on another variant: reported, both graded
    ])  # fmt: skip
    kinds = [i.kind for i in out.issues]
    assert kinds.count("duplicate") == 1
    assert kinds.count("duplicate_student") == 1
    dup = next(i for i in out.issues if i.kind == "duplicate_student")
    assert "'s1'" in dup.message
    assert v1.variant in dup.message
    assert v2.variant in dup.message
    assert [g.submission.source for g in out.graded] == ["a.csv line 2", "c.csv line 2"]


def test_a_key_with_several_problems_per_variant_is_refused_with_one_line() -> None:
    key = copy.deepcopy(roster_key())
    v = key.variants[1]
    v.problems.append(msgspec.structs.replace(v.problems[0], number=2))
    with pytest.raises(SpecError, match=f"variant {v.variant} of this answer key has 2 problems"):
        grade_key(key, [sub(key.variants[0], "a.csv line 2")])


def test_the_terminal_summary_counts_the_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    key = roster_key()
    write_key(key, Path("quiz.json"))
    ids = key.structure.answer_ids
    with Path("in.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["variant", *ids])
        w.writeheader()
        w.writerow({"variant": key.variants[0].variant, **key_answers(key.variants[0])})
    res = CliRunner().invoke(cli, ["grade", "quiz.json", "in.csv", "--out", "g", "--no-pdf"], terminal_width=160)
    assert res.exit_code == 0, res.output
    assert "Absent: 3 roster students handed nothing in (Ben Okafor, Cleo Park, Dev)" in res.output
    book = rows(Path("g/gradebook.csv").read_text(encoding="utf-8"))
    assert [r["status"] for r in book] == ["graded", "absent", "absent", "absent"]


def test_a_several_problem_key_is_a_one_line_error_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    key = copy.deepcopy(roster_key())
    for v in key.variants:
        v.problems.append(msgspec.structs.replace(v.problems[0], number=2))
    write_key(key, Path("two.json"))
    Path("in.csv").write_text(f"variant,z_h1\n{key.variants[0].variant},0.5\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["grade", "two.json", "in.csv", "--out", "g", "--no-pdf"])
    assert res.exit_code == 2, res.output
    assert "one problem per variant" in res.output
    assert "Traceback" not in res.output
    assert not Path("g").exists()


def test_a_drawn_submission_that_cannot_be_graded_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """An LMS attempt whose marking fails is one issue, not a KeyError that stops the class."""
    import generator.grading.grade as grade_module

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(grade_module, "mark_submission", broken)
    monkeypatch.delenv("BACKPROP_EXAM_DEBUG", raising=False)
    key = roster_key()
    out = grade_key(key, [sub(key.variants[0], "lms.csv line 2", student_id="u1", drawn=True)])
    assert [i.kind for i in out.issues] == ["not_graded"]
    assert out.graded == []
