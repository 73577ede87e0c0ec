"""Stamped worksheets (render/stamp.py) against the whole render of the same student.

The whole render, its pages broken where WeasyPrint breaks them (as before stamping), is the
independent reference: every page rasterised by PDFium to the same pixels, the same page
count, the same form fields (names, rectangles, flags, values, default appearance) on the same
pages, the same text (pdftotext). Then: a head that does not end where the layout model said
falls back to the whole render, and a filled stamped worksheet grades.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from generator.evaluate import evaluate
from generator.graph import build_graph
from generator.numbers import fmt
from generator.pack import Student, build_pack
from generator.records import Key, Variant
from generator.spec import load_builtin, load_spec_file

pytest.importorskip("weasyprint")
pytestmark = [
    pytest.mark.pdf,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"),
]

ROSTER = [Student("s1", "李小龍"), Student("s2", "محمد عبد الله")]
SCALE = 1.5  # 108 dpi
TOLERANCE = 1e-4  # of a page's pixels may differ by more than a tenth of the grey range


@cache
def pack(kind: str, name: str) -> Key:
    if kind == "spec":  # the largest network a spec allows
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            spec = Path(tmp) / "big.toml"
            spec.write_text('[network]\nlayers = [4, 4, 4, 4, 3]\nactivation = "sigmoid"\nbias = "per_neuron"\n')
            return build_pack(load_spec_file(spec), pack="big-a4", count=2, seed="bignet-seed-x7")
    return build_pack(load_builtin(kind, name), pack="w", students=ROSTER, seed="stamp-seed")


def stamped(key: Key, variant: Variant, paper: str) -> tuple[bytes, int] | None:
    from generator.render.batch import _meta
    from generator.render.context import worksheet_context
    from generator.render.stamp import render_stamped

    ctx = worksheet_context(key, variant, paper, split=True)
    return render_stamped(key, variant, paper, ctx, _meta(key, variant))


def whole(key: Key, variant: Variant, paper: str) -> tuple[bytes, int]:
    """The worksheet laid out whole, breaking pages where WeasyPrint breaks them (as before stamping)."""
    from generator.render.batch import render_worksheet

    return render_worksheet(key, variant, paper, stamp=False)


def pixels(pdf: bytes) -> list[Any]:
    import numpy as np
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return [
            np.asarray(doc[i].render(scale=SCALE, may_draw_forms=False).to_pil().convert("L"), dtype=np.int16)
            for i in range(len(doc))
        ]
    finally:
        doc.close()


def fields(pdf: bytes) -> list[tuple[Any, ...]]:
    """Every widget: page, name, rectangle, flags, value, tooltip, default appearance."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    out = []
    for n, page in enumerate(reader.pages):
        for ref in page.get("/Annots", []):
            w = ref.get_object()
            assert w["/P"].get_object() == page.get_object()  # each widget knows its page
            rect = tuple(round(float(x), 2) for x in w["/Rect"])
            out.append(
                (n, str(w["/T"]), rect, w.get("/Ff"), w.get("/F"), str(w.get("/V")), str(w["/TU"]), str(w["/DA"]))
            )
    form = {str(ref.get_object()["/T"]) for ref in reader.trailer["/Root"]["/AcroForm"]["/Fields"]}
    assert form == {f[1] for f in out}  # every widget is a field of the form, and no other
    return sorted(out)


def text(pdf: bytes, tmp: Path) -> str:
    path = tmp / "t.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def assert_same(a: bytes, b: bytes, tmp: Path) -> None:
    pa, pb = pixels(a), pixels(b)
    assert len(pa) == len(pb)
    for n, (x, y) in enumerate(zip(pa, pb, strict=True)):
        assert x.shape == y.shape
        differ = int((abs(x - y) > 25).sum())
        assert differ <= TOLERANCE * x.size, f"page {n + 1}: {differ} pixels differ"
    assert fields(a) == fields(b)
    assert text(a, tmp) == text(b, tmp)


