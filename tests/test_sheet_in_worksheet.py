"""`generate --answer-sheet` adds the answer sheet to each student's worksheet and to worksheets.pdf.

The sheet's pages are the last pages of the student's fillable worksheet (form fields kept),
start on a new sheet of paper (duplex: a blank page first after an odd page count), and the
layout JSON says where they are, in each student's file and in the print file. The QR code
read back from each of those pages names the pack, the student's variant and the sheet page.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from generator.pack import Student
from generator.records import Key
from generator.scan.locate import read_qr
from generator.sheet.layout import build_layout, parse_qr_text
from generator.spec import load_builtin
from generator.workflow import PackOptions, generate_pack
from generator.writers import OutputOptions

pytestmark = pytest.mark.pdf
ROSTER = [Student("s1", "Ann Lee"), Student("s2", "Bo Chen"), Student("s3", "Cy Diaz")]
JOINED: list[tuple[str, str]] = []  # (print file, part) of every part the pack's print files took in
STAGES: list[tuple[str, int, int]] = []  # what the progress display heard while the pack was written


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Key, Path]:
    """A standard pack (3 worksheet pages) of three students with answer sheets, printed duplex."""
    root = tmp_path_factory.mktemp("pack")
    options = PackOptions(
        pack="sheets", seed="in-worksheet", keys_dir=root / "keys", out_dir=root / "out",
        output=OutputOptions(answer_sheet=True, jobs=1),
    )  # fmt: skip
    from generator.render.merge import PrintFile

    add = PrintFile.add

    def recording(self: PrintFile, path: Path, title: str) -> None:
        JOINED.append((self.target.name, Path(path).name))
        add(self, path, title)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(PrintFile, "add", recording)
        pack = generate_pack(
            load_builtin("profile", "standard"), options, students=ROSTER, progress=lambda *t: STAGES.append(t)
        )
    return pack.key, root / "out" / "sheets"


def qr_of(pdf: Path, page: int) -> tuple[str, str, int] | None:
    """(pack, variant, sheet page) of the QR code printed on ``page`` (1-based) of ``pdf``."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        img = np.array(doc[page - 1].render(scale=150 / 72, grayscale=True).to_numpy())
    finally:
        doc.close()
    found = read_qr(img)
    return None if found is None else parse_qr_text(found[0])


def test_each_worksheet_ends_with_its_answer_sheet(made: tuple[Key, Path]) -> None:
    from pypdf import PdfReader

    key, out = made
    layout = json.loads((out / "answer-sheet-layout.json").read_text(encoding="utf-8"))
    assert (layout["format"], layout["version"]) == ("backprop-exam/answer-sheet-layout", 1)
    assert not (out / "answer-sheets.pdf").exists()
    assert not (out / "answer-sheets").exists()
    sheet_pages = [p["page"] for p in layout["pages"]]
    for v, sheet in zip(key.variants, layout["sheets"], strict=True):
        assert sheet["variant"] == v.variant
        path = out / sheet["worksheet"]
        reader = PdfReader(path)
        n = len(reader.pages)
        assert sheet["worksheet_pages"] == list(range(n - len(sheet_pages) + 1, n + 1))  # the last pages
        assert sheet["worksheet_pages"][0] % 2 == 1  # the front of a new sheet of paper
        for at, page in zip(sheet["worksheet_pages"], sheet_pages, strict=True):
            assert qr_of(path, at) == ("sheets", v.variant, page)
        assert qr_of(path, 1) is None  # the worksheet itself carries no sheet code
        fields = set(reader.get_fields() or {})
        assert {a.id for a in v.problems[0].answers} <= fields  # still fillable
        assert reader.metadata is not None
        assert reader.metadata["/BackpropExamVariant"] == v.variant


