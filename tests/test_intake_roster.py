"""Rosters as spreadsheets save them, and the text-table reader behind rosters and CSV submissions."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from generator.cli import cli
from generator.network import SpecError
from generator.roster import Student, read_roster
from generator.textfile import FEW_NON_ASCII, TableError, decode, decode_text, read_rows

NAMES = [("1001", "Zoë Müller"), ("1002", "José Muñoz"), ("1003", "Jörg Weiß")]


def table(delimiter: str, newline: str = "\n") -> str:
    lines = [f"student_id{delimiter}name"] + [f"{i}{delimiter}{n}" for i, n in NAMES]
    return newline.join(lines) + newline


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
     ("cp1252", b"")],
)  # fmt: skip
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_rosters_from_excel_in_any_encoding_delimiter_and_line_end(
    tmp_path: Path, encoding: str, bom: bytes, delimiter: str, newline: str
) -> None:
    p = tmp_path / "class.csv"
    p.write_bytes(bom + table(delimiter, newline).encode(encoding))
    assert read_roster(p) == [Student(i, n) for i, n in NAMES]


def test_utf16_as_excel_saves_unicode_text(tmp_path: Path) -> None:
    p = tmp_path / "class.txt"
    p.write_bytes(table("\t", "\r\n").encode("utf-16"))  # with its BOM, as 'Unicode Text'
    assert [s.name for s in read_roster(p)] == [n for _, n in NAMES]


def test_rows_of_only_separators_below_the_table_are_skipped(tmp_path: Path) -> None:
    p = tmp_path / "class.csv"
    p.write_text(table(";", "\r\n") + ";\r\n;;;\r\n\r\n", encoding="utf-8")
    assert len(read_roster(p)) == 3


def test_first_and_last_name_columns(tmp_path: Path) -> None:
    p = tmp_path / "class.csv"
    p.write_text("ID;First Name;Last Name\n7;Ada;Lovelace\n8;Alan;\n", encoding="utf-8")
    assert read_roster(p) == [Student("7", "Ada Lovelace"), Student("8", "Alan")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (gzip.compress(b"id,name\n1,Ada\n", mtime=0), "gzip"),  # mtime=0: the same test id in every process
        (b"PK\x03\x04" + bytes(100), "zip archive"),
        (bytes(range(256)) * 4, "binary data"),
        (b'id,name\n1,"Ada\n2,Bob\n', "never closed"),
    ],
)
def test_binary_files_and_broken_quotes_are_one_line_errors(tmp_path: Path, data: bytes, message: str) -> None:
    p = tmp_path / "class.csv"
    p.write_bytes(data)
    with pytest.raises(SpecError, match=message) as e:
        read_roster(p)
    assert "\n" not in str(e.value)


def test_a_roster_cell_over_128_kb_is_read(tmp_path: Path) -> None:
    p = tmp_path / "class.csv"
    p.write_text("id,name\n1," + "A" * 200_000 + "\n", encoding="utf-8")
    assert len(read_roster(p)[0].name) == 200_000


def test_generate_with_a_windows_1252_roster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("class.csv").write_bytes(table(";", "\r\n").encode("cp1252") + b";;;\r\n")
    r = CliRunner().invoke(cli, ["generate", "--roster", "class.csv", "--pack", "p", "--no-pdf", "--seed", "1"])
    assert r.exit_code == 0, r.output
    assert "Zoë Müller" in Path("answer_keys/p.json").read_text(encoding="utf-8")


def test_a_tiny_windows_1252_roster_is_read_as_such_and_the_guess_is_said(tmp_path: Path) -> None:
    # Three non-ASCII bytes: as likely Windows-1251 'АБВ' as Windows-1252 'ÀÁÂ' (was read as the former, silently)
    data = "id,name\n1,ÀÁÂ\n".encode("cp1252")
    p = tmp_path / "class.csv"
    p.write_bytes(data)
    warnings: list[str] = []
    assert read_roster(p, warn=warnings.append) == [Student("1", "ÀÁÂ")]
    cyrillic = data.decode("cp1251").split(",")[-1].strip()
    assert cyrillic != "ÀÁÂ"
    assert len(warnings) == 1
    assert "a guess" in warnings[0]
    assert f"as Windows-1251 'ÀÁÂ' would read {cyrillic!r}" in warnings[0]
    assert "UTF-8" in warnings[0]


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("id,name\n1,µ\n", "cp1252"),  # an even byte count and no NUL byte: was read as UTF-16 ('楤Ɱ慭攊ㄬ딊')
        ("id,name\n1,Ä\n", "cp1252"),
        ("id;name\n1;Łukasz Żółw\n2;Paweł Król\n", "cp1250"),  # was '£ukasz ¯ó³w': cp1252 tied, with symbols
        ("id;name\n1;Łukasz\n", "cp1250"),
        ("id;name\n1;Иван Петров\n2;Мария Смирнова\n3;Ольга Кузнецова\n", "cp1251"),
    ],
)
def test_legacy_code_pages_are_read_as_names(tmp_path: Path, text: str, encoding: str) -> None:
    p = tmp_path / "class.csv"
    p.write_bytes(text.encode(encoding))
    want = [Student(*line.split(text[2])) for line in text.splitlines()[1:]]
    assert read_roster(p, warn=lambda _: None) == want


def test_a_utf8_roster_is_not_a_guess(tmp_path: Path) -> None:
    p = tmp_path / "class.csv"
    p.write_text(table(","), encoding="utf-8")
    warnings: list[str] = []
    assert read_roster(p, warn=warnings.append) == [Student(i, n) for i, n in NAMES]
    assert warnings == []
    assert not decode_text(p.read_bytes()).guessed


def test_generate_says_when_the_roster_encoding_is_a_guess(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("class.csv").write_bytes("id;name\n1;ÀÁÂ\n".encode("cp1252"))
    r = CliRunner().invoke(cli, ["generate", "--roster", "class.csv", "--pack", "p", "--no-pdf", "--seed", "1"])
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if x.startswith("Warning: roster class.csv"))
    assert "Windows-1252, a guess" in line


def test_generate_with_a_gzip_roster_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("class.csv").write_bytes(gzip.compress(table(",").encode()))
    r = CliRunner().invoke(cli, ["generate", "--roster", "class.csv", "--pack", "p", "--no-pdf"])
    assert r.exit_code == 2
    assert r.output.count("\n") == 1
    assert "gzip" in r.output


# --- properties of the parsers -------------------------------------------------------------------

cell = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=30)


@given(st.lists(st.lists(cell, min_size=2, max_size=4), min_size=1, max_size=6), st.sampled_from([",", ";", "\t"]))
def test_any_table_written_by_csv_reads_back(rows: list[list[str]], delimiter: str) -> None:
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header = [f"col{i}" for i in range(width)]
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    got, problem = read_rows(buf.getvalue())
    assert problem == ""
    assert [r.cells for r in got] == [header, *rows]


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200), st.sampled_from(
    ["utf-8", "utf-8-sig", "utf-16", "utf-32"]
))  # fmt: skip
def test_decoding_reads_back_any_unicode_text_with_a_bom_or_as_utf8(text: str, encoding: str) -> None:
    assert decode(text.encode(encoding)) == text


@given(st.binary(max_size=400))
def test_decoding_any_bytes_gives_text_or_a_table_error(data: bytes) -> None:
    try:
        text = decode(data)
    except TableError:
        return
    read_rows(text)  # and the rows never raise


@given(st.text(max_size=300))
def test_reading_rows_of_any_text_never_raises(text: str) -> None:
    rows, problem = read_rows(text)
    assert isinstance(problem, str)
    assert all(isinstance(c, str) for r in rows for c in r.cells)


ids = st.text(st.characters(whitelist_categories=("L", "N"), max_codepoint=0x2FF), min_size=1, max_size=10)
names = st.text(st.characters(whitelist_categories=("L", "Zs"), max_codepoint=0x17F), max_size=20).map(str.strip)


@given(
    st.lists(st.tuples(ids, names), min_size=1, max_size=8, unique_by=lambda r: r[0]),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_any_roster_a_spreadsheet_writes_reads_back(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str]], delimiter: str, encoding: str, newline: str
) -> None:
    try:
        text = "".join(line + newline for line in [f"id{delimiter}name"] + [f"{i}{delimiter}{n}" for i, n in rows])
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return  # cp1252 cannot hold these letters: a spreadsheet would not write them so
    p = tmp_path_factory.mktemp("roster") / "class.csv"
    p.write_bytes(data)
    warnings: list[str] = []
    got = read_roster(p, warn=warnings.append)
    want = [Student(i.strip(), n) for i, n in rows]
    if encoding != "cp1252":
        assert got == want  # a BOM or UTF-8: certain
        assert warnings == []
    elif len([b for b in data if b > 0x7F]) < FEW_NON_ASCII or got == want:
        assert got == want  # too few letters for statistics: Windows-1252, Excel's default
        assert all("read as Windows-1252" in w for w in warnings)
    else:
        # Random letters in Windows-1252 may be as plausible in another code page: the reader may
        # guess that one, but never silently: the warning names the Windows-1252 reading.
        assert len(warnings) == 1
        assert "a guess" in warnings[0]
        assert "as Windows-1252 " in warnings[0]


roster_like = st.builds(
    lambda head, body: head + body,
    st.sampled_from([b"id;name\n", b"student_id,name\r\n", b"\xef\xbb\xbfid\tname\n", b"\xff\xfei\x00d\x00", b""]),
    st.binary(max_size=200) | st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@given(roster_like)
def test_reading_any_roster_file_never_raises_but_a_one_line_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    p = tmp_path_factory.mktemp("roster") / "class.csv"
    p.write_bytes(data)
    warnings: list[str] = []
    try:
        students = read_roster(p, warn=warnings.append)
    except SpecError as e:
        error = str(e)
    else:
        error = ""
        assert students
        assert all(isinstance(s.id, str) and s.id for s in students)
    assert "\n" not in error
    assert all("\n" not in w for w in warnings)
