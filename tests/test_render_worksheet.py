"""How worksheets use their pages, read back from the rendered PDFs (pdftotext -bbox).

Checked on the PDF itself, not on the layout estimate in render/context.py: the room above
every answer box, that no page but the last goes half empty, that a row of boxes at the top of
a page is never a lone box, that the given values start on page 1, that a standard sheet takes
2 pages, that the last page never holds one row of boxes alone, and that a long name stays on
one line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.pack import Student, build_pack
from generator.records import Key
from generator.spec import load_builtin, load_spec_file

pytest.importorskip("weasyprint")
pytestmark = [
    pytest.mark.pdf,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"),
]

MM = 72 / 25.4
MARGIN_BOTTOM = 16 * MM
ROOM = 16 * MM  # the minimum: three handwritten lines above each box


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    page: int


def words(pdf: Path) -> tuple[list[Word], float]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found, page, height = [], 0, 0.0
    for line in out.splitlines():
        if m := re.search(r'<page width="[\d.]+" height="([\d.]+)"', line):
            page += 1
            height = float(m[1])
        m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line)
        if m:
            found.append(Word(*map(float, m.groups()[:4]), m[5], page))
    return found, height


def rows_of(tabs: list[Word]) -> list[list[Word]]:
    """Id tabs grouped into rows of boxes (tabs of long ids are smaller: grouped by centre)."""
    rows: list[list[Word]] = []
    for tab in sorted(tabs, key=lambda w: (w.page, w.y0 + w.y1)):
        centre = (tab.y0 + tab.y1) / 2
        if rows and rows[-1][0].page == tab.page and centre - (rows[-1][0].y0 + rows[-1][0].y1) / 2 < 4:
            rows[-1].append(tab)
        else:
            rows.append([tab])
    return rows


def render(key: Key, paper: str, tmp: Path, index: int = 0) -> Path:
    from generator.render.batch import render_worksheet

    pdf, _ = render_worksheet(key, key.variants[index], paper)
    path = tmp / f"ws-{paper}-{index}.pdf"
    path.write_bytes(pdf)
    return path


def pack(kind: str, name: str, tmp: Path) -> Key:
    if kind == "spec":  # the largest network a spec allows
        spec = tmp / "big.toml"
        spec.write_text('[network]\nlayers = [4, 4, 4, 4, 3]\nactivation = "sigmoid"\nbias = "per_neuron"\n')
        return build_pack(load_spec_file(spec), pack="big-a4", count=1, seed="bignet-seed-x7")
    students = [Student("s1", "Łucja Żółć-Kőrösi")]
    return build_pack(load_builtin(kind, name), pack="w", students=students, seed="bignet-seed-x7")


CASES = [
    ("profile", "easy"), ("profile", "standard"), ("profile", "hard"), ("profile", "deep"),
    ("profile", "multiclass"), ("preset", "ref-2-2-1-shared"), ("preset", "ref-2-1-1-sse"),
    ("preset", "ref-2-2-1-nobias"), ("preset", "ref-2-2-2-shared"), ("spec", "4-4-4-4-3"),
]  # fmt: skip


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize(("kind", "name"), CASES)
def test_pages_are_used_and_every_box_has_room(kind: str, name: str, paper: str, tmp_path: Path) -> None:
    key = pack(kind, name, tmp_path)
    ids = {a.id for a in key.variants[0].problems[0].answers}
    found, height = words(render(key, paper, tmp_path))
    pages = max(w.page for w in found)
    footer = height - MARGIN_BOTTOM + 1  # "Page x of y" and the student sit in the bottom margin
    tabs = [w for w in found if w.text in ids and w.y1 - w.y0 < 10]  # 7 pt id tabs, not the word "loss"
    assert {w.text for w in tabs} == ids  # every answer box is printed, once
    assert len(tabs) == len(ids)
    # the given values start on page 1 (the 4-4-4-4-3's went to page 2 and left page 1 half empty)
    assert any(w.text == "Given" and w.page == 1 for w in found)
    assert any(w.page == pages for w in tabs)  # no last page holding only "End of worksheet"
    # nor one row of boxes alone (ref-2-2-1-shared A4 p3, deep letter p4, 4-4-4-4-3 A4 p11, letter p12)
    assert len(rows_of([w for w in tabs if w.page == pages])) >= 2 or len(rows_of(tabs)) < 3
    assert any(w.text == "End" and w.page == pages for w in found)
    for page in range(1, pages + 1):
        on = [w for w in found if w.page == page and w.y1 < footer]
        lowest = max(w.y1 for w in on)
        if page < pages:  # no page but the last goes half empty
            assert height - MARGIN_BOTTOM - lowest < 45 * MM, (page, (height - MARGIN_BOTTOM - lowest) / MM)
        on_tabs = [w for w in tabs if w.page == page]
        if on_tabs and page > 1:  # the first row of boxes on a page is never a lone box
            top = min((w.y0 + w.y1) / 2 for w in on_tabs)  # tabs of long ids are smaller: by centre
            first = [w for w in on_tabs if (w.y0 + w.y1) / 2 < top + 4]
            assert len(first) >= 2, (page, [w.text for w in first])
    for tab in tabs:  # room to work above each box: from the head's last line to the box
        above = [
            w for w in found if w.page == tab.page and w.y1 <= tab.y0 and w.x0 < tab.x0 + 20 * MM and w.x1 > tab.x0 - 1
        ]
        head = max(w.y1 for w in above)
        assert tab.y0 - head >= ROOM, (tab.text, tab.page, (tab.y0 - head) / MM)


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_standard_sheet_takes_two_pages(paper: str, tmp_path: Path) -> None:
    """It took 3, the third holding only the last 2 rows of updates."""
    key = pack("profile", "standard", tmp_path)
    found, _ = words(render(key, paper, tmp_path))
    assert max(w.page for w in found) == 2


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_long_name_stays_on_one_line_beside_a_short_id(paper: str, tmp_path: Path) -> None:
    """It broke at its hyphen while the 42 mm id field held two characters."""
    name = "Maximiliane Josephine Wolkenstein-Trostburg-Hohenlohe"
    key = build_pack(load_builtin("profile", "easy"), pack="w", students=[Student("s1", name)], seed="1")
    found, height = words(render(key, paper, tmp_path))
    parts = [w for w in found if w.page == 1 and w.text in name.split() and w.y1 < height / 2]  # not the footer
    assert [w.text for w in parts] == name.split()
    assert len({round(w.y0) for w in parts}) == 1


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_long_id_stays_on_one_line_beside_a_short_name(paper: str, tmp_path: Path) -> None:
    """'long-id-abcdefghijkl-0001' broke at a hyphen in its 42 mm field while the name line had room."""
    sid = "long-id-abcdefghijkl-0001"
    key = build_pack(load_builtin("profile", "easy"), pack="w", students=[Student(sid, "Ana Lima")], seed="1")
    found, height = words(render(key, paper, tmp_path))
    head = [w for w in found if w.page == 1 and w.y1 < height / 2 and sid.startswith(w.text.rstrip("-"))]
    assert [w.text for w in head] == [sid]


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_foot_keeps_a_long_name_and_id_on_one_line(paper: str, tmp_path: Path) -> None:
    """The foot's name and id (55 characters) wrapped at a hyphen onto two lines, 6 mm from the
    paper's edge, beside 'End of worksheet' in a centre box that wrapped too."""
    name = "Maximiliane von Hohenzollern-Sigmaringen-Überlingen"
    key = build_pack(load_builtin("profile", "easy"), pack="w", students=[Student("2026-000123", name)], seed="1")
    found, height = words(render(key, paper, tmp_path))
    pages = max(w.page for w in found)
    for page in range(1, pages + 1):
        foot = [w for w in found if w.page == page and w.y0 > height - MARGIN_BOTTOM]
        assert len({round(w.y0) for w in foot}) == 1, (page, [(w.text, round(w.y0)) for w in foot])
        assert "Hohenzollern-Sigmaringen-Überlingen" in {w.text for w in foot}
        assert any(w.text == "Page" for w in foot)
    last = [w.text for w in found if w.page == pages and w.y0 > height - MARGIN_BOTTOM]
    assert "End" in last


