"""How the grading PDFs show things: Unicode minus, plain mistake labels, plurals, the charts' typeface."""

from __future__ import annotations

import re
from functools import cache

from generator.grading import Submission, grade_key
from generator.grading.display import MINUS, minus, plural
from generator.grading.feedback import feedback_context
from generator.grading.grade import Grading
from generator.grading.gradebook import answers_csv
from generator.grading.mistakes import LABELS, RULES, WORDS, label
from generator.grading.report import question_plot, report_context, score_plot
from generator.pack import build_pack
from generator.spec import load_builtin


@cache
def graded_one() -> Grading:
    """One submission of the reference network: δ_o1 with its sign flipped, new_b2 blank, an unreadable z_h1."""
    key = build_pack(load_builtin("preset", "ref-2-2-2-shared"), pack="ref", count=1, seed="1")
    v = key.variants[0]
    answers: dict[str, object] = {a.id: a.rounded for a in v.problems[0].answers}
    d = str(answers["delta_o1"])
    answers["delta_o1"] = d[1:] if d.startswith("-") else "-" + d
    answers["new_b2"] = ""
    answers["z_h1"] = "-abc"
    return grade_key(key, [Submission("t", "t.csv", v.variant, "s1", "Ann", answers)])


def test_minus_and_plural() -> None:
    assert minus("-0.4412 to -0.4409") == f"{MINUS}0.4412 to {MINUS}0.4409"
    assert minus("7.46e-2") == f"7.46e{MINUS}2"
    assert (plural(1, "submission"), plural(0, "submission")) == ("1 submission", "0 submissions")
    assert plural(3, "PDF") == "3 PDFs"


def test_every_rule_has_a_plain_label_and_the_worksheets_notation() -> None:
    assert set(LABELS) == set(WORDS) == {r.code for r in RULES}
    for r in RULES:
        assert r.label, r.code
        assert "_" not in r.label, r.code
        assert "ŷ" not in r.words, r.code
    assert label("sign_error") == "sign error"
    assert "a_o − y" in WORDS["sign_error"]


def test_feedback_shows_numbers_with_the_unicode_minus_and_labels_not_codes() -> None:
    grading = graded_one()
    ctx = feedback_context(grading.graded[0], grading.key, 1.0)
    rows = {r["id"]: r for r in ctx["rows"]}
    numbers = [ctx["score"], ctx["percent"]]
    for r in ctx["rows"]:
        numbers += [r["expected"], r["accepted"], r["from_own"]]
        if r["verdict"] not in ("unreadable",):
            numbers.append(r["submitted"])
    for m in ctx["mistakes"]:
        numbers += [s["result"] for s in m["steps"]]
    assert not [n for n in numbers if "-" in n]
    assert any(MINUS in n for n in numbers)
    assert rows["z_h1"]["submitted"] == "-abc"  # an unreadable text is shown as typed
    d = rows["delta_o1"]
    assert (d["diagnosis"], d["diagnosis_label"]) == ("sign_error", "sign error")
    assert "sign_error" in answers_csv(grading)  # the CSV keeps the code and the ASCII minus
    assert ",-0." in answers_csv(grading)


def test_report_labels_and_plurals() -> None:
    ctx = report_context(graded_one())
    assert ctx["graded"] == "1 submission"
    assert [(m["code"], m["label"]) for m in ctx["mistakes"]] == [("sign_error", "sign error")]
    by_id = {q["id"]: q for q in ctx["questions"]}
    assert by_id["delta_o1"]["mistake_label"] == "sign error"


def test_charts_use_the_documents_typeface() -> None:
    shares = {v: [20.0] for v in ("correct", "ecf", "wrong", "blank", "unreadable")}
    for svg in (score_plot([10.0, 55.0, 95.0]), question_plot(["z_h1"], shares)):
        fonts = set(re.findall(r'id="([A-Za-z]+-[A-Za-z]+)-[0-9a-f]+"', str(svg)))
        assert fonts
        assert all(f.startswith("NotoSans-") for f in fonts), fonts


@cache
def graded_multiclass() -> Grading:
    """A softmax/cross-entropy student whose output deltas all have their sign flipped."""
    key = build_pack(load_builtin("profile", "multiclass"), pack="mc", count=1, seed="1")
    v = key.variants[0]
    answers: dict[str, object] = {a.id: a.rounded for a in v.problems[0].answers}
    for aid in [a for a in answers if a.startswith("delta_o")]:
        d = str(answers[aid])
        answers[aid] = d[1:] if d.startswith("-") else "-" + d
    return grade_key(key, [Submission("t", "t.csv", v.variant, "s1", "Ann", answers)])


def test_the_sign_error_of_a_softmax_output_speaks_of_its_delta_not_of_dL_da() -> None:
    """Softmax with cross-entropy has no ∂L/∂a_o step: the words named it (and a squared loss keeps them)."""
    grading = graded_multiclass()
    ctx = feedback_context(grading.graded[0], grading.key, 1.0)
    signs = [r for r in ctx["rows"] if r["diagnosis"] == "sign_error"]
    assert signs
    assert all(r["id"].startswith("delta_o") for r in signs)
    for words in [r["diagnosis_words"] for r in signs] + [
        m["words"] for m in report_context(grading)["mistakes"] if m["code"] == "sign_error"
    ]:
        assert "∂" not in str(words)
        assert "delta" in str(words)
    squared = feedback_context(graded_one().graded[0], graded_one().key, 1.0)
    assert "∂" in str(next(r for r in squared["rows"] if r["diagnosis"] == "sign_error")["diagnosis_words"])