def test_the_print_file_holds_every_sheet_where_the_layout_says(made: tuple[Key, Path]) -> None:
    from pypdf import PdfReader

    key, out = made
    layout = json.loads((out / "answer-sheet-layout.json").read_text(encoding="utf-8"))
    assert layout["print_file"] == "worksheets.pdf"
    print_file = out / "worksheets.pdf"
    total = len(PdfReader(print_file).pages)
    student_pages = [len(PdfReader(out / s["worksheet"]).pages) for s in layout["sheets"]]
    padded = [n + n % 2 for n in student_pages[:-1]] + student_pages[-1:]  # duplex: each student on a new sheet
    assert total == sum(padded)
    start = 0
    for v, sheet, n in zip(key.variants, layout["sheets"], padded, strict=True):
        assert sheet["print_pages"] == [start + p for p in sheet["worksheet_pages"]]
        for at, page in zip(sheet["print_pages"], [p["page"] for p in layout["pages"]], strict=True):
            assert qr_of(print_file, at) == ("sheets", v.variant, page)
        start += n
    geometry = {k: v for k, v in layout.items() if k != "print_file"}
    geometry["sheets"] = [
        {k: v for k, v in s.items() if k not in ("worksheet", "worksheet_pages", "print_pages")}
        for s in layout["sheets"]
    ]
    assert geometry == build_layout(key)  # the geometry the sheets were drawn from, unchanged


def test_the_print_file_is_joined_once(made: tuple[Key, Path]) -> None:
    """worksheets.pdf takes in each student's worksheet once, with its sheet (it was joined twice:
    by the worksheet writer, then again by the answer sheet writer)."""
    _key, out = made
    sheets = [name for target, name in JOINED if target == "worksheets.pdf"]
    assert sheets == [f"{s.id}.pdf" for s in ROSTER]
    assert sorted(p.name for p in (out / "worksheets").iterdir()) == sorted(sheets)


def test_the_answer_sheets_show_as_a_stage_of_their_own(made: tuple[Key, Path]) -> None:
    """The sheets are drawn and joined after the last worksheet (seconds per student): a line of
    their own follows the full rendering bar and ends the run, as does the marking key's."""
    n = len(ROSTER)
    stages = [t for t in STAGES if t[0] != "Solving variants"]
    last_render = max(i for i, t in enumerate(stages) if t[0] == "Rendering PDFs")
    assert stages[last_render] == ("Rendering PDFs", n, n)
    assert stages[last_render + 1 :] == [("Answer sheets", 0, 0), ("Answer sheets", 1, 1)]
    assert ("Marking key", n, n) in stages


def test_the_whole_print_file_scans(made: tuple[Key, Path], tmp_path: Path) -> None:
    """Scanning every page of worksheets.pdf: the sheets are found by their QR code, the worksheet
    pages (no QR code, no corner marks) are skipped and counted in one line, not issues. Two
    workers: the pool's bounded queue (generator/scan/run.py) gives the pages back in order."""
    import csv

    from pypdf import PdfReader

    from generator.answer_key import write_key
    from generator.cli import cli

    key, out = made
    key_path = tmp_path / "sheets.json"
    write_key(key, key_path)
    res = CliRunner().invoke(cli, ["scan", str(key_path), str(out / "worksheets.pdf"), "--out", str(tmp_path / "s"),
                                   "--layout", str(out / "answer-sheet-layout.json"), "--jobs", "2"])  # fmt: skip
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "s" / "submissions.csv").read_text(encoding="utf-8"))))
    assert [r["student_id"] for r in rows] == ["s1", "s2", "s3"]
    issues = list(csv.DictReader(io.StringIO((tmp_path / "s" / "scan-issues.csv").read_text(encoding="utf-8"))))
    layout = json.loads((out / "answer-sheet-layout.json").read_text(encoding="utf-8"))
    on_sheets = {p for s in layout["sheets"] for p in s["print_pages"]}
    # each worksheet page was an 'unidentified' issue; the sheets, printed and never filled, are blank
    assert [(i["kind"], i["page"]) for i in issues] == [("blank_sheet", "")] * len(rows)
    others = len(PdfReader(out / "worksheets.pdf").pages) - len(on_sheets)
    assert f"{others} worksheet or blank pages skipped" in res.output  # said once
    assert f"{others} worksheet or blank pages skipped" in (tmp_path / "s" / "review.html").read_text()


