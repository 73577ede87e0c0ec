"""Multi-page answer sheets (hard and deep take 2 pages): a page missing from the scans.

A class of three hard-profile students; the second one's page 2 never reaches the scanner.
That student is reported in scan-issues.csv, the answers of their page 1 are read and graded,
the answers of the missing page are flagged (graded unreadable, not blank: the student did
not leave them empty), and the rest of the class is read whole.
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from generator.answer_key import write_key
from generator.cli import cli
from generator.evaluate import evaluate
from generator.grading.grade import grade_key
from generator.grading.submissions import Submission, read_csv
from generator.graph import build_graph
from generator.numbers import fmt
from generator.pack import Student, build_pack
from generator.records import Key, Variant
from generator.scan.synthetic import Style, distort, fill_page
from generator.sheet.layout import build_layout
from generator.spec import load_builtin

pytestmark = pytest.mark.pdf


@cache
def hard_key() -> Key:
    roster = [Student("h1", "Ida Ng"), Student("h2", "Jo Park"), Student("h3", "Kim Ortiz")]
    return build_pack(load_builtin("profile", "hard"), pack="paper2", students=roster, seed="pages")


def honest(variant: Variant) -> dict[str, str]:
    """Hand-rounded answers computed from the network, independently of the key's stored values."""
    g = build_graph(variant.problems[0].network.network())
    vals = evaluate(g, "quantity", 4)
    return {a.id: fmt(vals[a.id], 4) for a in variant.problems[0].answers}


def page_images(key: Key, layout: dict, variant: Variant, dpi: int) -> list[np.ndarray]:
    """The printed sheet of ``variant`` rasterised page by page, as a scanner would see blank paper."""
    import pypdfium2 as pdfium

    from generator.sheet.render import SheetPrinter

    doc = pdfium.PdfDocument(SheetPrinter(key, layout).sheet(variant))
    try:
        return [np.array(p.render(scale=dpi / 72, grayscale=True).to_numpy()) for p in doc]
    finally:
        doc.close()


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_a_missing_second_page_is_reported_and_the_first_still_graded(tmp_path: Path) -> None:
    import cv2

    key = hard_key()
    layout = build_layout(key)
    assert [p["page"] for p in layout["pages"]] == [1, 2]  # the hard profile needs two pages
    on_page = {p["page"]: [a["id"] for a in p["answers"]] for p in layout["pages"]}
    (tmp_path / "layout.json").write_text(json.dumps(layout))
    rng = np.random.default_rng(5)
    scans = tmp_path / "scans"
    scans.mkdir()
    answers = [honest(v) for v in key.variants]
    for i, v in enumerate(key.variants):
        for n, img in enumerate(page_images(key, layout, v, 200), start=1):
            if i == 1 and n == 2:
                continue  # Jo Park's page 2 is lost
            fill_page(img, 200, layout["pages"][n - 1], answers[i], rng, Style(noisy=True))
            cv2.imwrite(str(scans / f"{v.variant}-{n}.png"), distort(img, rng, noisy=True, flip=n == 2))
    key_path = tmp_path / "paper2.json"
    write_key(key, key_path)
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["scan", str(key_path), str(scans), "--out", str(out), "--jobs", "1",
                                   "--layout", str(tmp_path / "layout.json")])  # fmt: skip
    assert res.exit_code == 0, res.output

    issues = rows(out / "scan-issues.csv")
    assert [i["kind"] for i in issues] == ["missing_page"]
    assert key.variants[1].variant in issues[0]["message"]
    assert "Jo Park" in issues[0]["message"]
    assert "page 2" in issues[0]["message"]

    got = {r["student_id"]: r for r in rows(out / "submissions.csv")}
    assert sorted(got) == ["h1", "h2", "h3"]
    for sid, want in zip(("h1", "h3"), (answers[0], answers[2]), strict=True):  # the rest of the class: whole
        assert {a: got[sid][a] for a in want} == want
        assert not any(got[sid][f"flag:{a}"] for a in want)
    jo = got["h2"]
    for a in on_page[1]:
        assert jo[a] == answers[1][a]
        assert jo[f"flag:{a}"] == ""
    for a in on_page[2]:  # flagged, so graded unreadable and listed for the teacher: not a silent blank
        assert jo[a] == "?"
        assert jo[f"flag:{a}"] == "page 2 not scanned"
    corrections = rows(out / "corrections.csv")
    assert sorted(c["answer_id"] for c in corrections) == sorted(on_page[2])

    subs = [s for s in read_csv(out / "submissions.csv") if isinstance(s, Submission)]
    graded = {g.student_id: {m.id: m.verdict for m in g.marks} for g in grade_key(key, subs).graded}
    assert set(graded["h1"].values()) == set(graded["h3"].values()) == {"correct"}
    assert {graded["h2"][a] for a in on_page[1]} == {"correct"}
    assert {graded["h2"][a] for a in on_page[2]} == {"unreadable"}
