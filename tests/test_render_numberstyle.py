"""--decimal-comma and --tagged: every printed number 0,5450 (never a name, id, code or typed text), tagged PDF/UA."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from generator.answer_key import read_key
from generator.cli import cli
from generator.evaluate import evaluate
from generator.grading.numbers import parse_number
from generator.graph import build_graph
from generator.numbers import fmt
from generator.records import Key, PrintSettings, Variant
from generator.render.numberstyle import decimal_comma

# ---- the rewriter ----

number = st.builds(
    lambda sign, a, b: f"{sign}{a}.{b}", st.sampled_from(["", "−", "-"]), st.integers(0, 999), st.integers(0, 99999)
)


@given(st.lists(number, min_size=1, max_size=8), st.sampled_from([" = ", " + ", "·", " to ", " (", "; "]))
def test_numbers_in_text_get_a_comma_and_markup_keeps_its_points(numbers: list[str], sep: str) -> None:
    text = sep.join(numbers) + "."  # a sentence ends after the last number
    html = f'<td class="b" style="padding-top: 12.5mm"><text x="10.5">{text}</text></td>'
    html += "<style>a { width: 7.5pt }</style><!-- 1.5 -->"
    out = decimal_comma(html)
    assert 'style="padding-top: 12.5mm"' in out
    assert 'x="10.5"' in out
    assert "width: 7.5pt" in out
    assert "<!-- 1.5 -->" in out
    assert sep.join(n.replace(".", ",") for n in numbers) + "." in out


@given(st.lists(number, min_size=2, max_size=6))
def test_a_list_of_numbers_is_separated_by_semicolons(numbers: list[str]) -> None:
    out = decimal_comma(f"<p>x = ({', '.join(numbers)})</p>")
    assert out == f"<p>x = ({'; '.join(n.replace('.', ',') for n in numbers)})</p>"


@given(st.text(alphabet="0123456789.,−- abx_=;", max_size=60))
def test_only_points_become_commas_and_commas_semicolons(text: str) -> None:
    # whatever the text, the rewrite changes nothing but "." -> "," and ", " -> "; " in text nodes
    html = f'<p title="{text}">{text}</p>'
    out = decimal_comma(html)
    head = len(f'<p title="{text}">')
    assert out[:head] == html[:head]  # attributes as they were
    assert len(out) == len(html)
    for a, b in zip(html, out, strict=True):
        assert a == b or (a, b) in ((".", ","), (",", ";"))


@given(
    st.builds(lambda a, b: f"s{a}.{b}", st.integers(0, 99), st.integers(0, 99))
    | st.builds(lambda a, b: f"Lecture {a}.{b}", st.integers(0, 9), st.integers(0, 9)),
    number,
)
def test_kept_strings_keep_their_points(kept: str, value: str) -> None:
    out = decimal_comma(f"<p>{kept} · {value}</p><span>{kept}</span>", keep=[kept])
    assert out == f"<p>{kept} · {value.replace('.', ',')}</p><span>{kept}</span>"


def test_function_arguments_are_separated_by_semicolons() -> None:
    assert decimal_comma("<p>max(0, <i>z</i>) = max(0, 0.6900)</p>") == "<p>max(0; <i>z</i>) = max(0; 0,6900)</p>"
    assert decimal_comma("<p>max(0, 𝘻<sub>h1</sub>)</p>") == "<p>max(0; 𝘻<sub>h1</sub>)</p>"
    assert decimal_comma("<p>max(0.01·(−0.5), −0.5)</p>") == "<p>max(0,01·(−0,5); −0,5)</p>"
    assert decimal_comma("<p>steps 1, 2 and 3, e.g. (1, 2)</p>") == "<p>steps 1, 2 and 3, e.g. (1, 2)</p>"


def test_words_ids_versions_and_names_are_left_alone() -> None:
    html = "<p>v1.2.3, e.g. 3. and grad_w_h1.o1, 2-2-1, 2026-12-01T03:50:12, O&#39;Neil 1.5</p>"
    assert decimal_comma(html, keep=["O'Neil 1.5"]) == html


# ---- the grader reads a decimal comma, also 1,000 when the pack printed commas ----


@given(st.integers(-99999, 99999), st.integers(1, 4))
def test_a_comma_pack_reads_every_comma_number(units: int, decimals: int) -> None:
    text = f"{'-' if units < 0 else ''}{abs(units) // 10**decimals},{abs(units) % 10**decimals:0{decimals}d}"
    expected = units / 10**decimals
    assert parse_number(text, decimal_comma=True).value == pytest.approx(expected, abs=1e-12)
    if re.fullmatch(r"-?[1-9]\d{0,2},\d{3}", text):  # 1,250: a thousands separator elsewhere, not guessed
        assert parse_number(text).value is None
    else:
        assert parse_number(text).value == pytest.approx(expected, abs=1e-12)


# ---- a whole pack, key --solutions and grade, through the CLI ----

STUDENTS = [("s1.5", "Łucja Żółć-Kőrösi"), ("12345", "Ada Lovelace")]
KEPT = ("Exam 2.1", "s1.5")  # the title and an id that look like numbers: printed as they are
POINT_NUMBER = re.compile(r"(?<![\w.,])\d+\.\d")


def run(*args: str) -> Result:
    res = CliRunner().invoke(cli, list(args), terminal_width=160)
    assert res.exit_code == 0, res.output
    return res


def text_of(pdf: Path) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(str(pdf)).pages)


def point_numbers(text: str) -> list[str]:
    for kept in KEPT:
        text = text.replace(kept, "")
    return POINT_NUMBER.findall(text)


def comma(value: float | str) -> str:
    return (value if isinstance(value, str) else repr(value)).replace(".", ",").replace("-", "−")


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Key]:
    root = tmp_path_factory.mktemp("dc")
    roster = root / "roster.csv"
    roster.write_text("student_id,name\n" + "".join(f"{i},{n}\n" for i, n in STUDENTS), encoding="utf-8")
    run(
        "generate", "--roster", str(roster), "--pack", "dc", "--title", "Exam 2.1", "--decimal-comma",
        "--solutions", "--jobs", "1", "--keys", str(root / "keys"), "--out", str(root / "out"),
    )  # fmt: skip
    return root, read_key(root / "keys" / "dc.json")


def test_the_key_remembers_the_decimal_comma(pack: tuple[Path, Key]) -> None:
    import jsonschema

    from generator.answer_key import loads

    root, key = pack
    data = json.loads((root / "keys" / "dc.json").read_text())
    assert data["print"] == {"decimal_comma": True}
    assert key.printing == PrintSettings(decimal_comma=True, tagged=False)
    schema = json.loads((Path(__file__).parents[1] / "docs" / "answer-key.schema.json").read_text())
    jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "print": {"decimal_comma": "yes"}}, schema)
    del data["print"]  # a key written before the field existed prints as before
    jsonschema.validate(data, schema)
    assert loads(json.dumps(data), "old key").printing == PrintSettings()


def test_worksheets_keys_and_solutions_print_every_number_with_a_comma(pack: tuple[Path, Key]) -> None:
    root, key = pack
    out = root / "out" / "dc"
    marking = text_of(out / "answer-key.pdf")
    assert point_numbers(marking) == []
    for v, (sid, name) in zip(key.variants, STUDENTS, strict=True):
        sheet, solution = text_of(out / "worksheets" / f"{sid}.pdf"), text_of(out / "solutions" / f"{sid}.pdf")
        for text in (sheet, solution):
            assert point_numbers(text) == []
            assert all(s in text for s in ("Exam 2.1", sid, name, v.variant))
            net = v.problems[0].network
            for x in (*net.inputs, *net.targets, net.learning_rate):
                assert re.search(rf"= {re.escape(comma(x))}\b", text), x
        for a in v.problems[0].answers:  # every answer of the marking key and the worked solution
            assert comma(a.rounded) in marking
            assert comma(a.rounded) in solution
        # the form fields keep their names (answer ids) and the variant code
        fields = PdfReader(str(out / "worksheets" / f"{sid}.pdf")).get_fields() or {}
        assert set(fields) == {"variant", *key.structure.answer_ids}
        assert fields["variant"].get("/V") == v.variant


def test_key_reprints_as_the_pack_was_made_unless_told(pack: tuple[Path, Key]) -> None:
    root, key = pack
    k = str(root / "keys" / "dc.json")
    run("key", k, "--solutions", "--out", str(root / "again"), "--jobs", "1")
    sid = STUDENTS[0][0]
    assert point_numbers(text_of(root / "again" / f"{sid}.pdf")) == []
    run("key", k, "--decimal-point", "--out", str(root / "points.pdf"), "--jobs", "1")
    text = text_of(root / "points.pdf")
    for a in key.variants[0].problems[0].answers:
        assert a.rounded.replace("-", "−") in text
    assert "," not in "".join(re.findall(r"\d[.,]\d{4}", text))


def hand_values(v: Variant) -> dict[str, str]:
    """Each answer as a student who rounds every step writes it (the graph, not the key's strings)."""
    vals = evaluate(build_graph(v.problems[0].network.network()), "quantity", 4)
    return {a.id: fmt(vals[a.id], 4).replace(".", ",") for a in v.problems[0].answers}


def test_grading_reads_typed_commas_and_prints_feedback_with_commas(pack: tuple[Path, Key]) -> None:
    root, key = pack
    v1, v2 = key.variants
    # student 1 fills the worksheet PDF with commas; student 2 hands in a CSV, one answer unreadable
    sheet = root / "out" / "dc" / "worksheets" / f"{STUDENTS[0][0]}.pdf"
    writer = PdfWriter(clone_from=PdfReader(str(sheet)))
    for page in writer.pages:
        writer.update_page_form_field_values(page, hand_values(v1), auto_regenerate=False)
    filled = root / "subs" / "filled.pdf"
    filled.parent.mkdir()
    with filled.open("wb") as fh:
        writer.write(fh)
    typed = {**hand_values(v2), "z_h1": "1.2.3"}
    with (root / "subs" / "b.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["variant", *typed])
        w.writerow([v2.variant, *typed.values()])
    run("grade", str(root / "keys" / "dc.json"), str(root / "subs"), "--out", str(root / "grades"), "--jobs", "1")
    book = {r["variant"]: r for r in csv.DictReader((root / "grades" / "gradebook.csv").open(encoding="utf-8"))}
    n = len(key.structure.answer_ids)
    assert float(book[v1.variant]["score"]) == n  # "0,5812" typed in a form field is read
    assert float(book[v2.variant]["score"]) == n - 1
    fb = text_of(root / "grades" / "feedback" / f"{STUDENTS[1][0]}.pdf")
    assert point_numbers(fb.replace("1.2.3", "")) == []
    assert "1.2.3" in fb  # what the student typed, as typed
    assert typed["a_h1"] in fb
    report = text_of(root / "grades" / "report.pdf")
    assert point_numbers(report) == []
    assert re.search(r"\d,\d", report)


ODD = "\U00013000"  # an Egyptian hieroglyph: no font installed by .ci/run has it


@pytest.fixture(scope="module")
def point_grading(pack: tuple[Path, Key]) -> tuple[Path, Result]:
    """One grade run (read only) with --decimal-point, of a CSV naming student 12345 'Ada' + ODD.

    Two tests read it: the override prints points, and the warning names the student (one report
    and feedback rendered instead of two).
    """
    root, key = pack
    v = key.variants[1]
    sub = root / "one.csv"
    sub.write_text(
        # the value has a decimal comma: quoted, as a spreadsheet writes it in a comma-separated file
        f'variant,student_id,name,z_h1\n{v.variant},{STUDENTS[1][0]},Ada {ODD},"{hand_values(v)["z_h1"]}"\n',
        encoding="utf-8",
    )
    res = run(
        "grade", str(root / "keys" / "dc.json"), str(sub), "--out", str(root / "g2"), "--decimal-point", "--jobs", "1"
    )
    return root / "g2", res


def test_grade_decimal_point_overrides_the_pack(pack: tuple[Path, Key], point_grading: tuple[Path, Result]) -> None:
    _, key = pack
    v = key.variants[1]
    fb = text_of(point_grading[0] / "feedback" / f"{STUDENTS[1][0]}.pdf")
    # a left-blank answer's key value (z_h1 was answered right), with a point
    assert v.problems[0].answers[1].rounded.replace("-", "−") in fb


# ---- the grader's PDFs warn about names no font can draw, as generate does ----


def test_grade_warns_naming_the_student_whose_name_no_font_draws(point_grading: tuple[Path, Result]) -> None:
    from generator.render.fonts import drawable

    if drawable(ODD):
        pytest.skip("this machine has a font with U+13000")
    (line,) = [w for w in point_grading[1].stderr.splitlines() if w.startswith("Warning: no installed font")]
    assert f"student Ada {ODD} ({STUDENTS[1][0]})" in line
    assert "U+13000" in line


# ---- tagged PDF/UA-1 ----


def tagged(pdf: Path | bytes) -> bool:
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else str(pdf))
    root = reader.trailer["/Root"]
    return bool(root.get("/MarkInfo", {}).get("/Marked")) and "/StructTreeRoot" in root


def test_tagged_worksheets_and_solutions(tmp_path: Path) -> None:
    run(
        "generate", "--count", "1", "--profile", "easy", "--pack", "t", "--tagged", "--solutions", "--jobs", "1",
        "--keys", str(tmp_path / "keys"), "--out", str(tmp_path / "out"),
    )  # fmt: skip
    key = read_key(tmp_path / "keys" / "t.json")
    assert key.printing.tagged
    (sheet,) = (tmp_path / "out" / "t" / "worksheets").glob("*.pdf")
    (solution,) = (tmp_path / "out" / "t" / "solutions").glob("*.pdf")
    assert tagged(sheet)
    assert tagged(solution)
    assert PdfReader(str(sheet)).get_fields()  # still fillable
    # the marking key is joined from parts (render/merge.py): one structure tree over all its pages
    marking = tmp_path / "out" / "t" / "answer-key.pdf"
    assert tagged(marking)
    reader = PdfReader(str(marking))
    tree = reader.trailer["/Root"]["/StructTreeRoot"]
    nums = tree["/ParentTree"]["/Nums"]
    pages = {p.indirect_reference.idnum for p in reader.pages if p.indirect_reference is not None}
    assert sorted(p["/StructParents"] for p in reader.pages) == list(nums[0::2])
    for marked in nums[1::2]:  # every marked element of a page points back to a page of this file
        assert all(e.get_object().raw_get("/Pg").idnum in pages for e in marked if "/Pg" in e.get_object())
    run("key", str(tmp_path / "keys" / "t.json"), "--untagged", "--solutions", "--out", str(tmp_path / "plain"))
    (plain,) = (tmp_path / "plain").glob("*.pdf")
    assert not tagged(plain)
    # the students' feedback and the report of a tagged pack are tagged too
    (v,) = key.variants
    sub = tmp_path / "one.csv"
    sub.write_text(f"variant,{v.problems[0].answers[0].id}\n{v.variant},0.5\n", encoding="utf-8")
    run("grade", str(tmp_path / "keys" / "t.json"), str(sub), "--out", str(tmp_path / "g"), "--jobs", "1")
    (feedback,) = (tmp_path / "g" / "feedback").glob("*.pdf")
    assert tagged(feedback)
    assert tagged(tmp_path / "g" / "report.pdf")


def test_a_tagged_print_file_joins_the_structure_of_its_parts(tmp_path: Path) -> None:
    import msgspec

    from generator.pack import build_pack
    from generator.render.batch import render_marking
    from generator.render.merge import PrintFile
    from generator.spec import load_builtin

    key = build_pack(load_builtin("profile", "easy"), pack="t", count=3, seed="t")
    key = msgspec.structs.replace(key, printing=PrintSettings(tagged=True))
    joined = PrintFile(tmp_path / "all.pdf", count=2, tagged=True)
    parts = [key.variants[:2], key.variants[2:]]
    for i, part in enumerate(parts):
        pdf, _ = render_marking(key, [[v] for v in part], "a4", first=i == 0, total=3)
        (tmp_path / f"{i}.pdf").write_bytes(pdf)
        assert tagged(pdf)
        joined.add(tmp_path / f"{i}.pdf", part[0].variant)
    joined.close({"/Title": "t"})
    reader = PdfReader(str(tmp_path / "all.pdf"))
    assert tagged(tmp_path / "all.pdf")
    root = reader.trailer["/Root"]
    tree = root["/StructTreeRoot"]
    assert len(tree["/K"]) == 2  # each part's document element, in order, under the joined root
    assert all(k.get_object().raw_get("/P").idnum == root.raw_get("/StructTreeRoot").idnum for k in tree["/K"])
    nums = tree["/ParentTree"]["/Nums"]
    by_key = dict(zip(nums[0::2], nums[1::2], strict=True))
    assert sorted(by_key) == list(range(len(reader.pages)))
    for page in reader.pages:  # a page's marked content belongs to elements on that page
        elements = [e.get_object() for e in by_key[page["/StructParents"]]]
        assert elements
        assert all(e.raw_get("/Pg").idnum == page.indirect_reference.idnum for e in elements if "/Pg" in e)
    text = "".join(p.extract_text() for p in reader.pages)
    assert all(v.variant in text for v in key.variants)


# ---- [print] in a spec ----


def test_a_spec_print_table_reaches_the_key_and_the_command_line_overrides_it(tmp_path: Path) -> None:
    spec = tmp_path / "exam.toml"
    spec.write_text("[network]\nlayers = [2, 1, 1]\n\n[print]\ndecimal_comma = true\ntagged = true\n", encoding="utf-8")
    common = ("--spec", str(spec), "--count", "1", "--no-pdf", "--keys", str(tmp_path), "--out", str(tmp_path))
    run("generate", *common, "--pack", "a")
    assert read_key(tmp_path / "a.json").printing == PrintSettings(decimal_comma=True, tagged=True)
    run("generate", *common, "--pack", "b", "--decimal-point", "--untagged")
    assert read_key(tmp_path / "b.json").printing == PrintSettings()
    spec.write_text("[network]\nlayers = [2, 1, 1]\n\n[print]\ndecimal_coma = true\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["generate", *common, "--pack", "c"])
    assert res.exit_code == 2
    assert "unknown key 'decimal_coma' in [print]; did you mean 'decimal_comma'?" in res.output


def test_a_tagged_worksheets_diagram_has_alternative_text() -> None:
    """PDF/UA-1 wants alt text on every Figure; the diagram had none, so a screen reader read its
    labels in drawing order ("bh1 = −0.35 x1 x1 = 0.55 h1 0.8 …")."""
    import msgspec

    from generator.pack import build_pack
    from generator.render.batch import render_worksheet
    from generator.spec import load_builtin

    key = build_pack(load_builtin("profile", "standard"), pack="t", count=1, seed="t")
    key = msgspec.structs.replace(key, printing=PrintSettings(tagged=True))
    pdf, _ = render_worksheet(key, key.variants[0], "a4")
    figures = []

    def walk(node: object) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif isinstance(node, dict):
            if node.get("/S") == "/Figure":
                figures.append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"])
    alts = [str(f.get("/Alt", "")) for f in figures]
    assert any(a.startswith("Diagram of the 2-2-1 network") for a in alts), alts
