"""The pack's paper (a4 or letter) is remembered in the key: grade's feedback and report and a later
`key` print on it too, unless told otherwise. Page sizes are checked against ISO 216 and ANSI letter."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from generator.cli import cli
from generator.grading.run import grade_files
from generator.render.pdf import html_to_pdf

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)  # ISO 216, in points
LETTER = (8.5 * 72, 11 * 72)  # 8.5 x 11 inches


def size(pdf: Path) -> tuple[float, float]:
    box = PdfReader(str(pdf)).pages[0].mediabox
    return float(box.width), float(box.height)


def run(*args: str) -> None:
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == 0, res.output


@pytest.fixture
def letter_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BACKPROP_EXAM_SECRET", raising=False)
    run("generate", "--preset", "ref-2-2-1-nobias", "--count", "2", "--pack", "us", "--paper", "letter", "--no-pdf")
    key = json.loads(Path("answer_keys/us.json").read_text(encoding="utf-8"))
    with Path("answers.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["variant", "z_h1"])
        w.writerow([key["variants"][0]["variant"], "0.1"])
    return tmp_path


def test_the_key_remembers_letter_and_an_a4_key_is_unchanged(letter_pack: Path) -> None:
    key = json.loads((letter_pack / "answer_keys" / "us.json").read_text(encoding="utf-8"))
    assert key["print"]["paper"] == "letter"
    run("generate", "--preset", "ref-2-2-1-nobias", "--count", "2", "--pack", "eu", "--no-pdf")
    eu = json.loads((letter_pack / "answer_keys" / "eu.json").read_text(encoding="utf-8"))
    assert "paper" not in eu.get("print", {})  # a4 is the default a reader assumes


def test_grade_prints_on_the_packs_paper_unless_told(letter_pack: Path) -> None:
    run("grade", "answer_keys/us.json", "answers.csv", "--out", "g", "--jobs", "1")
    for pdf in (letter_pack / "g" / "report.pdf", *sorted((letter_pack / "g" / "feedback").glob("*.pdf"))):
        assert size(pdf) == pytest.approx(LETTER, abs=0.5), pdf.name
    told = grade_files("answer_keys/us.json", ["answers.csv"], "g4", paper="a4", pdf=False)
    assert told.grading.key.printing.paper == "a4"


def test_the_paper_given_wins_over_the_documents_own(tmp_path: Path) -> None:
    html = "<html><head><style>@page { size: letter }</style></head><body><p>x</p></body></html>"
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(html_to_pdf(html, paper="a4"))
    assert size(pdf) == pytest.approx(A4, abs=0.5)
    pdf.write_bytes(html_to_pdf(html))
    assert size(pdf) == pytest.approx(LETTER, abs=0.5)


def test_key_reprints_on_the_packs_paper_unless_told(letter_pack: Path) -> None:
    run("key", "answer_keys/us.json", "--out", "mk.pdf")
    assert size(letter_pack / "mk.pdf") == pytest.approx(LETTER, abs=0.5)
    run("key", "answer_keys/us.json", "--out", "mk4.pdf", "--paper", "a4")
    assert size(letter_pack / "mk4.pdf") == pytest.approx(A4, abs=0.5)