CASES = [
    ("profile", "easy"), ("profile", "standard"), ("profile", "hard"), ("profile", "deep"),
    ("profile", "multiclass"), ("preset", "ref-2-2-1-shared"), ("preset", "ref-2-1-1-sse"),
]  # fmt: skip


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize(("kind", "name"), CASES)
def test_a_stamped_worksheet_is_the_whole_render(kind: str, name: str, paper: str, tmp_path: Path) -> None:
    key = pack(kind, name)
    for variant in key.variants:
        got = stamped(key, variant, paper)
        assert got is not None, "the stamp did not apply"
        assert strip_on_page_1(got[0])  # page 1's rows are shared too
        ref = whole(key, variant, paper)
        assert got[1] == ref[1]
        assert_same(got[0], ref[0], tmp_path)


def big(bias: str) -> Key:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "big.toml"
        spec.write_text(f'[network]\nlayers = [4, 4, 4, 4, 3]\nactivation = "sigmoid"\nbias = "{bias}"\n')
        return build_pack(load_spec_file(spec), pack="big", count=2, seed="bignet-seed-x7", decimals=5)


@pytest.mark.parametrize(("paper", "bias"), [("a4", "per_neuron"), ("letter", "per_neuron"), ("letter", "shared")])
def test_the_largest_network_is_stamped_or_rendered_whole(paper: str, bias: str, tmp_path: Path) -> None:
    """Where its given values reach page 2, the layout model's estimate is less exact: no forced
    break. Where they fit page 1 (every 4-4-4-4-3 with a bias per neuron since its weight tables
    are set compact), the sheet is stamped, and the stamp is the whole render. With shared biases
    (a row more per table, a taller diagram) the head of a letter sheet still takes two pages."""
    from generator.render.context import room_plan, worksheet_context
    from generator.worked import worked_of

    key = big(bias)
    long_heads = 0
    for v in key.variants:
        ctx = worksheet_context(key, v, paper, split=True)
        plan = room_plan(ctx["problems"], [worked_of(key, p) for p in v.problems], paper)
        if plan.head_pages > 1:
            long_heads += 1
            assert not ctx["shared"]
            assert all(len(s["tables"]) == 1 and not s["page_start"] for s in ctx["problems"][0]["sections"])
        else:
            got = stamped(key, v, paper)
            assert got is not None
            assert_same(got[0], whole(key, v, paper)[0], tmp_path)
    if bias == "shared":
        assert long_heads  # the case this test is about is still there


def strip_on_page_1(pdf: bytes) -> bool:
    from pypdf import PdfReader

    from generator.render.stamp import XOBJECT

    return XOBJECT in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"].get("/XObject", {})


def test_render_worksheet_stamps_when_the_pack_has_several_students() -> None:
    from pypdf import PdfReader

    from generator.render.batch import render_worksheet
    from generator.render.stamp import XOBJECT

    key = pack("profile", "standard")

    def stamps(pdf: bytes) -> list[bool]:
        return [XOBJECT in p["/Resources"].get("/XObject", {}) for p in PdfReader(io.BytesIO(pdf)).pages]

    assert stamps(render_worksheet(key, key.variants[0], "a4")[0]) == [True, True]  # page 1's rows: a strip
    one = build_pack(load_builtin("profile", "standard"), pack="w", students=ROSTER[:1], seed="stamp-seed")
    assert stamps(render_worksheet(one, one.variants[0], "a4")[0]) == [False, False]  # a pack of one: whole


def test_a_head_that_overflows_its_page_is_rendered_whole(tmp_path: Path) -> None:
    """A course name of eight lines pushes page 1's rows to page 2: the model did not foresee it.
    The sheet is then laid out whole, as WeasyPrint breaks it (no forced break)."""
    from generator.render.batch import render_worksheet
    from generator.render.context import worksheet_context
    from generator.render.templating import render_template

    course = " ".join(["Neural networks and deep learning for engineers, winter term"] * 8)
    key = build_pack(load_builtin("profile", "standard"), pack="w", students=ROSTER, seed="stamp-seed", course=course)
    variant = key.variants[0]
    assert worksheet_context(key, variant, "a4", split=True)["shared"]  # the model would share pages 2 on
    assert stamped(key, variant, "a4") is None
    got, ref = render_worksheet(key, variant, "a4", stamp=True), whole(key, variant, "a4")
    assert got[1] == ref[1]
    assert_same(got[0], ref[0], tmp_path)
    assert "page-start" not in render_template(
        "worksheet.html.j2", **worksheet_context(key, variant, "a4", split=False)
    )


