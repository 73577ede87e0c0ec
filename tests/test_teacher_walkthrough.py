"""What a teacher met trying the tool from a fresh clone (the `tester` walkthrough): each a one-line fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.answer_key import write_key
from generator.cli import cli
from generator.pack import Student, build_pack
from generator.spec import load_builtin, profiles


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    key = build_pack(load_builtin("profile", "easy"), pack="quiz", students=[Student("s1", "Ann")], seed="walk")
    path = tmp_path / "answer_keys" / "quiz.json"
    write_key(key, path)
    return path


def test_generate_help_names_every_profile(run: CliRunner) -> None:
    text = " ".join(run.invoke(cli, ["generate", "--help"], terminal_width=200).output.split())
    assert set(profiles()) == {"easy", "standard", "hard", "deep", "multiclass"}  # the registry, read from disk
    for name in profiles():
        assert name in text.split("-p, --profile", 1)[1].split("--spec FILE", 1)[0], name


@pytest.mark.parametrize("given", [["nosuch-folder"], ["empty"], ["notes.txt"], ["nosuch.pdf", "empty"]])
def test_scan_with_nothing_to_read_is_one_line_and_writes_nothing(
    run: CliRunner, tmp_path: Path, key_file: Path, given: list[str]
) -> None:
    from generator.answer_key import read_key
    from generator.sheet.layout import build_layout

    layout = tmp_path / "output" / "quiz" / "answer-sheet-layout.json"
    layout.parent.mkdir(parents=True)
    layout.write_text(json.dumps(build_layout(read_key(key_file))), encoding="utf-8")
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("not a scan", encoding="utf-8")
    res = run.invoke(cli, ["scan", "answer_keys/quiz.json", *given, "--out", "scanned"])
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1, res.output
    assert lines[0].startswith("Error: nothing to scan: ")
    for g in given:
        assert g in lines[0]
    assert not (tmp_path / "scanned").exists()


@pytest.mark.parametrize("name", ["page1.png", "sheet.JPG", "stack.tiff"])
def test_grading_a_scanned_image_points_to_scan(run: CliRunner, tmp_path: Path, key_file: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"\x89PNG\r\n\x1a\n")
    res = run.invoke(cli, ["grade", str(key_file), name, "--out", "graded", "--no-pdf"])
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1, res.output
    assert name in lines[0]
    assert "backprop-exam scan" in lines[0]
    assert not (tmp_path / "graded").exists()


def test_grading_a_pdf_without_form_fields_points_to_scan(run: CliRunner, tmp_path: Path, key_file: Path) -> None:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(595, 842)
    with open(tmp_path / "scanned.pdf", "wb") as fh:
        w.write(fh)
    res = run.invoke(cli, ["grade", str(key_file), "scanned.pdf", "--out", "graded", "--no-pdf"])
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1, res.output
    assert "no form fields" in lines[0]
    assert "backprop-exam scan" in lines[0]


def test_grade_help_does_not_suggest_grading_raw_scans(run: CliRunner) -> None:
    text = run.invoke(cli, ["grade", "--help"]).output
    assert " scans/ " not in text


@pytest.mark.parametrize("comma", [False, True])
def test_the_answer_sheet_separates_decimals_as_the_pack_prints_numbers(comma: bool) -> None:
    import msgspec

    from generator.records import PrintSettings
    from generator.render.templating import render_template
    from generator.sheet.layout import build_layout
    from generator.sheet.render import sheet_context

    key = build_pack(load_builtin("profile", "standard"), pack="quiz", students=[Student("s1", "Ann")], seed="walk")
    key = msgspec.structs.replace(key, printing=PrintSettings(decimal_comma=comma))
    layout = build_layout(key)
    html = render_template("answer-sheet.html.j2", part="static", **sheet_context(key, layout, key.variants[0]))
    answers = sum(len(p["answers"]) for p in layout["pages"])
    assert html.count('class="comma-tail"') == (answers if comma else 0)  # a 0,5450 class sees commas


def test_generate_shows_the_rendering_bar_before_the_first_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import workflow
    from generator.writers import OutputOptions

    monkeypatch.chdir(tmp_path)
    ticks: list[tuple[str, int, int]] = []

    def write_pack(key: object, dest: Path, options: object, progress: Any, **kw: Any) -> list[Path]:
        ticks.append(("write_pack called", 0, 0))  # a cold start of the render processes takes seconds
        progress(2)
        return []

    monkeypatch.setattr(workflow, "write_pack", write_pack)
    monkeypatch.setattr("generator.render.pool.prestart", lambda jobs: None)
    options = workflow.PackOptions(pack="quiz", seed="walk", output=OutputOptions(jobs=1))
    workflow.generate_pack(load_builtin("profile", "easy"), options, count=2, progress=lambda *t: ticks.append(t))
    rendering = [t for t in ticks if t[0] != "Solving variants"]
    assert rendering == [("Rendering PDFs", 0, 2), ("write_pack called", 0, 0), ("Rendering PDFs", 2, 2)]


def test_grade_shows_a_bar_while_the_feedback_pdfs_are_written(
    run: CliRunner, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv

    from generator.answer_key import read_key
    from generator.grading import run as grading_run

    seen: list[int] = []
    monkeypatch.setattr(grading_run, "feedback_pdf", lambda *a: seen.append(1) or b"%PDF-1.7 stub")
    monkeypatch.setattr(grading_run, "report_pdf", lambda grading: b"%PDF-1.7 stub")
    monkeypatch.setattr(grading_run, "warn_missing_glyphs", lambda grading: None)
    variant = read_key(key_file).variants[0]
    with open("answers.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["variant", *(a.id for a in variant.problems[0].answers)])
        w.writerow([variant.variant, *(a.rounded for a in variant.problems[0].answers)])
    res = run.invoke(cli, ["grade", str(key_file), "answers.csv", "--out", "graded", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert seen == [1]
    assert "Feedback PDFs" in res.output
    assert "1/1" in res.output


def test_grade_shows_the_report_being_written_after_the_feedback(
    run: CliRunner, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report renders in this process after the feedback PDFs (~20 s for a large class under
    load): its own line follows the full feedback bar instead of a silent stretch."""
    import csv

    from generator.answer_key import read_key
    from generator.grading import run as grading_run

    monkeypatch.setattr(grading_run, "feedback_pdf", lambda *a: b"%PDF-1.7 stub")
    monkeypatch.setattr(grading_run, "report_pdf", lambda grading: b"%PDF-1.7 stub")
    monkeypatch.setattr(grading_run, "warn_missing_glyphs", lambda grading: None)
    variant = read_key(key_file).variants[0]
    with open("answers.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["variant", *(a.id for a in variant.problems[0].answers)])
        w.writerow([variant.variant, *(a.rounded for a in variant.problems[0].answers)])
    res = run.invoke(cli, ["grade", str(key_file), "answers.csv", "--out", "graded", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    feedback = next(i for i, line in enumerate(lines) if line.startswith("Feedback PDFs"))
    report = next(i for i, line in enumerate(lines) if line.startswith("Report "))
    assert feedback < report
    assert "1/1" in lines[report]


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["grade", "answer_keys/quiz.json"], "SUBMISSIONS"),
        (["grade", "k.json", "a.csv", "--ecf-credit", "2"], "--ecf-credit"),
        (["export", "k.json", "--format", "blackboard"], "blackboard"),
        (["gnerate"], "gnerate"),
        (["generate", "--forc"], "--force"),
        (["generate", "--paper", "a5"], "a5"),
        (["scan", "k.json"], "--out"),
        (["solve", "ref-2-2-1-shared", "-d", "0"], "--decimals"),
        (["generate", "--paper", "\x1b[31ma5"], "a5"),  # a terminal escape from the command line stays inert
    ],
)
def test_a_usage_error_is_one_line_naming_the_problem_and_the_help(run: CliRunner, args: list[str], names: str) -> None:
    res = run.invoke(cli, args)
    assert res.exit_code == 2
    lines = res.output.splitlines()
    assert len(lines) == 1, res.output
    assert lines[0].startswith("Error: ")
    assert names in lines[0]
    assert "--help'" in lines[0]
    assert "\x1b" not in res.output


