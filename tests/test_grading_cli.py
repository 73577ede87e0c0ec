"""`backprop-exam grade` end to end: files written, exit codes, one-line errors, PDFs, a worksheet round trip."""

from __future__ import annotations

import csv
import io
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from generator.answer_key import write_key
from generator.cli import cli
from generator.evaluate import evaluate
from generator.graph import build_graph
from generator.numbers import fmt
from generator.pack import Student, build_pack
from generator.records import Key, Variant
from generator.spec import load_builtin


@cache
def class_key() -> Key:
    roster = [Student("s1", "Ann Lee"), Student("s2", "=cmd|' /C calc'!A0"), Student("s3", "Bo")]
    return build_pack(load_builtin("profile", "hard"), pack="quiz", students=roster, seed="cli", course="NN 101")


def values(variant: Variant, override: Any = None) -> dict[str, str]:
    g = build_graph(variant.problems[0].network.network())
    vals = evaluate(g, "quantity", 4, override=override)
    return {a.id: fmt(vals[a.id], 4) for a in variant.problems[0].answers}


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)
    key = class_key()
    key_path = tmp_path / "answer_keys" / "quiz.json"
    write_key(key, key_path)
    ids = key.structure.answer_ids
    v1, v2, v3 = key.variants
    rows = [
        {"variant": v1.variant, **values(v1)},
        {"variant": v2.variant, **values(v2, lambda n, v, M: v[1] - v[0] if n.op == "dloss" else None)},
        {"variant": v3.variant, **dict.fromkeys(ids, ""), "z_h1": "abc"},
        {"variant": "ZZZ-ZZZ"},
    ]
    sub = tmp_path / "responses.csv"
    with sub.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["variant", *ids])
        w.writeheader()
        w.writerows(rows)
    return key_path, sub


def grade(*args: str) -> Result:
    return CliRunner().invoke(cli, ["grade", *args], terminal_width=160)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_grade_writes_gradebook_and_answers(files: tuple[Path, Path]) -> None:
    key_path, sub = files
    res = grade(str(key_path), str(sub), "--out", "grades", "--no-pdf")
    assert res.exit_code == 0, res.output
    for text in ("Graded 3 submissions", "ZZZ-ZZZ", "sign_error"):
        assert text in res.output
    book = read_csv(Path("grades/gradebook.csv"))
    assert list(book[0])[:6] == ["variant", "student_id", "name", "score", "max_score", "percent"]
    assert (book[0]["student_id"], book[0]["score"], book[0]["max_score"]) == ("s1", "41", "41")
    assert book[1]["name"].startswith("'=")  # the roster name cannot run as a spreadsheet formula
    assert float(book[1]["score"]) == 39  # two sign errors; everything after them follows through
    assert book[2]["percent"] == "0.0"
    answers = read_csv(Path("grades/answers.csv"))
    assert len(answers) == 3 * 41
    assert list(answers[0]) == [
        "variant", "student_id", "answer_id", "submitted", "expected", "verdict", "points", "max_points", "diagnosis",
    ]  # fmt: skip
    wrong = [r for r in answers if r["verdict"] == "wrong"]
    assert {(r["answer_id"], r["diagnosis"]) for r in wrong} == {("dL_da_o1", "sign_error"), ("dL_da_o2", "sign_error")}
    assert {r["verdict"] for r in answers if r["student_id"] == "s3"} == {"blank", "unreadable"}
    assert "unknown_variant" in Path("grades/issues.csv").read_text(encoding="utf-8")


def test_existing_output_is_kept_without_force(files: tuple[Path, Path]) -> None:
    key_path, sub = files
    assert grade(str(key_path), str(sub), "--out", "grades", "--no-pdf").exit_code == 0
    before = Path("grades/gradebook.csv").read_text(encoding="utf-8")
    res = grade(str(key_path), str(sub), "--out", "grades", "--no-pdf")
    assert res.exit_code == 2
    assert res.output.startswith("Error: grades exists")
    assert res.output.count("\n") == 1
    assert "--force" in res.output
    assert Path("grades/gradebook.csv").read_text(encoding="utf-8") == before
    assert grade(str(key_path), str(sub), "--out", "grades", "--no-pdf", "--force").exit_code == 0
    assert sorted(p.name for p in Path().iterdir()) == ["answer_keys", "grades", "responses.csv"]  # no temp left


