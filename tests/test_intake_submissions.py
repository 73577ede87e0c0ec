"""One bad submission never stops the class: each reproduction of issue 8, on the library and the CLI."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from generator.answer_key import encode
from generator.cli import cli
from generator.grading import Submission, grade_key, read_all
from generator.grading.numbers import ambiguous, parse_number
from generator.grading.run import GradeRun
from generator.grading.submissions import expand
from generator.grading.summary import print_summary
from generator.pack import build_pack
from generator.records import Key
from generator.spec import load_builtin
from generator.terminal import plain, safe


@cache
def key() -> Key:
    return build_pack(load_builtin("profile", "standard"), pack="t", count=3, seed="intake")


def rounded(n: int) -> dict[str, str]:
    return {a.id: str(a.rounded) for a in key().variants[n].problems[0].answers}


def code(n: int) -> str:
    return str(key().variants[n].variant)


def write_key(tmp_path: Path) -> Path:
    p = tmp_path / "key.json"
    p.write_bytes(encode(key()))
    return p


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [10**400, -(10**400), "9" * 401, "9" * 5000, "1e400", "-" + "9" * 401])
def test_numbers_too_large_for_a_float_are_unreadable_not_an_error(raw: object) -> None:
    e = parse_number(raw)
    assert (e.status, e.value) == ("unreadable", None)
    assert len(e.text) <= 200


@pytest.mark.parametrize("text", ["1,000", "-1,000", "12,500", "999,999", "−1,250"])
def test_thousands_separators_are_ambiguous_and_not_guessed(text: str) -> None:
    assert ambiguous(text)
    assert parse_number(text).status == "unreadable"


@pytest.mark.parametrize(("text", "value"), [("0,500", 0.5), ("1,5", 1.5), ("1,2500", 1.25), ("-0,125", -0.125)])
def test_decimal_commas_that_cannot_be_thousands_still_read(text: str, value: float) -> None:
    assert not ambiguous(text)
    assert parse_number(text).value == value


# --- readers -------------------------------------------------------------------------------------


def test_json_nested_100000_deep_is_an_issue(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    subs, issues = read_all([tmp_path / "deep.json"])
    assert subs == []
    assert [i.kind for i in issues] == ["unreadable_file"]
    assert "nested too deeply" in issues[0].message


def test_json_with_a_5000_digit_integer_is_read(tmp_path: Path) -> None:
    (tmp_path / "big.json").write_text(
        '{"variant": "A", "answers": {"z_h1": ' + "9" * 5000 + ', "a_h1": 0.5}}', encoding="utf-8"
    )
    subs, issues = read_all([tmp_path / "big.json"])
    assert issues == []
    assert parse_number(subs[0].answers["z_h1"]).status == "unreadable"
    assert subs[0].answers["a_h1"] == 0.5


def test_json_answers_given_twice_are_reported_and_the_first_counts(tmp_path: Path) -> None:
    (tmp_path / "d.json").write_text(
        '{"variant": "A", "answers": {"z_h1": 0.1, "Z_H1": 0.2, "z_h1": 0.3}}', encoding="utf-8"
    )
    subs, issues = read_all([tmp_path / "d.json"])
    assert subs[0].answers == {"z_h1": 0.1}
    assert [i.kind for i in issues] == ["duplicate_column"]
    assert "Z_H1" in issues[0].message


def test_a_csv_cell_over_128_kb_does_not_stop_the_file(tmp_path: Path) -> None:
    p = tmp_path / "huge.csv"
    p.write_text("variant,z_h1\nA," + "1" * 200_000 + "\nB,0.5\n", encoding="utf-8")
    subs, issues = read_all([p])
    assert [s.variant for s in subs] == ["A", "B"]
    assert issues == []
    assert parse_number(subs[0].answers["z_h1"]).status == "unreadable"


def test_an_unclosed_quote_is_reported_and_earlier_rows_are_kept(tmp_path: Path) -> None:
    p = tmp_path / "q.csv"
    p.write_text('variant,z_h1\nA,0.1\nB,"0.2\nC,0.3\nD,0.4\n', encoding="utf-8")
    subs, issues = read_all([p])
    assert [s.variant for s in subs] == ["A"]
    assert [i.kind for i in issues] == ["unreadable_file"]
    assert "line 3" in issues[0].message
    assert "never closed" in issues[0].message


def test_a_closed_multiline_cell_is_not_an_unclosed_quote(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text('variant,name,z_h1\nA,"Ann\nLee",0.1\n', encoding="utf-8")
    subs, issues = read_all([p])
    assert issues == []
    assert subs[0].name == "Ann\nLee"


@pytest.mark.parametrize("second", ["Z_H1", "z_h1", "z-h1", " z h1 "])
def test_duplicate_or_case_variant_answer_columns_are_reported(tmp_path: Path, second: str) -> None:
    p = tmp_path / "dup.csv"
    p.write_text(f"variant,z_h1,{second}\nA,0.1,0.9\n", encoding="utf-8")
    subs, issues = read_all([p])
    assert subs[0].answers == {"z_h1": "0.1"}
    assert [i.kind for i in issues] == ["duplicate_column"]


def test_a_scan_output_folder_gives_its_submissions_csv_only(tmp_path: Path) -> None:
    out = tmp_path / "scans"
    (out / "crops" / "ABC-DEF").mkdir(parents=True)
    written = ["submissions.csv", "corrections.csv", "scan-issues.csv", "review.html", "crops/ABC-DEF/z_h1.png"]
    for name in written:
        (out / name).write_bytes(b"variant,z_h1\nABC-DEF,0.5\n" if name.endswith(".csv") else b"x")
    (out / ".backprop-exam-files").write_text("\n".join(written) + "\n", encoding="utf-8")
    files, issues = expand([out])
    assert files == [out / "submissions.csv"]
    assert issues == []
    (out / ".backprop-exam-files").unlink()  # a folder the teacher made: every file is read or named
    files, issues = expand([out])
    assert [f.name for f in files] == ["corrections.csv", "scan-issues.csv", "submissions.csv"]
    assert len(issues) == 2


def test_unsupported_files_inside_a_folder_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text("variant,z_h1\nA,0.1\n", encoding="utf-8")
    (folder / "marks.xlsx").write_bytes(b"PK\x03\x04")
    (folder / "readme.txt").write_text("hi", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00")
    subs, issues = read_all([folder])
    assert len(subs) == 1
    assert sorted(Path(i.source).name for i in issues) == ["marks.xlsx", "readme.txt"]
    assert all(i.kind == "unreadable_file" for i in issues)


def test_binary_and_gzip_csvs_are_reported_not_misread(tmp_path: Path) -> None:
    import gzip

    (tmp_path / "g.csv").write_bytes(gzip.compress(b"variant,z_h1\nA,0.1\n"))
    (tmp_path / "b.csv").write_bytes(bytes(range(256)) * 8)
    subs, issues = read_all([tmp_path / "g.csv", tmp_path / "b.csv"])
    assert subs == []
    assert ["gzip archive" in i.message for i in issues] == [True, False]
    assert "binary data" in issues[1].message


def test_a_pdf_without_form_fields_is_reported_not_graded_blank(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(595, 842)
    w.add_metadata({"/Subject": f"Backpropagation answer key, variant {code(0)}"})
    with (tmp_path / "key.pdf").open("wb") as fh:
        w.write(fh)
    subs, issues = read_all([tmp_path / "key.pdf"])
    assert subs == []
    assert [i.kind for i in issues] == ["unreadable_file"]
    assert "no form fields" in issues[0].message


@pytest.mark.pdf
def test_an_aes256_encrypted_worksheet_without_a_password_is_read(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    from generator.render.pdf import html_to_pdf

    html = '<html><body><p>z <input name="z_h1"> a <input name="a_h1"></p></body></html>'
    blank = html_to_pdf(html, forms=True, metadata={"subject": "Backpropagation worksheet, variant K7M-2QX"})
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank)))
    writer.update_page_form_field_values(writer.pages[0], {"z_h1": "0.3775", "a_h1": "0.5933"})
    writer.encrypt(user_password="", owner_password="teacher", algorithm="AES-256")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    assert PdfReader(str(path)).is_encrypted
    subs, issues = read_all([path])
    assert issues == []
    assert subs[0].answers == {"z_h1": "0.3775", "a_h1": "0.5933"}


# --- grading guards ------------------------------------------------------------------------------


def test_absurd_answers_are_graded_wrong_and_the_rest_of_the_class_is_graded() -> None:
    absurd = {**rounded(0), "z_h1": "3650", "a_h1": "5903", "z_h2": "-3650", "a_h2": "-5903", "z_o1": "1e300"}
    subs = [Submission("a", "a.csv", code(0), "", "", absurd), Submission("b", "b.csv", code(1), "", "", rounded(1))]
    g = grade_key(key(), subs)
    assert [x.code for x in g.graded] == [code(0), code(1)]
    first = {m.id: m.verdict for m in g.graded[0].marks}
    assert first["z_h1"] == first["a_h1"] == "wrong"
    assert g.graded[1].score == g.graded[1].max_score


def test_an_unexpected_error_in_one_submission_becomes_an_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.grading.grade as grade_module

    real = grade_module.mark_submission

    def broken(vk: Any, entries: Any, ecf: float = 1.0) -> Any:
        if vk.code == code(0):
            raise RuntimeError("boom")
        return real(vk, entries, ecf)

    monkeypatch.setattr(grade_module, "mark_submission", broken)
    subs = [
        Submission("a", "a.csv", code(0), "", "", rounded(0)),
        Submission("b", "b.csv", code(1), "", "", rounded(1)),
    ]
    with pytest.raises(RuntimeError):  # the test suite runs with BACKPROP_EXAM_DEBUG=1: bugs surface
        grade_key(key(), subs)
    monkeypatch.setenv("BACKPROP_EXAM_DEBUG", "0")
    g = grade_key(key(), subs)
    assert [x.code for x in g.graded] == [code(1)]
    assert [i.kind for i in g.issues] == ["not_graded"]


def test_ambiguous_thousands_are_an_issue_naming_the_answer() -> None:
    g = grade_key(key(), [Submission("a.csv line 2", "a.csv", code(0), "", "", {**rounded(0), "z_h1": "1,000"})])
    assert {m.id: m.verdict for m in g.graded[0].marks}["z_h1"] == "unreadable"
    assert [i.kind for i in g.issues] == ["ambiguous_number"]
    assert "z_h1 = 1,000" in g.issues[0].message


# --- the terminal --------------------------------------------------------------------------------

HOSTILE = ["[/bold]", "[link=file:///etc/passwd]click[/link]", "\x1b[2Jgone", "\x1b]0;title\x07", "a\u202eb", "\x9b2J"]


@pytest.mark.parametrize("text", HOSTILE)
def test_user_text_loses_every_control_character(text: str) -> None:
    out = plain(text)
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in out)
    con = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=200, highlight=False)
    con.print(safe(text))
    shown = without_colours(con.file.getvalue())  # type: ignore[attr-defined]
    assert "\x1b]8" not in shown  # no OSC 8 hyperlink
    assert "\x1b[2J" not in shown
    assert "\x1b]0" not in shown
    if text.startswith("["):
        assert text in shown  # markup is printed as written


def without_colours(text: str) -> str:
    """Drop SGR colour codes (harmless); every other escape sequence stays for the asserts to see."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def summary_of(subs: list[Submission], width: int) -> str:
    g = grade_key(key(), subs)
    con = Console(file=io.StringIO(), force_terminal=True, width=width, color_system="truecolor")
    print_summary(GradeRun(g, Path("out")), con)
    return without_colours(con.file.getvalue())  # type: ignore[attr-defined]


