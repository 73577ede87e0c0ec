"""LMS exports read back: every accepted interval and every mistake alternative as the key says."""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st

from generator.cli import cli
from generator.grading import Submission, grade_key
from generator.lms.canvas import canvas_zip
from generator.lms.moodle import moodle_xml
from generator.lms.qti21 import qti21_zip
from generator.pack import build_pack
from generator.records import Key, Variant
from generator.spec import load_builtin

from .lms_grammar import parse

QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
QTI12 = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


@pytest.fixture(scope="module", params=["standard", "hard", "deep"])
def key(request: pytest.FixtureRequest) -> Key:
    return build_pack(load_builtin("profile", request.param), pack="lms", count=3, seed="lms")


def dec(x: float | str) -> Decimal:
    return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)


def diagnosis_of(key: Key, variant: Variant, aid: str, value: Decimal) -> tuple[str, str]:
    """What the grader says about ``value`` for answer ``aid`` when every other answer is the key's."""
    answers = {a.id: a.rounded for a in variant.problems[0].answers}
    answers[aid] = str(value)
    g = grade_key(key, [Submission("t", "t", variant.variant, answers=answers)])
    mark = next(m for m in g.graded[0].marks if m.id == aid)
    return mark.verdict, mark.diagnosis


def test_moodle_cloze_parses_with_moodles_grammar_and_encodes_the_key(key: Key) -> None:
    root = ET.fromstring(moodle_xml(key))
    cat, *questions = root.findall("question")
    assert cat.get("type") == "category"
    assert cat.findtext("category/text", "").endswith("/lms")
    assert len(questions) == len(key.variants)
    from generator.grading.mistakes import LABELS

    for q, v in zip(questions, key.variants, strict=True):
        assert q.get("type") == "cloze"
        assert v.variant in q.findtext("name/text", "")
        text = q.findtext("questiontext/text", "")
        assert f"Variant {v.variant}" in text
        assert q.find("questiontext/file").get("name") in text  # type: ignore[union-attr]
        assert "Worked solution" in q.findtext("generalfeedback/text", "")
        subs = parse(text)
        answers = v.problems[0].answers
        assert len(subs) == len(answers)
        for sub, a in zip(subs, answers, strict=True):
            first, interval, *mistakes = sub.alternatives
            assert (first.fraction, first.answer, first.tolerance) == (1, dec(a.rounded), 0)
            lo, hi = a.accepted
            assert interval.fraction == 1
            assert (interval.answer - interval.tolerance, interval.answer + interval.tolerance) == (dec(lo), dec(hi))
            for m in mistakes:
                assert m.fraction == 0
                m_lo, m_hi = m.answer - m.tolerance, m.answer + m.tolerance
                assert m_hi < dec(lo) or m_lo > dec(hi)  # outside the accepted interval
                verdict, code = diagnosis_of(key, v, a.id, m.answer)
                assert verdict == "wrong"
                assert code
                # Moodle takes the first matching answer; the grader names the first rule that fits
                first_match = next(x for x in mistakes if x.answer - x.tolerance <= m.answer <= x.answer + x.tolerance)
                assert first_match.feedback.startswith(LABELS[code][:1].upper() + LABELS[code][1:] + ":")


def test_every_diagnosable_mistake_of_a_sign_flip_is_an_alternative(key: Key) -> None:
    """Independent check: the negated key value of a gradient is a sign error, and the export has it."""
    v = key.variants[0]
    text = ET.fromstring(moodle_xml(key)).findall("question")[1].findtext("questiontext/text", "")
    for sub, a in zip(parse(text), v.problems[0].answers, strict=True):
        if not a.id.startswith("grad_w"):
            continue
        flipped = -dec(a.rounded)
        hits = [m for m in sub.alternatives[2:] if m.answer - m.tolerance <= flipped <= m.answer + m.tolerance]
        assert hits
        assert hits[0].feedback.lower().startswith(("sign error", "z used"))


def test_qti21_package_structure_and_tolerances(key: Key) -> None:
    z = zipfile.ZipFile(io.BytesIO(qti21_zip(key)))
    names = set(z.namelist())
    manifest = ET.fromstring(z.read("imsmanifest.xml"))
    hrefs = {f.get("href") for f in manifest.iter("{http://www.imsglobal.org/xsd/imscp_v1p1}file")}
    assert hrefs == names - {"imsmanifest.xml"}
    test = ET.fromstring(z.read("test.xml"))
    section = test.find(f"{QTI}testPart/{QTI}assessmentSection")
    assert section is not None
    assert section.find(f"{QTI}selection").get("select") == "1"
    refs = section.findall(f"{QTI}assessmentItemRef")
    assert len(refs) == len(key.variants)
    for ref, v in zip(refs, key.variants, strict=True):
        item = ET.fromstring(z.read(ref.get("href", "")))
        assert item.tag == f"{QTI}assessmentItem"
        assert v.variant in item.get("title", "")
        decls = {d.get("identifier"): d for d in item.findall(f"{QTI}responseDeclaration")}
        conds = item.findall(f"{QTI}responseProcessing/{QTI}responseCondition")
        interactions = [e.get("responseIdentifier") for e in item.iter(f"{QTI}textEntryInteraction")]
        answers = v.problems[0].answers
        assert interactions == [a.id for a in answers] == list(decls)
        for a, cond in zip(answers, conds, strict=True):
            d = decls[a.id]
            assert d.get("baseType") == "float"
            assert d.findtext(f"{QTI}correctResponse/{QTI}value") == a.rounded
            eq = cond.find(f"{QTI}responseIf/{QTI}equal")
            assert eq is not None
            assert eq.get("toleranceMode") == "absolute"
            assert [c.tag for c in eq] == [f"{QTI}correct", f"{QTI}variable"]  # x = correct, y = response
            t0, t1 = (Decimal(t) for t in eq.get("tolerance", "").split())
            lo, hi = a.accepted
            assert (dec(a.rounded) - t0, dec(a.rounded) + t1) == (dec(lo), dec(hi))
            for alt in cond.findall(f"{QTI}responseElseIf"):
                e = alt.find(f"{QTI}equal")
                assert e is not None
                mid = Decimal(e.findtext(f"{QTI}baseValue", ""))
                assert not dec(lo) <= mid <= dec(hi)
                fid = alt.findtext(f".//{QTI}multiple/{QTI}baseValue")
                fb = item.find(f"{QTI}modalFeedback[@identifier='{fid}']")
                assert fb is not None
                assert diagnosis_of(key, v, a.id, mid)[0] == "wrong"


