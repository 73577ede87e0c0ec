"""Answer sheets and `backprop-exam scan`: a synthetic class filled, scanned, read and graded.

The scans are made here (no scanner): sheets rendered from their PDF, marked like pens and
pencils from the layout, skewed, scaled, shifted, blurred, noised, JPEG-compressed, turned
upside down, duplicated, mixed with another pack's page and a blank page.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from generator.answer_key import write_key
from generator.cli import cli
from generator.evaluate import evaluate
from generator.grading.grade import grade_key
from generator.grading.submissions import read_csv
from generator.graph import build_graph
from generator.numbers import fmt
from generator.pack import Student, build_pack
from generator.records import Key, Variant
from generator.scan.marks import EMPTY, FAINT, MARKED, TWO_MARKS, decide_column, read_answer
from generator.scan.synthetic import Style, digits_for, distort, fill_page, jpeg
from generator.sheet.layout import build_layout, parse_qr_text, qr_text
from generator.spec import load_builtin

pytestmark = pytest.mark.pdf


@cache
def class_key() -> Key:
    roster = [Student("s1", "Ann Lee"), Student("s2", "Bo Chen"), Student("s3", "Cy Diaz")]
    return build_pack(load_builtin("profile", "standard"), pack="paper", students=roster, seed="scan")


def honest(variant: Variant, fixed: dict[str, Any] | None = None) -> dict[str, str]:
    """A student's answers, computed independently of the key (hand-rounded), with ``fixed`` slips carried on."""
    g = build_graph(variant.problems[0].network.network())
    vals = evaluate(g, "quantity", 4, fixed=fixed)
    return {a.id: fmt(vals[a.id], 4) for a in variant.problems[0].answers}


@cache
def sheets_dir() -> Path:
    """The class's layout JSON and its sheets alone, one after the other (answer-sheets.pdf, tests only)."""
    import tempfile

    from pypdf import PdfWriter

    from generator.sheet.render import SheetPrinter

    d = Path(tempfile.mkdtemp(prefix="sheets."))
    key = class_key()
    layout = build_layout(key)
    (d / "answer-sheet-layout.json").write_text(json.dumps(layout), encoding="utf-8")
    printer = SheetPrinter(key, layout)
    both = PdfWriter()
    for v in key.variants:
        both.append(io.BytesIO(printer.sheet(v)))
    both.write(d / "answer-sheets.pdf")
    return d


def blank(page_index: int, dpi: int) -> np.ndarray:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(sheets_dir() / "answer-sheets.pdf"))
    try:
        return np.array(doc[page_index].render(scale=dpi / 72, grayscale=True).to_numpy())
    finally:
        doc.close()


def class_answers() -> list[dict[str, str]]:
    vs = class_key().variants
    first = honest(vs[0])
    slip = honest(vs[1])
    carried = honest(vs[1], fixed={"delta_o1": -Decimal(slip["delta_o1"])})  # a sign slip carried forward
    carried.pop("new_b_o1")  # and one answer left blank
    return [first, carried, honest(vs[2])]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    import cv2
    import segno

    root = tmp_path_factory.mktemp("scan")
    key = class_key()
    layout = json.loads((sheets_dir() / "answer-sheet-layout.json").read_text())
    answers = class_answers()
    rng = np.random.default_rng(7)
    scans = root / "scans"
    scans.mkdir()
    for i, (ans, dpi, ext) in enumerate(zip(answers, (150, 200, 300), (".png", ".jpg", ".tif"), strict=True)):
        img = blank(i, dpi)
        fill_page(img, dpi, layout["pages"][0], ans, rng, Style(noisy=i > 0))
        img = distort(img, rng, noisy=i > 0, flip=i == 1)
        if ext == ".jpg":
            img = jpeg(img, 75)
        cv2.imwrite(str(scans / f"sheet{i}{ext}"), img)
    from PIL import Image

    other = np.full((1754, 1240), 255, np.uint8)  # a page of another pack: its QR names pack 'other'
    qr = segno.make_qr(qr_text("other", "AAA-BBB", 1), error="m")
    cell = np.kron(np.array(qr.matrix, np.uint8) == 0, np.ones((6, 6), np.uint8)) * 255
    other[100 : 100 + cell.shape[0], 900 : 900 + cell.shape[1]] = cell
    again = Image.fromarray(cv2.imread(str(scans / "sheet2.tif"), cv2.IMREAD_GRAYSCALE))  # a 2-page scanned PDF:
    again.save(scans / "stack.pdf", save_all=True, resolution=300,  # the last sheet again, then the other pack's page
               append_images=[Image.fromarray(other).resize((2480, 3508))])  # fmt: skip
    cv2.imwrite(str(scans / "zz-blank.png"), np.full((1754, 1240), 250, np.uint8))  # a blank back: skipped
    smudged = blank(0, 150)  # a sheet page whose QR code cannot be read: its corner marks say it is a sheet
    q, px = layout["qr"], 150 / 72
    y0, y1, x0, x1 = (int((q["y"] - 4) * px), int((q["y"] + q["size"] + 4) * px),
                      int((q["x"] - 4) * px), int((q["x"] + q["size"] + 4) * px))  # fmt: skip
    smudged[y0:y1, x0:x1] = 255
    cv2.imwrite(str(scans / "zz-smudged.png"), smudged)
    key_path = root / "paper.json"
    write_key(key, key_path)
    out = root / "out"
    res = CliRunner().invoke(cli, ["scan", str(key_path), str(scans), "--out", str(out), "--jobs", "1",
                                   "--layout", str(sheets_dir() / "answer-sheet-layout.json")])  # fmt: skip
    assert res.exit_code == 0, res.output
    return out, answers


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_every_digit_read_as_marked(scanned: tuple[Path, list[dict[str, str]]]) -> None:
    out, answers = scanned
    got = rows(out / "submissions.csv")
    assert [r["student_id"] for r in got] == ["s1", "s2", "s3"]
    for row, want in zip(got, answers, strict=True):
        for aid in class_key().structure.answer_ids:
            if aid in want:
                assert not row[f"flag:{aid}"], (row["student_id"], aid, row[f"flag:{aid}"])
                assert Decimal(row[aid]) == Decimal(want[aid]), (row["student_id"], aid)
            else:
                assert row[aid] == ""
                assert row[f"flag:{aid}"] == ""


