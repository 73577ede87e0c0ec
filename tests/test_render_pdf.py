"""The PDFs themselves, read back with pypdf: text, form fields, metadata, fonts, safety, the CLI.

A handful of renders in all (module-scoped fixtures): WeasyPrint takes ~0.3 s per page.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.pack import Student, build_pack
from generator.records import Key
from generator.spec import load_builtin
from generator.worked import worked_of

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")
pytestmark = pytest.mark.pdf

EVIL = '<img src="file:///etc/passwd"> O\'Brien'


def text_of(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    return text.replace("−", "-")


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Key, Path, list[Path]]:
    from generator.render import render_pack

    students = [Student("s-001", EVIL), Student("s/002", "Ada Lovelace")]
    key = build_pack(load_builtin("profile", "standard"), pack="t", students=students, seed="2", course="NN 101")
    dest = tmp_path_factory.mktemp("pack")
    ticks: list[int] = []
    paths = render_pack(key, dest, jobs=1, duplex=True, solutions=True, progress=ticks.append)
    assert sum(ticks) == 2
    return key, dest, paths


def test_every_file_is_written(pack: tuple[Key, Path, list[Path]]) -> None:
    _key, dest, paths = pack
    names = sorted(str(p.relative_to(dest)) for p in paths)
    assert names == sorted([
        "worksheets/s-001.pdf", "worksheets/s_002.pdf", "worksheets.pdf", "answer-key.pdf",
        "solutions/s-001.pdf", "solutions/s_002.pdf",
    ])  # fmt: skip
    assert all(p.is_file() for p in paths)
    assert not (dest / ".key-parts").exists()


def test_worksheet_shows_code_name_and_every_given_value(pack: tuple[Key, Path, list[Path]]) -> None:
    key, dest, _ = pack
    v = key.variants[0]
    text = text_of(dest / "worksheets" / "s-001.pdf")
    assert v.variant in text
    assert EVIL in text  # printed literally, never interpreted
    assert "s-001" in text
    assert re.search(r"Page 1 of [23]", text)
    for g in worked_of(key, v.problems[0]).given:
        assert g.value in text, g.id


def test_marking_key_shows_every_answer_and_accepted_range(pack: tuple[Key, Path, list[Path]]) -> None:
    key, dest, _ = pack
    marking = text_of(dest / "answer-key.pdf")
    assert len(pypdf.PdfReader(dest / "answer-key.pdf").pages) == 1  # two standard variants share a page
    for v in key.variants:
        assert v.variant in marking
        assert v.student is not None
        assert v.student.id in marking
        for a in worked_of(key, v.problems[0]).answers:
            assert a.rounded in marking, a.id
            acc = a.accepted
            if acc.first != acc.last:
                assert f"{acc.first} to {acc.last}" in marking
        assert "Forward pass" not in marking  # no worked steps


def test_worked_solution_per_student(pack: tuple[Key, Path, list[Path]]) -> None:
    key, dest, _ = pack
    for v in key.variants:
        assert v.student is not None
        single = text_of(dest / "solutions" / f"{'s-001' if v.student.id == 's-001' else 's_002'}.pdf")
        assert v.variant in single
        worked = worked_of(key, v.problems[0])
        for a in worked.answers:
            assert a.rounded in single, a.id
        for u in worked.updates:
            assert u.new in single
            assert u.step in single


def test_form_fields_are_named_by_answer_id_and_can_be_filled(
    pack: tuple[Key, Path, list[Path]], tmp_path: Path
) -> None:
    from generator.render import read_variant_code

    key, dest, _ = pack
    v = key.variants[1]
    path = dest / "worksheets" / "s_002.pdf"
    reader = pypdf.PdfReader(path)
    fields = reader.get_fields() or {}
    ids = [a.id for a in v.problems[0].answers]
    assert set(fields) == {*ids, "variant"}  # the roster pre-fills name and id
    assert fields["variant"]["/V"] == v.variant
    assert reader.metadata["/BackpropExamVariant"] == v.variant
    assert reader.metadata["/BackpropExamStudentId"] == "s/002"
    assert v.variant in reader.metadata["/Subject"]

    writer = pypdf.PdfWriter(clone_from=reader)
    for page in writer.pages:
        writer.update_page_form_field_values(page, {ids[0]: "0.1234", ids[-1]: "-1.5"}, auto_regenerate=False)
    filled = tmp_path / "filled.pdf"
    writer.write(filled)
    back = pypdf.PdfReader(filled).get_fields() or {}
    assert back[ids[0]]["/V"] == "0.1234"
    assert back[ids[-1]]["/V"] == "-1.5"
    assert read_variant_code(filled) == v.variant

    # a viewer that drops the Info dictionary: the hidden field still knows the variant
    stripped = pypdf.PdfWriter(clone_from=pypdf.PdfReader(filled))
    stripped.metadata = None
    bare = tmp_path / "bare.pdf"
    stripped.write(bare)
    assert "/BackpropExamVariant" not in (pypdf.PdfReader(bare).metadata or {})
    assert read_variant_code(bare) == v.variant
    assert read_variant_code(tmp_path / "missing.pdf") is None


def test_print_files_start_each_student_on_a_new_sheet(pack: tuple[Key, Path, list[Path]]) -> None:
    key, dest, _ = pack
    reader = pypdf.PdfReader(dest / "worksheets.pdf")
    starts = [reader.get_destination_page_number(o) for o in reader.outline]
    assert len(starts) == len(key.variants)
    assert all(s % 2 == 0 for s in starts), starts  # 0-based: page 1, 3, 5...
    assert not reader.get_fields()  # no duplicated field names in a print file
    assert key.variants[0].variant in reader.outline[0].title


def test_only_the_bundled_fonts_are_embedded(pack: tuple[Key, Path, list[Path]]) -> None:
    _key, dest, _ = pack
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    for name in ("worksheets/s-001.pdf", "answer-key.pdf"):
        out = subprocess.run(["pdffonts", str(dest / name)], capture_output=True, text=True, check=True).stdout
        rows = out.splitlines()[2:]
        assert rows
        for row in rows:
            font, emb = row.split()[0], row.split()[-5]
            assert re.fullmatch(r"[A-Z]{6}\+Exam-(Sans|Math|Form|Minus)(-\w+)?", font), row
            assert emb == "yes", row


def test_no_local_file_or_network_access_from_markup(tmp_path: Path) -> None:
    from generator.render.pdf import engine, html_to_pdf

    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }", encoding="utf-8")
    html = (
        '<html><head><link rel="stylesheet" href="base.css">'
        f'<link rel="stylesheet" href="{secret.as_uri()}"><link rel="stylesheet" href="http://example.com/x.css">'
        '</head><body><p>safe</p><img src="file:///etc/passwd"><img src="../pyproject.toml">'
        '<img src="https://example.com/a.png"></body></html>'
    )
    fetcher = engine().fetcher
    before = len(fetcher.refused)
    pdf = html_to_pdf(html, metadata={"title": "t", "BackpropExamVariant": "AAA-BBB"})
    refused = fetcher.refused[before:]
    assert any("etc/passwd" in u for u in refused)
    assert any("example.com" in u for u in refused)
    assert any(secret.name in u for u in refused)
    assert any("pyproject.toml" in u for u in refused)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert "safe" in reader.pages[0].extract_text()
    assert not reader.pages[0]["/Resources"].get("/XObject")  # no image made it in
    assert reader.metadata["/BackpropExamVariant"] == "AAA-BBB"


def test_key_command_rerenders_from_the_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.answer_key import write_key

    monkeypatch.chdir(tmp_path)
    key = build_pack(load_builtin("profile", "easy"), pack="quiz", count=1, seed="3")
    write_key(key, tmp_path / "answer_keys" / "quiz.json")
    run = CliRunner()
    res = run.invoke(cli, ["key", "answer_keys/quiz.json", "--paper", "letter"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "output" / "quiz" / "answer-key.pdf"
    reader = pypdf.PdfReader(out)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    assert key.variants[0].variant in text_of(out)
    res = run.invoke(cli, ["key", "answer_keys/quiz.json", "--solutions"])
    assert res.exit_code == 0, res.output
    assert len(list((out.parent / "solutions").glob("*.pdf"))) == 1
    assert run.invoke(cli, ["key", "answer_keys/quiz.json", "--solutions"]).exit_code == 2  # no --force

    again = run.invoke(cli, ["key", "answer_keys/quiz.json"])
    assert again.exit_code == 2
    assert "--force" in again.output
    assert "Traceback" not in again.output
    (tmp_path / "bad.json").write_text(json.dumps({"format": "nope"}), encoding="utf-8")
    bad = run.invoke(cli, ["key", "bad.json"])
    assert bad.exit_code == 2
    assert len(bad.output.strip().splitlines()) == 1


def test_a_failing_variant_names_the_student(tmp_path: Path) -> None:
    from generator.render import RenderError, render_pack

    key = build_pack(load_builtin("profile", "easy"), pack="f", students=[Student("x1", "Grace Hopper")], seed="1")
    v = key.variants[0]
    broken = msgspec.structs.replace(v.problems[0].network, activation=["nosuch"])  # past every check
    v.problems[0] = msgspec.structs.replace(v.problems[0], network=broken)
    with pytest.raises(RenderError, match=r"Grace Hopper \(x1\)"):
        render_pack(key, tmp_path / "out", jobs=1, solutions=True)


def test_pdf_titles_do_not_stack_colons() -> None:
    """'Backpropagation: a 2-2-1 network: worksheet DA8-0B0' in viewer title bars and screen readers:
    what the file is follows a dash, as in the worked solutions."""
    import io as _io

    from pypdf import PdfReader

    from generator.pack import build_pack
    from generator.render.batch import render_marking, render_worksheet
    from generator.spec import load_builtin

    key = build_pack(load_builtin("profile", "standard"), pack="tt", count=1, seed="t")
    (v,) = key.variants
    assert key.title.count(":") == 1  # "Backpropagation: a 2-2-1 network"
    sheet, _ = render_worksheet(key, v, "a4")
    marking, _ = render_marking(key, [[v]], "a4", first=True, total=1)
    titles = [PdfReader(_io.BytesIO(pdf)).metadata.title for pdf in (sheet, marking)]
    assert titles == [f"{key.title} — worksheet {v.variant}", f"{key.title} — marking key of tt"]