def test_canvas_zip_group_picks_one_and_blanks_accept_exactly_the_interval(key: Key) -> None:
    z = zipfile.ZipFile(io.BytesIO(canvas_zip(key)))
    quiz = next(n for n in z.namelist() if n.endswith(".xml") and n != "imsmanifest.xml")
    assert quiz in z.read("imsmanifest.xml").decode()
    root = ET.fromstring(z.read(quiz))
    group = root.find(f"{QTI12}assessment/{QTI12}section/{QTI12}section")
    assert group is not None
    assert group.findtext(f".//{QTI12}selection_number") == "1"
    d = key.decimals
    unit = Decimal(1).scaleb(-d)
    for item, v in zip(group.findall(f"{QTI12}item"), key.variants, strict=True):
        text = item.findtext(f"{QTI12}presentation/{QTI12}material/{QTI12}mattext", "")
        assert f"Variant {v.variant}" in text
        img = re.search(r'src="\$IMS-CC-FILEBASE\$/([^"]+)"', text)
        assert img
        assert img.group(1) in z.namelist()
        lids = item.findall(f"{QTI12}presentation/{QTI12}response_lid")
        for lid, a in zip(lids, v.problems[0].answers, strict=True):
            assert f"[{a.id}]" in text
            typed = {t.text or "" for t in lid.iter(f"{QTI12}mattext")} - {a.id}
            values = {Decimal(t.replace(",", ".")) for t in typed}
            lo, hi = (dec(x) for x in a.accepted)
            expected = {x for x in _grid(lo - unit, hi + unit, unit) if lo <= x <= hi}
            assert values == expected
            assert a.rounded in typed


def _grid(lo: Decimal, hi: Decimal, unit: Decimal) -> list[Decimal]:
    x = (lo / unit).to_integral_value() * unit
    out = []
    while x <= hi:
        out.append(x)
        x += unit
    return out


def test_export_command_writes_each_format_and_never_replaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    if True:
        assert runner.invoke(cli, ["generate", "--count", "2", "--pack", "p", "--no-pdf", "--seed", "1"]).exit_code == 0
        for fmt in ("moodle", "qti21", "canvas"):
            r = runner.invoke(cli, ["export", "answer_keys/p.json", "--format", fmt, "--out", f"p.{fmt}"])
            assert r.exit_code == 0, r.output
            assert Path(f"p.{fmt}").stat().st_size > 1000
        r = runner.invoke(cli, ["export", "answer_keys/p.json", "--format", "moodle", "--out", "p.moodle"])
        assert r.exit_code == 2
        assert "--force" in r.output
        r = runner.invoke(cli, ["export", "missing.json", "--format", "moodle"])
        assert r.exit_code == 2
        assert "Traceback" not in r.output


@example("ends in a backslash \\", Decimal(1), Decimal(0))
@example("\n", Decimal(0), Decimal(0))  # PCRE's $ matches before a final newline
@example("\\#\\}~{1:NUMERICAL:=1}<b>&amp;", Decimal(-3), Decimal("0.5"))
@given(
    st.text(min_size=1, max_size=40),
    st.decimals(min_value=-10, max_value=10, places=6, allow_nan=False),
    st.decimals(min_value=0, max_value=1, places=7, allow_nan=False),
)
def test_cloze_feedback_and_numbers_survive_moodles_parser(words: str, mid: Decimal, half: Decimal) -> None:
    """Any feedback text (braces, tildes, hashes, markup) and any interval read back as written."""
    from generator.lms.model import Mistake, Part, Range
    from generator.lms.moodle import cloze

    accepted = Range(Decimal("100"), Decimal("101"))
    mistake = Mistake("sign_error", "sign error", words, Range(mid - half, mid + half))
    (sub,) = parse("<p>x</p>" + cloze(Part("a", "label", "a", "100.5", accepted, (mistake,))) + "<p>y</p>")
    first, interval, m = sub.alternatives
    assert (first.answer, interval.answer - interval.tolerance, interval.answer + interval.tolerance) == (
        Decimal("100.5"), Decimal(100), Decimal(101),
    )  # fmt: skip
    assert (m.answer - m.tolerance, m.answer + m.tolerance) == (mid - half, mid + half)
    # Moodle entity-decodes once and shows the feedback as HTML: the words appear as text
    assert html.unescape(m.feedback) == "Sign error: " + words