def test_issues_name_duplicates_other_packs_and_unidentified_pages(scanned: tuple[Path, list[dict[str, str]]]) -> None:
    out, _ = scanned
    issues = rows(out / "scan-issues.csv")
    kinds = {i["kind"]: i for i in issues}
    assert set(kinds) == {"duplicate", "other_pack", "unidentified"}
    dup = kinds["duplicate"]
    assert (Path(dup["file"]).name, dup["page"]) == ("stack.pdf", "1")
    assert "sheet2.tif page 1" in dup["message"]
    assert "reads the same" in dup["message"]
    assert (Path(kinds["other_pack"]["file"]).name, kinds["other_pack"]["page"]) == ("stack.pdf", "2")
    assert Path(kinds["unidentified"]["file"]).name == "zz-smudged.png"  # a sheet page still flagged
    assert "zz-blank.png" not in {Path(i["file"]).name for i in issues}  # a page that is no sheet: counted
    assert "1 worksheet or blank page skipped" in (out / "review.html").read_text()
    assert (out / "review.html").read_text().count("<img") == 0  # nothing flagged on this class


def test_grading_the_scan_equals_grading_the_typed_answers(
    scanned: tuple[Path, list[dict[str, str]]], tmp_path: Path
) -> None:
    out, answers = scanned
    key = class_key()
    typed = tmp_path / "typed.csv"
    ids = key.structure.answer_ids
    with typed.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["variant", *ids])
        for v, ans in zip(key.variants, answers, strict=True):
            w.writerow([v.variant, *(ans.get(i, "") for i in ids)])

    def verdicts(path: Path) -> list[list[str]]:
        g = grade_key(key, [s for s in read_csv(path) if not hasattr(s, "kind")])
        assert not [i for i in g.issues if i.kind == "unknown_answer"]
        return [[m.verdict for m in gr.marks] for gr in g.graded]

    from_scan, from_csv = verdicts(out / "submissions.csv"), verdicts(typed)
    assert from_scan == from_csv
    assert "wrong" in from_csv[1]
    assert "blank" in from_csv[1]
    assert set(from_csv[0]) == {"correct"}


