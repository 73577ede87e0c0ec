"""Reading what students hand in: typed numbers, CSV, JSON, filled PDF forms, folders; CSV outputs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.grading.gradebook import neutralise, points
from generator.grading.numbers import ambiguous, parse_number
from generator.grading.submissions import Submission, read_all


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.5523", 0.5523), (".5523", 0.5523), ("0,5523", 0.5523), ("−0.0746", -0.0746), ("-7.46e-2", -0.0746),
        ("  0.5523 ", 0.5523), ("0.552300", 0.5523), ("+0.5", 0.5), ("- 0.5", -0.5), ("5", 5.0),
        ("\u00a00.5\u202f", 0.5), ("7.46E-2", 0.0746), ("–0.25", -0.25), ("1.", 1.0),
    ],
)  # fmt: skip
def test_numbers_as_people_type_them(text: str, value: float) -> None:
    e = parse_number(text)
    assert e.status == "ok"
    assert e.value == pytest.approx(value, abs=1e-15)
    assert e.text == text.strip()


@pytest.mark.parametrize(
    "text", ["abc", "1/0", "0.5 0.6", "1,234.5", "1,2,3", "inf", "nan", "1e999", "0x10", "½", "٠.٥", "1_000", "-", "."]
)
def test_anything_else_is_unreadable_with_the_text_kept(text: str) -> None:
    e = parse_number(text)
    assert (e.status, e.value, e.text) == ("unreadable", None, text)


@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0"])
def test_empty_is_blank(raw: object) -> None:
    assert parse_number(raw).status == "blank"


def test_json_values() -> None:
    assert parse_number(0.25).value == 0.25
    assert parse_number(3).value == 3.0
    assert parse_number(True).status == "unreadable"
    assert parse_number(float("nan")).status == "unreadable"


@given(st.floats(-1e6, 1e6, allow_nan=False), st.integers(0, 8))
def test_any_printed_number_reads_back(x: float, decimals: int) -> None:
    for s in (f"{x:.{decimals}f}", f"{x:.{decimals}e}", f"{x:.{decimals}f}".replace(".", ",").replace("-", "−")):
        e = parse_number(s)
        if ambiguous(s):  # '1,000': a decimal comma or a thousands separator; not guessed
            assert e.status == "unreadable", s
            continue
        assert e.status == "ok", s
        assert e.value == pytest.approx(float(s.replace(",", ".").replace("−", "-")), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(
    ("cell", "out"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+1", "'+1+1"), ("-cmd|calc", "'-cmd|calc"),
        ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("-0.0746", "-0.0746"), ("+0.5", "+0.5"), ("Ann", "Ann"),
        ("", ""), ("-0,4789", "-0,4789"), ("-1,2,3", "'-1,2,3"), ("\x1b[31mred", "?[31mred"),
        ("\x9b31mred", "?31mred"), ("-\x1b]8;;http://x\x07", "'-?]8;;http://x?"), ("Łucja\tŻ", "Łucja\tŻ"),
    ],
)  # fmt: skip
def test_formula_cells_are_neutralised_numbers_are_not(cell: str, out: str) -> None:
    assert neutralise(cell) == out


@given(st.text())
def test_no_neutralised_cell_holds_a_terminal_control(cell: str) -> None:
    out = neutralise(cell)
    assert not any((ord(ch) < 32 and ch not in "\t\n\r") or 0x7F <= ord(ch) <= 0x9F for ch in out)
    assert len(out) in (len(cell), len(cell) + 1)  # replaced one for one, at most an apostrophe added


def test_points_are_printed_plainly() -> None:
    assert [points(x) for x in (1.0, 0.0, 0.5, 2 / 3, 40.5, 0.125)] == ["1", "0", "0.5", "0.67", "40.5", "0.13"]


def read(tmp_path: Path, name: str, text: str | bytes) -> tuple[list[Submission], list[str]]:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    subs, issues = read_all([p])
    return subs, [i.kind for i in issues]


def test_csv_with_optional_columns_and_blank_rows(tmp_path: Path) -> None:
    subs, issues = read(tmp_path, "a.csv", "Variant,z_h1,a_h1\nK7M-2QX,0.3775,\n,,\nABC-DEF,x,0.5\n")
    assert issues == []
    assert [(s.variant, s.student_id, s.name) for s in subs] == [("K7M-2QX", "", ""), ("ABC-DEF", "", "")]
    assert subs[0].answers == {"z_h1": "0.3775", "a_h1": ""}
    assert subs[1].source.endswith("a.csv line 4")


def test_semicolon_csv_with_decimal_commas_from_a_windows_spreadsheet(tmp_path: Path) -> None:
    text = "student id;Name;variant;z_h1\r\n17;Zoë Müller;K7M-2QX;0,3775\r\n"
    subs, issues = read(tmp_path, "b.csv", text.encode("cp1252"))
    assert issues == []
    assert (subs[0].student_id, subs[0].name, subs[0].answers) == ("17", "Zoë Müller", {"z_h1": "0,3775"})


def test_csv_with_a_byte_order_mark_and_quoted_cells(tmp_path: Path) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerows([["variant", "name", "z_h1"], ["K7M-2QX", "Lee, Ann", "0,3775"]])
    subs, _ = read(tmp_path, "c.csv", ("\ufeff" + buf.getvalue()).encode("utf-8"))
    assert (subs[0].variant, subs[0].name, subs[0].answers["z_h1"]) == ("K7M-2QX", "Lee, Ann", "0,3775")


def test_csv_without_a_variant_column_or_code_is_reported(tmp_path: Path) -> None:
    assert read(tmp_path, "d.csv", "name,z_h1\nAnn,0.1\n") == ([], ["no_variant"])
    assert read(tmp_path, "e.csv", "variant,z_h1\n,0.1\n")[1] == ["no_variant"]
    assert read(tmp_path, "f.csv", "")[1] == ["unreadable_file"]


def test_json_object_list_and_mistakes(tmp_path: Path) -> None:
    one = {"variant": "K7M-2QX", "student_id": "s1", "answers": {"z_h1": 0.3775, "a_h1": None}}
    subs, issues = read(tmp_path, "one.json", json.dumps(one))
    assert issues == []
    assert (subs[0].answers, subs[0].student_id) == ({"z_h1": 0.3775, "a_h1": None}, "s1")
    many = [one, {"variant": "ABC-DEF", "student": {"id": "s2", "name": "Bo"}, "answers": {}}, {"answers": 3}, {}]
    subs, issues = read(tmp_path, "many.json", json.dumps(many))
    assert [(s.variant, s.student_id, s.name) for s in subs] == [("K7M-2QX", "s1", ""), ("ABC-DEF", "s2", "Bo")]
    assert issues == ["unreadable_file", "unreadable_file"]
    assert read(tmp_path, "bad.json", "{not json")[1] == ["unreadable_file"]
    assert read(tmp_path, "key.json", json.dumps({"format": "backprop-exam/answer-key", "variants": []}))[1] == [
        "unreadable_file"
    ]


def test_folders_missing_paths_and_other_files(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "b.csv").write_text("variant,z_h1\nB,1\n", encoding="utf-8")
    (tmp_path / "in" / "a.json").write_text('{"variant": "A", "answers": {}}', encoding="utf-8")
    (tmp_path / "in" / "notes.txt").write_text("hi", encoding="utf-8")
    (tmp_path / "in" / ".hidden.csv").write_text("variant\nH\n", encoding="utf-8")
    (tmp_path / "x.docx").write_text("", encoding="utf-8")
    subs, issues = read_all([tmp_path / "in", tmp_path / "nope.csv", tmp_path / "x.docx"])
    assert [s.variant for s in subs] == ["A", "B"]
    assert [i.kind for i in issues] == ["unreadable_file", "not_found", "unreadable_file"]
    assert "notes.txt" in issues[0].message


@pytest.mark.pdf
def test_filled_pdf_form_fields_are_read(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    from generator.render.pdf import html_to_pdf

    html = (
        '<html><head><link rel="stylesheet" href="base.css"></head><body>'
        '<p>Name <input name="name"> z <input name="z_h1"> a <input name="a_h1"> L <input name="loss"></p>'
        "</body></html>"
    )
    blank = html_to_pdf(html, forms=True, metadata={"subject": "Backpropagation worksheet, variant K7M-2QX"})
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank)))
    writer.update_page_form_field_values(writer.pages[0], {"name": "Ann Lee", "z_h1": "0,3775", "a_h1": "0.5933"})
    path = tmp_path / "filled.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 nothing here")
    subs, issues = read_all([path, tmp_path / "broken.pdf"])
    assert len(subs) == 1
    s = subs[0]
    assert (s.variant, s.name) == ("K7M-2QX", "Ann Lee")
    assert s.answers == {"z_h1": "0,3775", "a_h1": "0.5933", "loss": ""}
    assert [i.kind for i in issues] == ["unreadable_file"]