def big_pack(tmp: Path, count: int) -> Key:
    spec = tmp / "big.toml"
    spec.write_text('[network]\nlayers = [4, 4, 4, 4, 3]\nactivation = "sigmoid"\nbias = "per_neuron"\n')
    return build_pack(load_spec_file(spec), pack="big", count=count, seed="bignet-seed-x7", decimals=5)


@pytest.mark.parametrize(("paper", "index"), [("a4", 2), ("a4", 3), ("letter", 0), ("letter", 3)])
def test_a_large_networks_weights_all_stay_on_page_1(paper: str, index: int, tmp_path: Path) -> None:
    """The Layer 3 and Layer 4 tables of a 4-4-4-4-3 went to page 2 on letter, and on A4 for some
    variants, leaving the student the diagram on page 1 and half its weights on page 2."""
    key = big_pack(tmp_path, 6)
    found, _ = words(render(key, paper, tmp_path, index))
    captions = [w for w in found if w.text == "Layer"]
    assert len(captions) == 4
    assert {w.page for w in captions} == {1}, [(w.page, w.y0) for w in captions]
    # every weight value of the last table (into the outputs) is printed on page 1, below its caption
    last = max(captions, key=lambda w: (w.y0, w.x0))
    weights = key.variants[index].problems[0].network.weights[-1]
    values = {f"{v:g}".replace("-", "\u2212") for row in weights for v in row}
    below = {w.text for w in found if w.page == 1 and w.y0 > last.y0 and w.x0 >= last.x0 - 1}
    assert values <= below, values - below


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_long_id_beside_a_long_name_stays_on_the_page(paper: str, tmp_path: Path) -> None:
    """'S-2026-000000000000000123' beside a 70-character name ran off the paper's right edge."""
    sid = "S-2026-000000000000000123"
    name = "Maximiliane Josephine Wolkenstein-Trostburg-Hohenlohe von Überlingen"
    key = build_pack(load_builtin("profile", "easy"), pack="w", students=[Student(sid, name)], seed="1")
    found, height = words(render(key, paper, tmp_path))
    width = {"a4": 595.3, "letter": 612.0}[paper]
    head = [w for w in found if w.page == 1 and w.y1 < height / 3]
    assert max(w.x1 for w in head) <= width - 16 * MM + 1  # inside the right margin
    assert "".join(w.text for w in head if w.text.startswith(("S-", "000")) or w.text[:1].isdigit()).startswith(
        "S-2026"
    )
