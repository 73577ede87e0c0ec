"""The marking key (answer-key.pdf): compact, nothing in the margins, one block per distinct variant;
the fonts: a bold minus, form fields that show what students type, names in every script."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.pack import Student, build_pack
from generator.records import Key
from generator.render.fonts import missing_glyphs, parse_charsets
from generator.render.marking import group_variants, marking_context
from generator.spec import load_builtin

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")
pytestmark = pytest.mark.pdf

MM = 72 / 25.4
NAMES = ["Łucja Żółć-Kőrösi", "Nguyễn Thị Minh Khai", "李小龍", "محمد عبد الله", "דוד כהן"]


def words(pdf: Path) -> list[tuple[float, float, float, float, str, int]]:
    """(xmin, ymin, xmax, ymax, word, page) of every word, in points, from pdftotext -bbox."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found, page = [], 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line)
        if m:
            found.append((*map(float, m.groups()[:4]), m.group(5), page))  # type: ignore[arg-type]
    return found


def render(key: Key, tmp: Path, paper: str) -> Path:
    from generator.render.batch import render_marking

    pdf, _ = render_marking(key, group_variants(key.variants), paper, total=len(key.variants))
    path = tmp / f"marking-{paper}.pdf"
    path.write_bytes(pdf)
    return path


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize(
    ("kind", "profile", "paper"),
    [("profile", "deep", "a4"), ("profile", "standard", "letter"), ("profile", "hard", "a4"),
     ("preset", "ref-2-2-2-shared", "letter")],  # the preset's band lists every code: it must wrap
)  # fmt: skip
def test_nothing_in_the_margins_and_one_page_per_variant(kind: str, profile: str, paper: str, tmp_path: Path) -> None:
    students = [Student(f"s{i}", n) for i, n in enumerate(NAMES)]
    key = build_pack(load_builtin(kind, profile), pack="m", students=students, seed="7")
    path = render(key, tmp_path, paper)
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) <= len(students)  # at most a page per variant
    width = float(reader.pages[0].mediabox.width)
    for x0, _y0, x1, _y1, word, _page in words(path):
        # the @page margins are 16 mm left and right; allow rounding of the bounding boxes
        assert x0 >= 16 * MM - 1, (word, x0 / MM)
        assert x1 <= width - 16 * MM + 1, (word, (width - x1) / MM)
    text = "\n".join(p.extract_text() for p in reader.pages).replace("−", "-")
    for v in key.variants:
        assert v.variant in text
        for a in v.problems[0].answers:
            assert a.rounded in text


def test_the_accepted_range_stays_in_its_cell(tmp_path: Path) -> None:
    """Each range ends left of the next group's answer id (the old key ran them into the margin)."""
    key = build_pack(load_builtin("profile", "standard"), pack="m", count=3, seed="11")
    path = render(key, tmp_path, "a4")
    rows: dict[tuple[int, float], list[tuple[float, float, str]]] = {}
    for x0, y0, x1, _y1, word, page in words(path):
        rows.setdefault((page, round(y0)), []).append((x0, x1, word))
    for row in rows.values():
        row.sort()
        for (_a0, a1, _w), (b0, _b1, w2) in itertools.pairwise(row):
            assert a1 <= b0 + 0.5, (row, w2)


def test_a_preset_pack_prints_its_key_once() -> None:
    students = [Student(f"s{i}", f"Student {i}") for i in range(20)]
    key = build_pack(load_builtin("preset", "ref-2-2-1-shared"), pack="p", students=students, seed="1")
    groups = group_variants(key.variants)
    assert len(groups) == 1
    assert len(groups[0]) == 20
    ctx = marking_context(key, groups, total=20)
    (block,) = ctx["blocks"]
    assert "All 20 variants" in block["summary"]


def test_equal_variants_share_a_block_distinct_ones_do_not() -> None:
    students = [Student(f"s{i}", f"Student {i}") for i in range(6)]
    key = build_pack(load_builtin("profile", "easy"), pack="e", students=students, seed="3")
    codes = [v.variant for v in key.variants]
    assert codes != sorted(codes)  # so that the order below is the roster's, not the codes'
    groups = group_variants([*key.variants, key.variants[0]])
    assert [g[0].variant for g in groups] == codes  # roster order, one group per distinct variant
    assert len(groups[0]) == 2


def test_an_anonymous_pack_lists_its_variants_by_code() -> None:
    """A --count pack has no names to look up: the key listed its codes in the order they were drawn."""
    key = build_pack(load_builtin("profile", "easy"), pack="e", count=8, seed="3")
    codes = [v.variant for v in key.variants]
    assert codes != sorted(codes)
    ctx = marking_context(key, group_variants(key.variants), total=8)
    printed = [c["code"] for b in ctx["blocks"] for c in b["codes"]]
    assert printed == sorted(codes, key=lambda c: [ord(ch) for ch in c])