def test_default_out_is_grades_pack(files: tuple[Path, Path]) -> None:
    key_path, sub = files
    assert grade(str(key_path), str(sub), "--no-pdf").exit_code == 0
    assert Path("grades/quiz/gradebook.csv").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["answer_keys/none.json", "responses.csv"], "answer key answer_keys/none.json not found"),
        (["answer_keys/quiz.json", "missing.csv"], "nothing could be graded: missing.csv: no such file"),
        (["answer_keys/quiz.json", "other.csv"], "nothing could be graded: other.csv line 2: variant code 'AAA-AAA'"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(files: tuple[Path, Path], args: list[str], message: str) -> None:
    Path("other.csv").write_text("variant,z_h1\nAAA-AAA,1\n", encoding="utf-8")
    res = grade(*args, "--no-pdf")
    assert res.exit_code == 2
    assert res.output.startswith(f"Error: {message}"), res.output
    assert res.output.count("\n") == 1
    assert not Path("grades").exists()


def test_ecf_credit_out_of_range_is_a_usage_error(files: tuple[Path, Path]) -> None:
    key_path, sub = files
    res = grade(str(key_path), str(sub), "--ecf-credit", "2")
    assert res.exit_code == 2
    assert "--ecf-credit" in res.output


def test_ecf_credit_changes_the_points(files: tuple[Path, Path]) -> None:
    key_path, sub = files
    assert grade(str(key_path), str(sub), "--out", "half", "--no-pdf", "--ecf-credit", "0.5").exit_code == 0
    book = read_csv(Path("half/gradebook.csv"))
    full = read_csv(Path("half/answers.csv"))
    n_ecf = sum(1 for r in full if r["student_id"] == "s2" and r["verdict"] == "ecf")
    assert float(book[1]["score"]) == 41 - 2 - n_ecf / 2
    assert {r["points"] for r in full if r["verdict"] == "ecf"} == {"0.5"}


def test_an_error_while_writing_leaves_nothing_behind(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.grading.run as run

    def broken(*_: Any) -> bytes:
        raise OSError(28, "No space left on device", "report.pdf")

    monkeypatch.setattr(run, "report_pdf", broken)
    monkeypatch.setattr(run, "render_feedback", lambda *a, **k: None)
    key_path, sub = files
    res = grade(str(key_path), str(sub), "--out", "grades")
    assert res.exit_code == 2
    assert "No space left on device" in res.output
    assert sorted(p.name for p in Path().iterdir()) == ["answer_keys", "responses.csv"]


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)


@pytest.mark.pdf
def test_feedback_and_report_pdfs(files: tuple[Path, Path]) -> None:
    key_path, sub = files
    res = grade(str(key_path), str(sub), "--out", "grades", "--jobs", "2")
    assert res.exit_code == 0, res.output
    fb = sorted(p.name for p in Path("grades/feedback").iterdir())
    assert fb == ["s1.pdf", "s2.pdf", "s3.pdf"]
    text = pdf_text(Path("grades/feedback/s2.pdf"))
    for words in ("Feedback", "sign error", "follow-through", "39 of 41 points", "Your mistakes, step by step"):
        assert words in text, words
    assert "No mistakes" in pdf_text(Path("grades/feedback/s1.pdf"))
    report = pdf_text(Path("grades/report.pdf"))
    for words in ("Grading report", "Score distribution", "Students needing attention", "Bo", "sign error",
                  "Correctness per question", "ZZZ-ZZZ"):  # fmt: skip
        assert words in report, words


@pytest.mark.pdf
def test_round_trip_through_a_real_fillable_worksheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """generate's worksheet, filled as a PDF viewer would, graded from the file."""
    from pypdf import PdfReader, PdfWriter

    from generator import render

    monkeypatch.chdir(tmp_path)
    key = build_pack(load_builtin("profile", "standard"), pack="rt", count=2, seed="rt")
    write_key(key, tmp_path / "rt.json")
    made = render.render_pack(key, tmp_path / "pack")
    sheets = [p for p in made if p.suffix == ".pdf" and PdfReader(str(p)).get_fields()]
    assert len(sheets) == 2, made
    filled = tmp_path / "filled"
    filled.mkdir()
    by_code = {v.variant: v for v in key.variants}
    for sheet in sheets:
        reader = PdfReader(str(sheet))
        code = render.read_variant_code(sheet)
        assert code in by_code
        answers = {a.id: a.rounded for a in by_code[code].problems[0].answers}
        writer = PdfWriter(clone_from=reader)
        for page in writer.pages:
            writer.update_page_form_field_values(page, answers, auto_regenerate=False)
        buf = io.BytesIO()
        writer.write(buf)
        (filled / sheet.name).write_bytes(buf.getvalue())
    res = grade("rt.json", str(filled), "--out", "g", "--no-pdf")
    assert res.exit_code == 0, res.output
    rows = read_csv(Path("g/gradebook.csv"))
    assert [r["percent"] for r in rows] == ["100.0", "100.0"]


def test_force_never_replaces_a_folder_that_is_not_a_grading_output(files: tuple[Path, Path]) -> None:
    key_path, sub = files
    Path("notes").mkdir()
    Path("notes/thesis.tex").write_text("precious", encoding="utf-8")
    res = grade(str(key_path), str(sub), "--out", "notes", "--no-pdf", "--force")
    assert res.exit_code == 2
    assert "which backprop-exam did not write" in res.output
    assert Path("notes/thesis.tex").read_text(encoding="utf-8") == "precious"