def test_hostile_names_and_headers_reach_the_terminal_as_plain_text() -> None:
    subs = [
        Submission(f"s{i}", "x.csv", code(i), "", name, {**rounded(i), "[/bold]": "1"})
        for i, name in enumerate(HOSTILE[:3])
    ]
    shown = summary_of(subs, 200)
    assert "\x1b]8" not in shown
    assert "\x1b[2J" not in shown
    assert "[link=file:///etc/passwd" in shown  # printed as written (the cell wraps at 24 characters)
    assert "[/bold]" in shown


def test_summary_at_80_columns_keeps_mistake_names_whole_and_counts_unreadable_apart() -> None:
    answers = rounded(0)
    answers["z_h1"], answers["loss"] = "abc", ""
    wrong = rounded(1)
    d = wrong["delta_o1"]
    wrong["delta_o1"] = d[1:] if d.startswith("-") else "-" + d
    subs = [Submission("a", "a.csv", code(0), "", "Ann", answers), Submission("b", "b.csv", code(1), "", "Bob", wrong)]
    g = grade_key(key(), subs)
    g.graded[1].marks[0].diagnosis = "missing_activation_derivative"  # the longest code, in a row of its own
    con = Console(file=io.StringIO(), width=80, color_system=None)
    print_summary(GradeRun(g, Path("out")), con)
    shown = con.file.getvalue()  # type: ignore[attr-defined]
    assert "…" not in shown
    assert "missing_activation_derivative" in shown.replace("\n", "")
    assert "sign_error" in shown
    header = next(line for line in shown.splitlines() if "variant" in line)
    assert "blank" in header
    assert "unreadable" in header
    ann = next(line for line in shown.splitlines() if "Ann" in line).split()
    cols = header.split()
    assert ann[cols.index("blank")] == "1"
    assert ann[cols.index("unreadable")] == "1"
    assert max(len(line) for line in shown.splitlines()) <= 80


