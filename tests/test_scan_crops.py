"""The scanned crops that feedback PDFs show: read only inside the scan's folder, inlined as data: URLs.

The ``scan:crops`` cell of a submissions.csv is text anyone can edit; the PDF engine's only new
kind of URL is an inline PNG or JPEG. Neither may make the grader or the renderer read another
file or reach the network.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.grading.crops import PNG_SIGNATURE, crop_png, crops_folder, data_url
from generator.grading.submissions import Submission, read_csv
from generator.render.pdf import inline_image

PNG = PNG_SIGNATURE + b"\x00\x00\x00\rIHDR-not-a-real-image-but-signed"


def scan_folder(root: Path) -> Path:
    """A scan's --out folder with one crop, and a PNG outside it that must never be read."""
    out = root / "scan"
    (out / "crops" / "AAA-BBB").mkdir(parents=True)
    (out / "crops" / "AAA-BBB" / "z_h1.png").write_bytes(PNG)
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "z_h1.png").write_bytes(PNG + b"outside")
    return out


def test_crops_are_read_inside_the_csv_folder_only(tmp_path: Path) -> None:
    out = scan_folder(tmp_path)
    csv_path = out / "submissions.csv"
    inside = crops_folder(csv_path, "crops/AAA-BBB")
    assert inside == (out / "crops" / "AAA-BBB").resolve()
    assert crop_png(inside, "z_h1") == PNG
    assert crop_png(inside, "a_h1") is None  # no such crop: the feedback goes without
    assert crop_png(inside, "../../elsewhere/z_h1") is None
    for text in ("../elsewhere", str(tmp_path / "elsewhere"), "crops/../../elsewhere", "", ".", "/", "/etc"):
        assert crops_folder(csv_path, text) is None, text
    os.symlink(tmp_path / "elsewhere", out / "crops" / "link")  # a link leading out of the scan folder
    assert crops_folder(csv_path, "crops/link") is None
    os.symlink(tmp_path / "elsewhere" / "z_h1.png", out / "crops" / "AAA-BBB" / "b_h1.png")
    assert crop_png(inside, "b_h1") is None
    (out / "crops" / "AAA-BBB" / "a_o1.png").write_bytes(b"GIF89a not a png")
    assert crop_png(inside, "a_o1") is None


def test_the_grader_reads_the_crops_column_of_a_scan(tmp_path: Path) -> None:
    out = scan_folder(tmp_path)
    (out / "submissions.csv").write_text(
        "variant,student_id,name,scan:source,scan:crops,z_h1,flag:z_h1\n"
        "AAA-BBB,s1,Ann,scans/a.png,crops/AAA-BBB,0.5,\n"
        "AAA-BBC,s2,Bo,scans/b.png,../elsewhere,0.5,\n",
        encoding="utf-8",
    )
    subs = [s for s in read_csv(out / "submissions.csv") if isinstance(s, Submission)]
    assert [s.crops for s in subs] == [(out / "crops" / "AAA-BBB").resolve(), None]
    assert "scan:crops" not in subs[0].answers  # a column of the scan, not an answer


def test_the_pdf_engine_inlines_png_and_jpeg_data_urls_only(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    from generator.render.pdf import asset_fetcher_class
    from generator.render.templating import templates_dir

    fetcher = asset_fetcher_class()(templates_dir())
    got = fetcher.fetch(data_url(PNG))
    assert got.read() == PNG
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>'
    for url in (
        "data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
        "data:text/html;base64," + base64.b64encode(b"<p>x</p>").decode(),
        "data:image/png;base64," + base64.b64encode(b"not a png").decode(),
        "data:image/png," + PNG.decode("latin-1"),
        "data:image/png;base64,***",
    ):
        with pytest.raises(ValueError, match="only loads its own template assets"):
            fetcher.fetch(url)


@given(st.binary(max_size=200))
def test_an_inline_png_round_trips(tail: bytes) -> None:
    assert inline_image(data_url(PNG_SIGNATURE + tail)) == ("image/png", PNG_SIGNATURE + tail)


@given(st.text(max_size=120))
def test_any_other_url_is_not_an_inline_image(url: str) -> None:
    got = inline_image(url)
    if got is not None:
        kind, data = got
        assert url.lower().startswith(f"data:{kind};base64,")
        assert kind in ("image/png", "image/jpeg")
        assert data.startswith(PNG_SIGNATURE if kind == "image/png" else b"\xff\xd8\xff")


@given(st.text(max_size=40))
def test_a_crops_cell_never_leads_out_of_the_scan_folder(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = scan_folder(Path(tmp))
        folder = crops_folder(out / "submissions.csv", text)
        if folder is not None:
            assert folder.is_relative_to(out.resolve())
            assert folder != out.resolve()
