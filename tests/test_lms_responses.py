"""LMS response reports grade with the same verdicts as the same answers in our own CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.answer_key import write_key
from generator.grading import Grading, grade_files
from generator.lms.responses import split_blanks, split_parts
from generator.pack import build_pack
from generator.records import Key
from generator.spec import load_builtin

from .lms_examples import canvas_rows, moodle_rows, qti_result, to_csv

STUDENTS = [
    {"first": "Ada", "last": "Lovelace", "email": "ada@uni.example", "idnumber": "s1001", "username": "ada",
     "canvas_id": "501", "sis_id": "s1001", "section": "A"},
    {"first": "Alan", "last": "Turing", "email": "alan@uni.example", "idnumber": "s1002", "username": "alan",
     "canvas_id": "502", "sis_id": "s1002", "section": "A"},
    {"first": "Grace", "last": "Hopper", "email": "grace@uni.example", "idnumber": "s1003", "username": "grace",
     "canvas_id": "503", "sis_id": "s1003", "section": "B"},
]  # fmt: skip


@pytest.fixture(scope="module")
def key() -> Key:
    return build_pack(load_builtin("profile", "standard"), pack="lmsq", count=3, seed="lmsq")


def typed_answers(key: Key, code: str, style: int) -> list[str]:
    """Correct answers, with a sign error, a blank and a decimal comma depending on ``style``."""
    v = next(v for v in key.variants if v.variant == code)
    out = [a.rounded for a in v.problems[0].answers]
    if style == 1:
        i = next(i for i, a in enumerate(v.problems[0].answers) if a.id.startswith("grad_w"))
        out[i] = out[i][1:] if out[i].startswith("-") else "-" + out[i]
        out[0] = out[0].replace(".", ",")
    if style == 2:
        out[3] = ""
        out[-1] = "abc"
    return out


def taken(key: Key, shared: bool = False) -> list[tuple[dict[str, str], str, list[str]]]:
    """Who took which variant; ``shared``: the first and the last drew the same one, as an LMS may."""
    codes = [v.variant for v in key.variants]
    if shared:
        codes[2] = codes[0]
    return [(s, c, typed_answers(key, c, i)) for i, (s, c) in enumerate(zip(STUDENTS, codes, strict=True))]


def verdicts(g: Grading) -> dict[str, list[tuple[str, str, str]]]:
    return {x.name: [(m.id, m.verdict, m.diagnosis) for m in x.marks] for x in g.graded}


def own_csv(key: Key, path: Path) -> None:
    ids = key.structure.answer_ids
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["variant", "student_id", "name", *ids])
        for s, code, typed in taken(key):
            w.writerow([code, s["idnumber"], f"{s['first']} {s['last']}", *typed])


def grade(tmp_path: Path, key: Key, name: str, files: list[Path]) -> Grading:
    kp = tmp_path / "key.json"
    if not kp.exists():
        write_key(key, kp)
    return grade_files(kp, files, tmp_path / name, pdf=False).grading


def test_moodle_csv_excel_and_canvas_csv_grade_like_our_csv(tmp_path: Path, key: Key) -> None:
    from openpyxl import Workbook

    ours = tmp_path / "answers.csv"
    own_csv(key, ours)
    reference = verdicts(grade(tmp_path, key, "ours", [ours]))
    assert len(reference) == 3
    assert any(d == "sign_error" for marks in reference.values() for _, _, d in marks)

    moodle = tmp_path / "quiz-responses.csv"
    moodle.write_text("\ufeff" + to_csv(moodle_rows(key, taken(key))), encoding="utf-8")
    g = grade(tmp_path, key, "moodle", [moodle])
    assert verdicts(g) == reference
    assert not [i for i in g.issues if i.kind != "unknown_answer"], g.issues
    assert {x.student_id for x in g.graded} == {"s1001", "s1002", "s1003"}

    xlsx = tmp_path / "quiz-responses.xlsx"
    wb = Workbook()
    for row in moodle_rows(key, taken(key)):
        wb.active.append(row)
    wb.save(xlsx)
    assert verdicts(grade(tmp_path, key, "xlsx", [xlsx])) == reference

    canvas = tmp_path / "student-analysis.csv"
    canvas.write_text(to_csv(canvas_rows(key, taken(key))), encoding="utf-8")
    g = grade(tmp_path, key, "canvas", [canvas])
    assert verdicts(g) == reference
    assert [x.submission.identity.get("section") for x in g.graded] == ["A", "A", "B"]

    results = []
    for s, code, typed in taken(key):
        results.append(tmp_path / f"result-{s['idnumber']}.xml")
        results[-1].write_text(qti_result(key, s["idnumber"], code, typed), encoding="utf-8")
    g = grade(tmp_path, key, "qti", results)
    by_id = {x.student_id: [(m.id, m.verdict, m.diagnosis) for m in x.marks] for x in g.graded}
    assert by_id == {s["idnumber"]: reference[f"{s['first']} {s['last']}"] for s, _, _ in taken(key)}


def test_two_students_who_drew_the_same_variant_are_both_graded(tmp_path: Path, key: Key) -> None:
    path = tmp_path / "r.csv"
    path.write_text(to_csv(canvas_rows(key, taken(key, shared=True))), encoding="utf-8")
    g = grade(tmp_path, key, "out", [path])
    assert [x.name for x in g.graded] == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert g.graded[0].code == g.graded[2].code
    assert not g.issues


def test_moodle_variant_from_right_answers_when_the_question_text_is_left_out(tmp_path: Path, key: Key) -> None:
    rows = moodle_rows(key, taken(key))
    for r in rows[1:]:
        r[9] = ""
    path = tmp_path / "r.csv"
    path.write_text(to_csv(rows), encoding="utf-8")
    g = grade(tmp_path, key, "out", [path])
    assert [x.code for x in g.graded] == [c for _, c, _ in taken(key)]


def test_unmatched_rows_are_reported_and_the_rest_graded(tmp_path: Path, key: Key) -> None:
    rows = moodle_rows(key, taken(key))
    rows[1][9] = "no code here"
    rows[1][11] = "part 1: 9.9999"
    rows[2][4] = "In progress"
    path = tmp_path / "r.csv"
    path.write_text(to_csv(rows), encoding="utf-8")
    g = grade(tmp_path, key, "out", [path])
    assert [x.name for x in g.graded] == ["Grace Hopper"]
    assert sorted(i.kind for i in g.issues) == ["no_variant", "not_finished"]
    assert "Ada Lovelace" in g.issues[0].message or "Ada Lovelace" in g.issues[1].message


@given(st.lists(st.text(alphabet="0123456789.,-− e", max_size=8), min_size=1, max_size=12))
def test_moodle_part_summaries_split_back(values: list[str]) -> None:
    cell = "; ".join(f"part {i}: {v}" for i, v in enumerate(values, start=1))
    got = split_parts(cell)
    assert [g.strip() for g in got] == [v.strip() for v in values]


@given(st.lists(st.text(alphabet="0123456789.,-", max_size=8), min_size=1, max_size=12))
def test_canvas_blanks_split_back(values: list[str]) -> None:
    cell = ",".join(v.replace(",", "\\,") for v in values)
    assert split_blanks(cell) == values


def test_gradebooks_join_the_roster_and_list_absent_students(tmp_path: Path) -> None:
    from generator.pack import read_roster

    roster = tmp_path / "class.csv"
    roster.write_text(
        "student_id,name,email,username,section\n"
        "s1001,Ada Lovelace,ada@uni.example,ada,A\n"
        "s1002,Alan Turing,alan@uni.example,alan,A\n"
        "s1003,Grace Hopper,grace@uni.example,grace,B\n"
        "s1004,Absent Student,absent@uni.example,absent,B\n",
        encoding="utf-8",
    )
    students = read_roster(roster)
    assert students[3].record() == {"id": "s1004", "name": "Absent Student", "email": "absent@uni.example",
                                     "username": "absent", "section": "B"}  # fmt: skip
    key = build_pack(load_builtin("profile", "standard"), pack="gb", students=students, seed="gb")
    kp = tmp_path / "gb.json"
    write_key(key, kp)
    # the LMS drew variants at random: Ada got Grace's variant and so on
    codes = [v.variant for v in key.variants]
    drawn = [
        (STUDENTS[0], codes[2], typed_answers(key, codes[2], 1)),
        (STUDENTS[1], codes[0], typed_answers(key, codes[0], 0)),
        (STUDENTS[2], codes[1], typed_answers(key, codes[1], 2)),
    ]
    responses = tmp_path / "responses.csv"
    responses.write_text(to_csv(moodle_rows(key, drawn)), encoding="utf-8")
    run = grade_files(
        kp, [responses], tmp_path / "out", pdf=False, gradebooks=("canvas", "moodle"), assignment="Quiz 1 (42)"
    )
    assert not [i for i in run.grading.issues if i.kind == "student_mismatch"]
    canvas = list(csv.reader((tmp_path / "out" / "gradebook-canvas.csv").open(encoding="utf-8")))
    n = len(key.structure.answer_ids)
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Quiz 1 (42)"]
    assert canvas[1] == ["    Points Possible", "", "", "", "", str(n)]
    by_sis = {r[2]: r for r in canvas[2:]}
    assert by_sis["s1004"][5] == ""  # absent: no grade, not zero
    assert by_sis["s1002"][5] == str(n)  # all correct
    assert by_sis["s1001"][3:5] == ["ada", "A"]
    moodle = list(csv.DictReader((tmp_path / "out" / "gradebook-moodle.csv").open(encoding="utf-8")))
    by_id = {r["ID number"]: r for r in moodle}
    assert by_id["s1001"]["Email address"] == "ada@uni.example"
    assert "sign error" in by_id["s1001"]["Feedback"]
    assert by_id["s1001"]["Quiz 1 (42)"] == str(n - 1)
    assert by_id["s1004"]["Quiz 1 (42)"] == ""
    assert by_id["s1004"]["Feedback"].startswith("absent")
    assert len(moodle) == 4


EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "lms-examples"


@pytest.mark.parametrize("report", ["moodle-responses.csv", "canvas-student-analysis.csv"])
def test_the_documented_examples_grade_to_the_documented_gradebooks(tmp_path: Path, report: str) -> None:
    """docs/lms-examples: the responses of docs/lms.md give exactly the gradebooks shown there."""
    run = grade_files(
        EXAMPLES / "quiz1.json", [EXAMPLES / report], tmp_path / "g", pdf=False,
        gradebooks=("canvas", "moodle"), assignment="Quiz 1 (42)",
    )  # fmt: skip
    assert not run.grading.issues
    moodle = (tmp_path / "g" / "gradebook-moodle.csv").read_text(encoding="utf-8")
    assert moodle == (EXAMPLES / "gradebook-moodle.csv").read_text(encoding="utf-8")
    canvas = list(csv.reader((tmp_path / "g" / "gradebook-canvas.csv").open(encoding="utf-8")))
    documented = list(csv.reader((EXAMPLES / "gradebook-canvas.csv").open(encoding="utf-8")))
    if report.startswith("canvas"):  # the Canvas report also carries the Canvas user ids
        assert [r[1] for r in canvas[2:]] == ["501", "502", "503", ""]
        canvas = canvas[:2] + [[*r[:1], "", *r[2:]] for r in canvas[2:]]
    assert canvas == documented


def test_the_documented_qti_result_grades(tmp_path: Path) -> None:
    run = grade_files(EXAMPLES / "quiz1.json", [EXAMPLES / "qti-result-s1002.xml"], tmp_path / "g", pdf=False)
    assert [(g.student_id, g.score, g.max_score) for g in run.grading.graded] == [("s1002", 13, 13)]


def test_lms_reports_in_a_folder_beside_ordinary_submissions(tmp_path: Path, key: Key) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "responses.csv").write_text(to_csv(moodle_rows(key, taken(key)[:2])), encoding="utf-8")
    s, code, typed = taken(key)[2]
    ids = key.structure.answer_ids
    (folder / "paper.csv").write_text(
        "variant,student_id," + ",".join(ids) + "\n" + f"{code},{s['idnumber']}," + ",".join(typed) + "\n",
        encoding="utf-8",
    )
    g = grade(tmp_path, key, "out", [folder])
    assert sorted(x.student_id for x in g.graded) == ["s1001", "s1002", "s1003"]
    assert not g.issues


def test_the_grade_command_writes_lms_gradebooks(tmp_path: Path, key: Key) -> None:
    from click.testing import CliRunner

    from generator.cli import cli

    kp = tmp_path / "k.json"
    write_key(key, kp)
    report = tmp_path / "r.csv"
    report.write_text(to_csv(canvas_rows(key, taken(key))), encoding="utf-8")
    out = tmp_path / "g"
    args = ["grade", str(kp), str(report), "--out", str(out), "--no-pdf", "--gradebook", "canvas"]
    r = CliRunner().invoke(cli, [*args, "--gradebook", "moodle", "--assignment", "Q (7)"])
    assert r.exit_code == 0, r.output
    assert "gradebook-canvas.csv" in r.output
    assert (out / "gradebook-moodle.csv").read_text(encoding="utf-8").startswith("ID number,Email address")