# --- the command line ----------------------------------------------------------------------------


def test_grade_goes_on_past_every_bad_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    k = write_key(tmp_path)
    good = "variant,name," + ",".join(rounded(1)) + "\n" + f"{code(1)},Bob," + ",".join(rounded(1).values()) + "\n"
    Path("good.csv").write_text(good, encoding="utf-8")
    Path("absurd.csv").write_text(f"variant,z_h1,a_h1\n{code(0)},3650,5903\n", encoding="utf-8")
    Path("deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    Path("huge.csv").write_text(f"variant,z_h1\n{code(2)}," + "1" * 200_000 + "\n", encoding="utf-8")
    Path("big.json").write_text('{"variant": "X", "answers": {"z_h1": ' + "9" * 5000 + "}}", encoding="utf-8")
    r = CliRunner().invoke(
        cli, ["grade", str(k), "good.csv", "absurd.csv", "deep.json", "huge.csv", "big.json", "--out", "g", "--no-pdf"]
    )
    assert r.exit_code == 0, r.output
    assert r.exception is None
    assert "nested too deeply" in r.output
    assert "Graded 3 submissions" in r.output


def test_grade_fails_only_when_nothing_could_be_graded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    k = write_key(tmp_path)
    Path("deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    r = CliRunner().invoke(cli, ["grade", str(k), "deep.json", "--out", "g", "--no-pdf"])
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    assert "nested too deeply" in r.output


def test_error_lines_never_carry_escape_sequences(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    k = write_key(tmp_path)
    bad = "\x1b]0;owned\x07\x1b[2J.json"
    Path(bad).write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    r = CliRunner().invoke(cli, ["grade", str(k), bad, "--out", "g", "--no-pdf"])
    assert r.exit_code == 2
    assert "\x1b" not in r.output
    assert "\x07" not in r.output
    assert r.output.count("\n") == 1


def test_grade_with_markup_and_escapes_in_names_and_headers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    k = write_key(tmp_path)
    Path("m.csv").write_text(
        f"variant,name,z_h1,[/bold]\n{code(0)},[link=file:///etc/passwd]Ann[/link],0.3,1\n"
        f"{code(1)},\x1b[2JBob\x1b]0;pwn\x07,0.5,2\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(cli, ["grade", str(k), "m.csv", "--out", "g", "--no-pdf"])
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.output
    assert "[link=file:" in r.output  # as written (the name cell wraps)
    assert "[/bold]" in r.output


def test_a_row_with_more_cells_than_its_header_is_reported_not_graded(tmp_path: Path) -> None:
    """'K7M-2QX,0,8025,0,6905,0,5125' under 'variant,z_h1,a_h1,z_h2' (decimal commas, no quotes) was
    graded as z_h1 = 0, a_h1 = 8025, z_h2 = 0, with no issue; trailing empty cells stay harmless."""
    from generator.grading.submissions import Issue, Submission, read_csv

    path = tmp_path / "answers.csv"
    path.write_text(
        "variant,z_h1,a_h1,z_h2\nK7M-2QX,0,8025,0,6905,0,5125\nJBA-DJV,0.8025,0.6905,0.5125,,\n", encoding="utf-8"
    )
    out = list(read_csv(path))
    issues = [o for o in out if isinstance(o, Issue)]
    subs = [o for o in out if isinstance(o, Submission)]
    assert [i.kind for i in issues] == ["misaligned_row"]
    assert "line 2" in issues[0].message
    assert "7 cells but the header has 4" in issues[0].message
    assert [(s.variant, s.answers) for s in subs] == [
        ("JBA-DJV", {"z_h1": "0.8025", "a_h1": "0.6905", "z_h2": "0.5125"})
    ]