def values(variant: Variant) -> dict[str, str]:
    g = build_graph(variant.problems[0].network.network())
    vals = evaluate(g, "quantity", 4)
    return {a.id: fmt(vals[a.id], 4) for a in variant.problems[0].answers}


def test_a_filled_stamped_worksheet_is_graded(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    from generator.grading.grade import grade_key
    from generator.grading.submissions import read_all

    key = pack("profile", "standard")
    variant = key.variants[1]
    got = stamped(key, variant, "a4")
    assert got is not None
    answers = values(variant)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(got[0])))
    for page in writer.pages:
        writer.update_page_form_field_values(page, answers, auto_regenerate=False)
    path = tmp_path / "filled.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    subs, issues = read_all([path])
    assert not issues
    assert subs[0].variant == variant.variant
    assert subs[0].answers == answers
    grading = grade_key(key, subs)
    assert not grading.issues
    assert {m.verdict for m in grading.graded[0].marks} == {"correct"}
    assert len(grading.graded[0].marks) == len(answers)


def test_a_stamped_worksheet_is_one_pdf_that_strict_readers_and_the_print_file_take(tmp_path: Path) -> None:
    """The stamp is written with the student's PDF: one cross-reference section (it was an
    incremental update, a second one), read by pypdf in strict mode, poppler without a complaint,
    and joined into the print file (which leaves the form out) with every page and its stamp."""
    from pypdf import PdfReader

    from generator.render.merge import PrintFile
    from generator.render.stamp import XOBJECT

    key = pack("profile", "standard")
    paths = []
    for n, variant in enumerate(key.variants):
        got = stamped(key, variant, "a4")
        assert got is not None
        assert got[0].count(b"startxref") == 1
        reader = PdfReader(io.BytesIO(got[0]), strict=True)
        assert len(reader.pages) == got[1]
        path = tmp_path / f"{n}.pdf"
        path.write_bytes(got[0])
        paths.append(path)
        done = subprocess.run(["pdftoppm", "-r", "20", "-png", str(path), str(tmp_path / f"p{n}")], capture_output=True)
        assert done.returncode == 0
        assert not done.stderr, done.stderr
    merged = PrintFile(tmp_path / "all.pdf", count=len(paths), duplex=True)
    for path in paths:
        merged.add(path, path.stem)
    merged.close({})
    joined = PdfReader(tmp_path / "all.pdf", strict=True)
    assert len(joined.pages) == sum(len(PdfReader(p).pages) for p in paths)
    assert all(XOBJECT in page["/Resources"]["/XObject"] for page in joined.pages)


def test_a_font_the_head_lacks_in_dr_is_added_for_the_stamped_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every font and graphics state a widget's /DA names is in the form's /DR, also where the
    student's head does not hold the tail's form font (here taken out of its /DR before the stamp)."""
    from pypdf import PdfReader

    from generator.render import stamp as st

    key = pack("profile", "standard")
    stamp = st.stamp
    removed: list[str] = []

    def without_form_font(pdf: Any, tail: st.Tail, first: int, *, shift: float = 0.0) -> bool:
        fonts = pdf.objects[st._number_of(pdf.objects[st._number_of(pdf.catalog["AcroForm"]["DR"])]["Font"])]
        for category, name in tail.dr:
            if category == "Font" and name in fonts:
                del fonts[name]
                removed.append(name)
        return stamp(pdf, tail, first, shift=shift)

    for patched in (False, True):
        if patched:
            monkeypatch.setattr(st, "stamp", without_form_font)
        got = stamped(key, key.variants[0], "a4")
        assert got is not None
        reader = PdfReader(io.BytesIO(got[0]))
        dr = reader.trailer["/Root"]["/AcroForm"]["/DR"].get_object()
        for page in reader.pages[1:]:
            for ref in page["/Annots"]:
                for name in st._da_names(ref.get_object()):
                    category = "/ExtGState" if f"/{name}" in dr.get("/ExtGState", {}) else "/Font"
                    entry = dr[category].get_object()[f"/{name}"].get_object()
                    assert category == "/ExtGState" or entry["/Type"] == "/Font"
    assert removed  # the case this test is about happened
