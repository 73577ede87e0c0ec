"""The teacher's report: item analysis against a hand calculation, and how the chart and tables print."""

from __future__ import annotations

import io
import itertools
import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.grading import Submission, grade_key
from generator.grading.feedback import feedback_context, inline, prose_math
from generator.grading.grade import Grading
from generator.grading.items import grading_items, item_statistics
from generator.grading.report import BAR_STYLES, chart_label, question_plot, report_context
from generator.grading.run import feedback_pdf
from generator.pack import build_pack
from generator.spec import load_builtin
from tests.test_grading_display import graded_one

# A tiny class, worked by hand: four students, items A B C D (1 point each).
#   s1: 1 1 1 1   s2: 1 1 0 1   s3: 1 0 0 1   s4: 0 0 0 1
# A: facility 3/4; rest-of-test (total minus A) = 3 2 1 1.
#    deviations of A: .25 .25 .25 -.75; of rest (mean 1.75): 1.25 .25 -.75 -.75
#    Sxy = .3125 + .0625 - .1875 + .5625 = .75, Sxx = .75, Syy = 1.5625+.0625+.5625+.5625 = 2.75
#    r = .75 / sqrt(.75 * 2.75) = sqrt(3/11)
# B: facility 1/2; rest = 3 2 2 1 (mean 2): dx .5 .5 -.5 -.5, dy 1 0 0 -1: Sxy 1, Sxx 1, Syy 2: r = 1/sqrt(2)
# C: facility 1/4; rest = 3 3 2 1 (mean 2.25): dx .75 -.25 -.25 -.25, dy .75 .75 -.25 -1.25:
#    Sxy = .5625 - .1875 + .0625 + .3125 = .75, Sxx .75, Syy = .5625+.5625+.0625+1.5625 = 2.75: r = sqrt(3/11)
# D: everybody 1: facility 1, no spread: no discrimination index.
CLASS = [
    {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0},
    {"A": 1.0, "B": 1.0, "C": 0.0, "D": 1.0},
    {"A": 1.0, "B": 0.0, "C": 0.0, "D": 1.0},
    {"A": 0.0, "B": 0.0, "C": 0.0, "D": 1.0},
]


def test_facility_and_discrimination_match_a_hand_calculation() -> None:
    mistakes = [{}, {"C": "sign_error"}, {"B": "update_sign", "C": "sign_error"}, {"A": "z_for_a", "C": "update_sign"}]
    stats = {s.id: s for s in item_statistics("ABCD", CLASS, dict.fromkeys("ABCD", 1.0), mistakes)}
    assert [stats[i].facility for i in "ABCD"] == [0.75, 0.5, 0.25, 1.0]
    assert stats["A"].discrimination == pytest.approx(math.sqrt(3 / 11))
    assert stats["B"].discrimination == pytest.approx(1 / math.sqrt(2))
    assert stats["C"].discrimination == pytest.approx(math.sqrt(3 / 11))
    assert stats["D"].discrimination is None
    assert (stats["C"].mistake, stats["C"].mistake_count) == ("sign_error", 2)
    assert (stats["D"].mistake, stats["D"].mistake_count) == ("", 0)


def test_partial_credit_and_max_points_scale_the_facility() -> None:
    # follow-through at half credit: 0.5 of 1 and 1 of 1 -> 0.75; an item worth 2: 1 and 2 of 2 -> 0.75
    stats = item_statistics(["A", "B"], [{"A": 0.5, "B": 1.0}, {"A": 1.0, "B": 2.0}], {"A": 1.0, "B": 2.0})
    assert [s.facility for s in stats] == [0.75, 0.75]
    # two students, rest-of-test rises with the item: correlation 1
    assert stats[0].discrimination == pytest.approx(1.0)


def test_one_student_has_no_discrimination_index() -> None:
    stats = grading_items(graded_one())
    assert all(s.discrimination is None for s in stats)
    by_id = {s.id: s for s in stats}
    assert (by_id["delta_o1"].facility, by_id["delta_o1"].mistake) == (0.0, "sign_error")
    assert by_id["a_h1"].facility == 1.0