def test_a_sheet_starts_on_a_new_sheet_of_paper_only_when_duplex(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    from generator.sheet.render import attach_sheet

    def pdf(pages: int) -> bytes:
        w = PdfWriter()
        for _ in range(pages):
            w.add_blank_page(width=595, height=842)
        buf = io.BytesIO()
        w.write(buf)
        return buf.getvalue()

    sheet = pdf(2)
    for own, duplex, want in ((3, True, 6), (3, False, 5), (2, True, 4), (1, True, 4)):
        ws = tmp_path / f"w{own}{duplex}.pdf"
        ws.write_bytes(pdf(own))
        assert attach_sheet(ws, sheet, duplex) == want
        assert len(PdfReader(ws).pages) == want


def test_a_tagged_worksheets_sheet_pages_are_tagged_too(tmp_path: Path) -> None:
    """`--tagged --answer-sheet`: the sheet pages of each student's worksheet carried no tags
    (PDF/UA-1 wants every page's content tagged or an artifact). The print file is not tagged."""
    import re
    import zlib

    from pypdf import PdfReader

    options = PackOptions(
        pack="tagged", seed="in-worksheet", keys_dir=tmp_path / "keys", out_dir=tmp_path / "out",
        output=OutputOptions(answer_sheet=True, jobs=1, tagged=True),
    )  # fmt: skip
    generate_pack(load_builtin("profile", "easy"), options, students=ROSTER[:1])
    out = tmp_path / "out" / "tagged"
    layout = json.loads((out / "answer-sheet-layout.json").read_text(encoding="utf-8"))
    pdf = out / "worksheets" / "s1.pdf"
    reader = PdfReader(pdf)
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"]
    tree = catalog["/StructTreeRoot"].get_object()
    nums = tree["/ParentTree"].get_object()["/Nums"]
    parents = {int(nums[i]): nums[i + 1].get_object() for i in range(0, len(nums), 2)}
    assert int(tree["/ParentTreeNextKey"]) > max(parents)
    sheet_pages = layout["sheets"][0]["worksheet_pages"]
    assert sheet_pages
    for number in sheet_pages:
        page = reader.pages[number - 1]
        contents = page["/Contents"].get_object()
        parts = contents if isinstance(contents, list) else [page["/Contents"]]
        raw = b"".join(
            zlib.decompress(c.get_object()._data) if "/Filter" in c.get_object() else c.get_object()._data
            for c in parts
        )
        assert re.findall(rb"/(\w+) <</MCID (\d+)>> BDC", raw) == [(b"Figure", b"0")], number  # one figure
        assert raw.rstrip().endswith(b"EMC")
        (figure,) = [e.get_object() for e in parents[int(page["/StructParents"])]]
        assert figure["/S"] == "/Figure", number
        assert "answer sheet" in figure["/Alt"].lower(), number
        assert figure["/Pg"].get_object() == page.get_object()
        assert figure["/P"].get_object()["/S"] == "/Document"


def test_sheet_pages_of_a_structure_tree_of_another_shape_become_artifacts(tmp_path: Path) -> None:
    """Where the tree is not the one WeasyPrint writes (here: no /Document, no parent tree), the
    sheet pages cannot join it safely: their content is marked as an artifact instead."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    from generator.sheet.render import attach_sheet

    ws = PdfWriter()
    ws.add_blank_page(width=595, height=842)
    ws.root_object[NameObject("/StructTreeRoot")] = ws._add_object(
        DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    )
    path = tmp_path / "w.pdf"
    with open(path, "wb") as fh:
        ws.write(fh)
    sheet = PdfWriter()
    sheet.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    sheet.write(buf)
    assert attach_sheet(path, buf.getvalue(), duplex=False) == 2
    page = PdfReader(path).pages[1]
    data = page.get_contents().get_data()  # type: ignore[union-attr]
    assert data.startswith(b"/Artifact BMC")
    assert data.rstrip().endswith(b"EMC")
    assert "/StructParents" not in page