def test_flagged_answers_go_to_review_and_fix(tmp_path: Path) -> None:
    """Two marks in a column: flagged with its crop, graded unreadable, then corrected with --fix."""
    import cv2

    key = class_key()
    layout = json.loads((sheets_dir() / "answer-sheet-layout.json").read_text())
    ans = honest(key.variants[0])
    img = blank(0, 200)
    fill_page(img, 200, layout["pages"][0], ans, np.random.default_rng(1))
    col = layout["pages"][0]["answers"][0]["columns"][-1]  # z_h1's last decimal: a second mark
    wrong = col["bubbles"][(int(ans["z_h1"][-1]) + 5) % 10]
    cv2.circle(img, (round(wrong["x"] * 200 / 72), round(wrong["y"] * 200 / 72)), 10, 0, -1)
    cv2.imwrite(str(tmp_path / "s.png"), img)
    key_path = tmp_path / "paper.json"
    write_key(key, key_path)
    out = tmp_path / "out"
    lay = str(sheets_dir() / "answer-sheet-layout.json")
    run = CliRunner()
    res = run.invoke(cli, ["scan", str(key_path), str(tmp_path / "s.png"), "--out", str(out), "--layout", lay])
    assert res.exit_code == 0, res.output
    row = rows(out / "submissions.csv")[0]
    assert row["z_h1"] == "?"
    assert row["flag:z_h1"] == "two marks in the decimal 4 column"
    assert (out / "review.html").read_text().count("data:image/png;base64,") == 1
    fixes = rows(out / "corrections.csv")
    assert [(f["answer_id"], f["value"]) for f in fixes] == [("z_h1", "")]
    assert fixes[0]["seen"] == ans["z_h1"][:-1] + "?"  # every other column as marked
    (out / "corrections.csv").write_text(f"variant,answer_id,value\n{row['variant']},z_h1,{ans['z_h1']}\n")
    res = run.invoke(cli, ["scan", str(key_path), "--fix", str(out / "corrections.csv"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Corrected 1 answer" in res.output
    row = rows(out / "submissions.csv")[0]
    assert row["z_h1"] == ans["z_h1"]
    assert row["flag:z_h1"] == ""
    res = run.invoke(cli, ["scan", str(key_path), str(tmp_path / "s.png"), "--out", str(out), "--layout", lay])
    assert res.exit_code == 2
    assert "--force" in res.output


def test_scan_force_replaces_only_what_a_scan_wrote(tmp_path: Path) -> None:
    """--force follows generate/grade: a folder holding a file the tool did not write is refused and kept."""
    import cv2

    key = class_key()
    layout = json.loads((sheets_dir() / "answer-sheet-layout.json").read_text())
    img = blank(0, 200)
    fill_page(img, 200, layout["pages"][0], honest(key.variants[0]), np.random.default_rng(2))
    cv2.imwrite(str(tmp_path / "s.png"), img)
    key_path = tmp_path / "paper.json"
    write_key(key, key_path)
    lay = str(sheets_dir() / "answer-sheet-layout.json")
    run = CliRunner()
    scan = ["scan", str(key_path), str(tmp_path / "s.png"), "--layout", lay, "--force", "--out"]

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("the teacher's own notes")
    res = run.invoke(cli, [*scan, str(mine)])
    assert res.exit_code == 2, res.output
    assert len(res.output.strip().splitlines()) == 1, res.output
    assert "notes.txt" in res.output
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    assert (mine / "notes.txt").read_text() == "the teacher's own notes"

    out = tmp_path / "out"
    assert run.invoke(cli, [*scan, str(out)]).exit_code == 0
    first = sorted(p.name for p in out.iterdir())
    (out / "submissions.csv").write_text("stale\n")
    (out / "review.html").unlink()
    res = run.invoke(cli, [*scan, str(out)])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == first
    assert rows(out / "submissions.csv")[0]["variant"] == key.variants[0].variant
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no staging left over
    (out / ".backprop-exam-files").unlink()  # a scan folder written before manifests existed (and crops/)
    shutil.rmtree(out / "crops")
    assert run.invoke(cli, [*scan, str(out)]).exit_code == 0
    assert (out / ".backprop-exam-files").is_file()


def test_layout_is_the_same_geometry_for_every_student_and_never_shows_an_answer() -> None:
    key = class_key()
    layout = json.loads((sheets_dir() / "answer-sheet-layout.json").read_text())
    assert (layout["format"], layout["version"], layout["units"]) == ("backprop-exam/answer-sheet-layout", 1, "pt")
    assert [s["student_id"] for s in layout["sheets"]] == ["s1", "s2", "s3"]
    page = layout["pages"][0]
    assert len(page["answers"]) == len(key.structure.answer_ids)  # a 2-2-1 sheet fits on one page
    assert all(len(a["columns"]) == 1 + 1 + key.decimals for a in page["answers"])  # sign, units, 4 decimals
    assert "secret" not in json.dumps(layout)
    assert key.secret is not None
    assert key.secret not in json.dumps(layout)


def test_answer_sheet_pdf_pages_and_qr() -> None:
    """The sheet's QR carries pack, variant and page only, and reads back from the printed PDF."""
    from generator.scan.locate import read_qr

    img = blank(1, 150)
    found = read_qr(img)
    assert found is not None
    assert parse_qr_text(found[0]) == ("paper", class_key().variants[1].variant, 1)


@given(st.text(max_size=30))
def test_qr_parser_takes_only_sheet_codes(text: str) -> None:
    parsed = parse_qr_text(text)
    if parsed is not None:
        assert qr_text(*parsed) == text


@given(
    st.decimals(min_value=Decimal("-9.9999"), max_value=Decimal("9.9999"), places=4, allow_nan=False),
    st.booleans(),
)
def test_reading_marks_gives_back_the_number(value: Decimal, zeros: bool) -> None:
    """Fills built from the digits a value needs read back as that value (leading zeros filled or not)."""
    layout = build_layout(class_key())
    answer = layout["pages"][0]["answers"][0]
    text = f"{value:.4f}"
    fills = []
    for col, row in zip(answer["columns"], digits_for(text, answer["columns"]), strict=True):
        f = np.zeros(len(col["bubbles"]))
        if row is None and zeros and col["kind"] == "digit":
            row = 0
        if row is not None:
            f[row] = 0.8
        fills.append(f)
    read = read_answer(answer, fills)
    assert not read.flag
    assert Decimal(read.value) == Decimal(text)


def test_column_decisions() -> None:
    base = np.zeros(10)
    one = base.copy()
    one[3] = 0.7
    assert decide_column(one)[:2] == (3, "")
    assert decide_column(base)[:2] == (None, "")
    faint = base.copy()
    faint[3] = (EMPTY + MARKED) / 2
    assert decide_column(faint)[1] == FAINT
    two = one.copy()
    two[5] = 0.6
    assert decide_column(two)[1] == TWO_MARKS


def test_a_600_dpi_colour_scan_reads_the_same(tmp_path: Path) -> None:
    """Fine colour scans are read as greyscale, scaled down to 300 dpi first."""
    import cv2

    from generator.scan.pages import scan_page
    from generator.scan.rasterise import PageRef

    layout = json.loads((sheets_dir() / "answer-sheet-layout.json").read_text())
    ans = honest(class_key().variants[2])
    img = blank(2, 600)
    fill_page(img, 600, layout["pages"][0], ans, np.random.default_rng(3))
    colour = cv2.merge([img, img, np.clip(img.astype(int) + 20, 0, 255).astype(np.uint8)])  # a yellowish paper
    cv2.imwrite(str(tmp_path / "fine.png"), colour)
    res = scan_page(PageRef(str(tmp_path / "fine.png"), 0), layout, 200)
    assert res.kind == ""
    assert {r.id: Decimal(r.value) for r in res.reads} == {k: Decimal(v) for k, v in ans.items()}


def test_feedback_of_a_scan_shows_each_mistake_as_scanned(
    scanned: tuple[Path, list[dict[str, str]]], tmp_path: Path
) -> None:
    """grade of a scan's submissions.csv: each wrong or unreadable answer's feedback shows its crop from
    crops/; a blank one does not (an empty grid tells the student nothing)."""
    from PIL import Image
    from pypdf import PdfReader

    from generator.grading.run import grade_files

    out, _ = scanned
    key = class_key()
    key_path = tmp_path / "paper.json"
    write_key(key, key_path)
    run = grade_files(key_path, [out / "submissions.csv"], tmp_path / "grades", jobs=1)
    slips = run.grading.graded[1]
    mistakes = [m.id for m in slips.marks if m.verdict in ("wrong", "unreadable")]
    assert mistakes
    assert [m.id for m in slips.marks if m.verdict == "blank"] == ["new_b_o1"]  # left blank: no crop shown
    crops = out / rows(out / "submissions.csv")[1]["scan:crops"]
    assert crops == out / "crops" / key.variants[1].variant
    assert sorted(p.stem for p in crops.iterdir()) == sorted(key.structure.answer_ids)  # every answer cropped
    reader = PdfReader(tmp_path / "grades" / "feedback" / "s2.pdf")
    images = list({im.name: im for page in reader.pages for im in page.images}.values())  # pages share resources
    assert len(images) == len(mistakes)  # one per mistake, in the order of the mistakes
    for im, aid in zip(images, mistakes, strict=True):
        shown = np.asarray(im.image.convert("L"))
        scanned_png = np.asarray(Image.open(crops / f"{aid}.png").convert("L"))
        assert np.array_equal(shown, scanned_png), aid
    perfect = PdfReader(tmp_path / "grades" / "feedback" / "s1.pdf")
    assert [im for page in perfect.pages for im in page.images] == []  # nothing to show a perfect student


def test_a_sheet_with_no_bubble_filled_is_reported(tmp_path: Path) -> None:
    """A wholly blank sheet was graded blank without a word: maybe the student wrote the digits
    in the boxes only. It is graded blank still, and named once in scan-issues."""
    import cv2

    from generator.scan.run import scan_files

    layout = json.loads((sheets_dir() / "answer-sheet-layout.json").read_text())
    cv2.imwrite(str(tmp_path / "empty.png"), blank(1, 150))
    res = scan_files(class_key(), layout, [tmp_path / "empty.png"], jobs=1)
    (sheet,) = res.sheets
    assert sheet.variant == class_key().variants[1].variant
    assert all(r.value == "" for r in sheet.reads.values())
    assert [(i.kind, sheet.variant in i.message, "Bo Chen" in i.message) for i in res.issues] == [
        ("blank_sheet", True, True)
    ]