def test_report_questions_carry_the_item_analysis() -> None:
    ctx = report_context(graded_one())
    q = {q["id"]: q for q in ctx["questions"]}
    assert (q["delta_o1"]["facility"], q["delta_o1"]["discrimination"]) == ("0.00", "—")
    assert (q["delta_o1"]["mistake_label"], q["delta_o1"]["mistake_count"]) == ("sign error", 1)
    assert q["a_h1"]["facility"] == "1.00"


def test_chart_bars_differ_in_lightness_and_hatch_so_they_survive_black_and_white() -> None:
    def lightness(color: str) -> float:  # Rec. 601 luma, 0..255
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        return 0.299 * r + 0.587 * g + 0.114 * b

    greys = sorted(lightness(c) for c, _, _ in BAR_STYLES.values())
    assert min(b - a for a, b in itertools.pairwise(greys)) >= 25, greys
    hatches = [h for _, h, _ in BAR_STYLES.values()]
    assert len(set(hatches)) == len(hatches)


def test_dot_hatched_bars_are_pixels_and_the_other_hatches_vector() -> None:
    """WeasyPrint redrew the dot pattern's circles for every bar: 6 of a report's 8 s CPU, 670 of its 730 KB."""
    from generator.grading.report import RASTER_HATCHES

    ids = ["z_h1", "a_h1", "z_h2"]
    svg = str(question_plot(ids, {v: [20.0] * len(ids) for v in BAR_STYLES}, ["z_{h1}", "a_{h1}", "z_{h2}"]))
    uses = sorted(svg.count(f"url(#{p})") for p in re.findall(r'<pattern[^>]*id="(\w+)"', svg))
    vector = [h for _, h, _ in BAR_STYLES.values() if h and h not in RASTER_HATCHES]
    assert uses == [1] * len(RASTER_HATCHES) + [len(ids) + 1] * len(vector)  # + 1: the legend's key
    assert svg.count("<image") == 1  # the dotted bars, one picture


def test_chart_labels_use_the_tables_symbols(caplog: pytest.LogCaptureFixture) -> None:
    assert chart_label("z_{h1}") == "$\\mathrm{\U0001d63b}_{\\mathrm{h1}}$"  # math italic z, upright subscript
    assert "\\mathrm{/}" in chart_label("\\frac{∂L}{∂w_{h1→o1}}")
    shares = {v: [50.0, 50.0] for v in BAR_STYLES}
    svg = str(question_plot(["z_h1", "delta_o1"], shares, ["z_{h1}", "δ_{o1}"]))
    fonts = set(re.findall(r'id="([A-Za-z]+-[A-Za-z]+)-[0-9a-f]+"', svg))
    assert "NotoSansMath-Regular" in fonts  # the symbols' letters, as in the tables
    assert all(f.startswith("NotoSans") for f in fonts), fonts
    assert "z_h1" not in svg
    assert not [r for r in caplog.records if r.name.startswith("matplotlib")]  # no findfont noise on the terminal


def _graded(change: Callable[[str, str], str]) -> Grading:
    """The reference network, one student whose answers are the key's, each passed through ``change``."""
    key = build_pack(load_builtin("preset", "ref-2-2-2-shared"), pack="ref", count=1, seed="1")
    v = key.variants[0]
    answers: dict[str, object] = {a.id: change(a.id, a.rounded) for a in v.problems[0].answers}
    return grade_key(key, [Submission("t", "t.csv", v.variant, "s1", "李小龍", answers)])


def test_a_student_with_only_blanks_and_unreadable_answers_is_not_told_your_mistakes() -> None:
    g = _graded(lambda i, _: "??" if i.startswith("z") else "").graded[0]
    ctx = feedback_context(g, _graded(lambda i, _: "").key, 1.0)
    assert ctx["mistakes"]
    assert "mistake" not in ctx["mistakes_heading"].lower()
    assert ctx["mistakes_heading"] == "The steps you left blank or we could not read"
    g2 = _graded(lambda i, x: "").graded[0]
    assert feedback_context(g2, _graded(lambda i, _: "").key, 1.0)["mistakes_heading"] == "The steps you left blank"