def test_a_misspelled_roster_column_is_named_and_other_extra_columns_are_not(run: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "class.csv").write_text(
        "student_id,nmae,emial,grade\ns1,Łucja Żółć-Kőrösi,lucja@example.edu,A\n", encoding="utf-8"
    )
    res = run.invoke(cli, ["generate", "--roster", "class.csv", "--pack", "p", "--no-pdf"])
    assert res.exit_code == 0, res.output
    warnings = [line for line in res.output.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == 2, res.output
    assert "'nmae'" in warnings[0]
    assert "'name'" in warnings[0]
    assert "'emial'" in warnings[1]
    assert "'email'" in warnings[1]
    assert "grade" not in res.output  # a spreadsheet's other columns are no typo


def test_the_roster_reader_warns_only_when_asked(tmp_path: Path) -> None:
    from generator.roster import read_roster

    p = tmp_path / "class.csv"
    p.write_text("id,name,sectoin\ns1,Ann,B\n", encoding="utf-8")
    heard: list[str] = []
    assert read_roster(p) == read_roster(p, warn=heard.append)
    assert heard == [f"roster {p}: column 'sectoin' is not read; did you mean 'section'? rename it to use it"]


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "--count", "1", "--pack", "p", "--out", "ro"],
        ["key", "answer_keys/quiz.json", "--out", "ro/key.pdf"],
        ["key", "answer_keys/quiz.json", "--solutions", "--out", "ro/solutions"],
        ["grade", "answer_keys/quiz.json", "answers.csv", "--out", "ro/graded", "--no-pdf"],
        ["export", "answer_keys/quiz.json", "--format", "moodle", "--out", "ro/quiz.xml"],
    ],
)
def test_a_read_only_output_folder_is_named_as_given(
    run: CliRunner, tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    import os

    from generator.answer_key import read_key

    variant = read_key(key_file).variants[0]
    (tmp_path / "answers.csv").write_text(f"variant,z_h1\n{variant.variant},1\n", encoding="utf-8")
    (tmp_path / "ro").mkdir()
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p).name == "ro" and mode & os.W_OK else real_access(p, mode)
    )
    res = run.invoke(cli, args)
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1, res.output
    assert lines[0].startswith(f"Error: cannot write to {tmp_path / 'ro'} "), lines[0]
    assert "staging" not in lines[0]
    assert lines[0].endswith("choose another --out")
    assert list((tmp_path / "ro").iterdir()) == []