def test_bold_minus_and_form_font_cover_what_is_typed() -> None:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    from generator.render.templating import templates_dir

    fonts = templates_dir() / "fonts"
    form = TTFont(str(fonts / "NotoSansForm-Regular.ttf")).getBestCmap()
    for ch in "Łżő−0.5450ễƯ":
        assert ord(ch) in form, ch
    for style in ("Regular", "Bold"):
        font = TTFont(str(fonts / f"NotoSansMinus-{style}.ttf"))
        assert 0x2212 in font.getBestCmap()
        # the minus has the advance of the digits, so tabular columns stay aligned
        plus = TTFont(str(fonts / f"NotoSans-{style}.ttf"))
        assert font["hmtx"]["minus"][0] == plus["hmtx"][plus.getBestCmap()[ord("0")]][0]


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) is not installed")
def test_a_bold_result_has_a_bold_minus(tmp_path: Path) -> None:
    key = build_pack(load_builtin("profile", "standard"), pack="m", count=2, seed="5")
    path = render(key, tmp_path, "a4")
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Exam-Minus-Bold" in out


def test_names_in_every_script_have_a_font_or_a_warning() -> None:
    if shutil.which("fc-list") is None or missing_glyphs([("probe", "李")]):
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
    assert missing_glyphs([(f"student {n}", n) for n in NAMES]) == []
    (warning,) = missing_glyphs([("student Ada (s9)", "Ada \U00013000")])
    assert "student Ada (s9)" in warning
    assert "U+13000" in warning
    # the advice names a package that has the script (it named fonts-noto-cjk for hieroglyphs)
    assert warning.endswith("(Debian: apt-get install fonts-noto-core).")


def test_the_font_advice_names_the_package_of_the_script() -> None:
    from generator.render.fonts import font_package

    # Han, Hangul, kana, a fullwidth comma: fonts-noto-cjk; Cherokee, Tamil, Ethiopic, Egyptian: fonts-noto-core
    assert [font_package(ch) for ch in "李한かア，"] == ["fonts-noto-cjk"] * 5
    assert [font_package(ch) for ch in "Ꮳதሀ\U00013000"] == ["fonts-noto-core"] * 4


@given(st.lists(st.tuples(st.integers(0, 0x10FFFF), st.integers(0, 0x10FFFF)), max_size=20))
def test_parse_charsets_reads_fontconfig_ranges(pairs: list[tuple[int, int]]) -> None:
    text = " ".join(f"{a:x}" if a == b else f"{a:x}-{b:x}" for a, b in pairs) + "\n junk-zz"
    assert parse_charsets(text) == pairs


def test_a_long_variant_reads_down_within_page_sized_slabs() -> None:
    from generator.render.marking import SLAB_ROWS, answers_table
    from tests.test_render_context import max_problem

    problem = max_problem()
    for paper in ("a4", "letter"):
        t = answers_table(problem, 4, paper)
        assert t["long"]
        ids = [a.id for a in problem.answers]
        down = [r[c]["id"] for slab in t["slabs"] for c in range(t["per_row"]) for r in slab if c < len(r)]
        assert down == ids
        assert all(len(slab) <= SLAB_ROWS[paper] for slab in t["slabs"])


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_long_variant_starts_under_the_document_head(paper: str, tmp_path: Path) -> None:
    """4-4-4-4-3: page 1 held only the head (the first slab, kept whole, did not fit under it)."""
    from generator.spec import load_spec_file

    spec = tmp_path / "big.toml"
    spec.write_text('[network]\nlayers = [4, 4, 4, 4, 3]\nactivation = "sigmoid"\nbias = "per_neuron"\n')
    key = build_pack(load_spec_file(spec), pack="big-a4", count=1, seed="bignet-seed-x7")
    path = render(key, tmp_path, paper)
    reader = pypdf.PdfReader(path)
    answers = key.variants[0].problems[0].answers
    first = reader.pages[0].extract_text().replace("−", "-")
    for a in answers[:30]:  # page 1 holds answers, not only the head
        assert a.rounded in first, a.id
    width = float(reader.pages[0].mediabox.width)
    height = float(reader.pages[0].mediabox.height)
    for x0, y0, x1, y1, word, _page in words(path):
        assert x0 >= 16 * MM - 1, (word, x0 / MM)
        assert x1 <= width - 16 * MM + 1, (word, (width - x1) / MM)
        assert y1 <= height - 16 * MM + 1, (word, (height - y1) / MM)
        assert y0 >= 10 * MM, (word, y0 / MM)  # the running header sits in the top margin