def test_a_wholly_blank_scanned_sheet_is_said_in_one_line_without_empty_crops(tmp_path: Path) -> None:
    """Its feedback showed an empty-grid crop for every blank answer (up to 5 pages); an
    unreadable answer's crop stays: it shows what the scanner could not read."""
    import cv2
    import numpy as np

    from generator.render.templating import render_template

    key = build_pack(load_builtin("preset", "ref-2-2-2-shared"), pack="ref", count=2, seed="1")
    v, w = key.variants
    crops = tmp_path / "crops"
    crops.mkdir()
    for a in v.problems[0].answers:  # what scan writes: every answer's box, here empty grids
        cv2.imwrite(str(crops / f"{a.id}.png"), np.full((40, 120), 255, np.uint8))
    blank = {a.id: "" for a in v.problems[0].answers}
    smudge = {**blank, "z_h1": "??"}
    graded = grade_key(key, [Submission("t", "t.csv", v.variant, "s1", "Ann", blank, crops=crops),
                             Submission("t", "t.csv", w.variant, "s2", "Bo", smudge, crops=crops)])  # fmt: skip
    whole, one = (feedback_context(g, key, 1.0) for g in graded.graded)
    assert [m["crop"] for m in whole["mistakes"] if m["crop"]] == []
    assert whole["blank_sheet"]
    assert not one["blank_sheet"]
    assert [m["id"] for m in one["mistakes"] if m["crop"]] == ["z_h1"]
    html = render_template("grading/feedback.html.j2", **whole)
    assert html.count("No answer was read") == 1  # one line
    typed = grade_key(key, [Submission("t", "t.csv", v.variant, "s1", "Ann", blank)]).graded[0]
    assert feedback_context(typed, key, 1.0)["blank_sheet"] == "Every answer was left blank."


def test_diagnosis_is_typeset_in_the_steps_notation() -> None:
    html = str(prose_math("y − a_o instead of a_o − y in ∂L/∂a_o (or a δ flipped)."))
    assert "a_o" not in html
    assert html.count("<sub>o</sub>") == 3
    assert "\U0001d622" in html  # the math italic a of the steps
    assert "(or a " in html  # the article stays a word
    assert str(prose_math("<b>")) == "&lt;b&gt;"


def test_fractions_are_set_inline_in_table_rows() -> None:
    assert inline("\\frac{∂L}{∂w_{h1→o1}}") == "∂L/∂w_{h1→o1}"
    assert inline("w_{x1→h1}^{new}") == "w_{x1→h1}^{new}"


@pytest.mark.pdf
def test_a_perfect_students_feedback_is_one_page() -> None:
    from pypdf import PdfReader

    grading = _graded(lambda _, x: x)  # 41 answers, all correct
    g = grading.graded[0]
    pdf = feedback_pdf(feedback_context(g, grading.key, 1.0))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert "No mistakes" in (reader.pages[0].extract_text() or "")


def test_a_correct_answer_outside_the_accepted_range_is_explained_not_called_within_it() -> None:
    """The grader calls an answer correct when it is what the student's own correct earlier answers
    give, even outside the key's range (marking._mark_pending): the legend and the row must say so."""
    from dataclasses import replace

    from generator.grading.marking import CORRECT
    from generator.grading.numbers import Entry
    from generator.render.templating import render_template

    grading = _graded(lambda _, x: x)
    g = grading.graded[0]
    m = g.marks[4]
    hi = g.vk.key_iv[m.id][1]
    outside = round(hi + 2 * 10**-grading.key.decimals, grading.key.decimals)
    own = (outside - 10**-grading.key.decimals, outside + 10**-grading.key.decimals)
    g.marks[4] = replace(m, entry=Entry(str(outside), outside, "ok"), verdict=CORRECT, own=own)
    ctx = feedback_context(g, grading.key, 1.0)
    row = ctx["rows"][4]
    assert row["own_correct"]
    assert not any(r["own_correct"] for i, r in enumerate(ctx["rows"]) if i != 4)
    # the student's own range, as the grid of the key's decimals inside ``own``
    expected = f"{outside - 10**-grading.key.decimals:.4f} to {outside + 10**-grading.key.decimals:.4f}"
    assert row["own_range"] == expected.replace("-", "−")
    html = render_template("grading/feedback.html.j2", **ctx)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert "correct*) outside it but exactly what your own earlier answers" in text
    assert f"* from your answers: {row['own_range']}" in text
    # a plain class (nothing correct outside its range) keeps the short legend
    plain = feedback_context(_graded(lambda i, x: "" if i == "loss" else x).graded[0], grading.key, 1.0)
    assert not plain["any_own_correct"]
    assert "correct*" not in render_template("grading/feedback.html.j2", **plain)


def test_the_report_names_the_roster_students_who_handed_nothing_in() -> None:
    from generator.pack import Student
    from generator.render.templating import render_template

    names = ["Łucja Żółć-Kőrösi", "Nguyễn Thị Minh Khai", "李小龍", "محمد عبد الله", "דוד כהן"]
    key = build_pack(load_builtin("profile", "easy"), pack="abs", seed="1",
                     students=[Student(f"s{i}", n) for i, n in enumerate(names)])  # fmt: skip
    handed_in = key.variants[:3]
    grading = grade_key(key, [
        Submission("t", "t.csv", v.variant, v.student.id if v.student else "", "", {}) for v in handed_in
    ])  # fmt: skip
    ctx = report_context(grading)
    assert [(a["variant"], a["name"]) for a in ctx["absent"]] == [(v.variant, v.student.name) for v in key.variants[3:]
                                                                   if v.student]  # fmt: skip
    html = render_template("grading/report.html.j2", **ctx)
    assert html.count("absent: handed nothing in") == 2
    assert "2 roster students handed nothing in" in html
    for n in names[3:]:
        assert n in html


def test_the_chart_comes_in_even_pieces_that_fit_under_a_table() -> None:
    from generator.grading.report import CHART_ROWS, chart_pieces

    for n in range(0, 120):
        pieces = chart_pieces(n)
        assert [i for r in pieces for i in r] == list(range(n))
        assert all(0 < len(r) <= CHART_ROWS for r in pieces)
        assert len(pieces) == -(-n // CHART_ROWS)
        if pieces:
            assert max(map(len, pieces)) - min(map(len, pieces)) <= 1


@pytest.mark.pdf
def test_no_report_page_before_the_last_is_half_empty(tmp_path: Path) -> None:
    """Before: the 28-question table ended mid-page 2 and the chart, kept whole, went to page 3."""
    import subprocess

    from generator.grading.run import report_pdf
    from tests.test_grading_class import MISTAKES, as_text, variant_key, with_mistake

    key = build_pack(load_builtin("profile", "standard"), pack="bal", count=12, seed="1")
    plan = ["", "sign_error", "", "learning_rate_missing", "update_sign", "", "z_for_a", "blank", "", "half", "", ""]
    subs = []
    for k, (v, kind) in enumerate(zip(key.variants, plan, strict=True)):
        answers: dict[str, object] = {a.id: a.rounded for a in v.problems[0].answers}
        if kind in MISTAKES:
            g = variant_key(v, key.decimals).structure.graph
            answers = dict(as_text(with_mistake(g, key.decimals, MISTAKES[kind])[0], list(answers), key.decimals))
        elif kind:
            answers = {i: ("" if kind == "blank" or j % 2 else x) for j, (i, x) in enumerate(answers.items())}
        subs.append(Submission("t", "t.csv", v.variant, f"s{k}", f"Student {k}", answers))
    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf(grade_key(key, subs)))
    # the lowest ink of each page (the charts are drawn as paths: no text to find), above the page number
    from PIL import Image

    subprocess.run(["pdftoppm", "-gray", "-r", "30", str(path), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.pgm"))
    assert len(pages) >= 2
    for png in pages[:-1]:
        im = Image.open(png)
        w, h = im.size
        px = im.load()
        inked = [y for y in range(int(0.92 * h)) if any(px[x, y] < 200 for x in range(w))]
        assert max(inked) > 0.7 * h, f"{png.name} ends at {max(inked) / h:.0%}"
