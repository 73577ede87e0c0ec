"""Answer-sheet PDFs drawn from the layout: one per variant, a print file, and the layout JSON.

The template draws exactly the layout's shapes (corner marks, QR modules, write-in cells,
bubbles) in an SVG whose user unit is the PDF point, so what is printed is where the
scanner looks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..records import Key, Variant
from .layout import build_layout, qr_text

INSTRUCTIONS = (
    "Write each answer in its boxes, then fill the bubble of each digit below it, dark and whole. "
    "Negative: fill −. Leave unused leading digits empty. To change a mark, erase it completely."
)


def qr_rects(text: str, x: float, y: float, side: float) -> list[tuple[float, float, float, float]]:
    """The dark modules of ``text``'s QR code as rectangles (runs along each row), fitted to ``side``."""
    import segno

    code = segno.make_qr(text, error="m")
    matrix = [list(row) for row in code.matrix]
    n = len(matrix)
    m = side / n
    rects: list[tuple[float, float, float, float]] = []
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                rects.append((round(x + start * m, 3), round(y + r * m, 3), round((c - start) * m, 3), round(m, 3)))
            else:
                c += 1
    return rects


def sheet_context(key: Key, layout: Mapping[str, Any], variant: Variant) -> dict[str, Any]:
    """Plain values for templates/answer-sheet.html.j2: one entry per page, every shape placed."""
    w, h = layout["page_size"]
    size = layout["corner_marks"]["size"]
    qr = layout["qr"]
    sid, name = (variant.student.id, variant.student.name) if variant.student else ("", "")
    pages = []
    total = len(layout["pages"])
    for page in layout["pages"]:
        pages.append({
            "number": page["page"],
            "of": total,
            "marks": [(m["x"] - size / 2, m["y"] - size / 2) for m in layout["corner_marks"]["marks"]],
            "qr": qr_rects(qr_text(key.pack, variant.variant, page["page"]), qr["x"], qr["y"], qr["size"]),
            "answers": page["answers"],
        })  # fmt: skip
    return {
        "width": w,
        "height": h,
        "mark_size": size,
        "title": key.title,
        "course": key.course,
        "pack": key.pack,
        "variant": variant.variant,
        "student_name": name,
        "student_id": sid,
        "instructions": INSTRUCTIONS,
        "qr_x": qr["x"],
        "pages": pages,
    }


def _render(key: Key, layout: Mapping[str, Any], variant: Variant, part: str) -> bytes:
    from ..render.pdf import engine
    from ..render.templating import render_template

    eng = engine()
    ctx = sheet_context(key, layout, variant)
    html = render_template("answer-sheet.html.j2", part=part, **ctx)
    w, h = layout["page_size"]
    css = [
        eng.css("base.css"),
        eng.css("answer-sheet.css"),
        eng.css("sheet-page", f"@page {{ size: {w}pt {h}pt; margin: 0 }}"),
    ]
    meta = {"BackpropExamPack": key.pack}
    if part == "overlay":
        meta["BackpropExamVariant"] = variant.variant
    pdf, _ = eng.render(html, stylesheets=css, metadata=meta, xml=True)
    return pdf


class SheetPrinter:
    """Draws the pack's static page (grids, labels, corner marks) once, then stamps each variant's
    header and QR code on it: a full page takes WeasyPrint ~3 s, the stamp ~0.3 s."""

    def __init__(self, key: Key, layout: Mapping[str, Any]) -> None:
        import io

        from pypdf import PdfReader

        self.key, self.layout = key, layout
        self._static = PdfReader(io.BytesIO(_render(key, layout, key.variants[0], "static")))

    def sheet(self, variant: Variant) -> bytes:
        """One variant's answer sheet as PDF bytes."""
        import io

        from pypdf import PdfReader, PdfWriter

        stamp = PdfReader(io.BytesIO(_render(self.key, self.layout, variant, "overlay")))
        writer = PdfWriter()
        for base, top in zip(self._static.pages, stamp.pages, strict=True):
            page = writer.add_page(base)
            page.merge_page(top)
            page.compress_content_streams()  # merged streams come out uncompressed: 540 KB a sheet, 73 KB so
        code = variant.variant
        writer.add_metadata({"/Title": f"Answer sheet {code}", "/BackpropExamVariant": code,
                             "/BackpropExamPack": self.key.pack})  # fmt: skip
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


_worker: dict[str, SheetPrinter] = {}


def _init(key: Key, layout: Mapping[str, Any]) -> None:
    _worker["printer"] = SheetPrinter(key, layout)


def _print(job: tuple[int, str]) -> int:
    i, path = job
    printer = _worker["printer"]
    Path(path).write_bytes(printer.sheet(printer.key.variants[i]))
    return i


def _print_all(key: Key, layout: Mapping[str, Any], paths: list[str], jobs: int | None) -> Iterator[int]:
    """Indices of the sheets written to ``paths``, in order; large classes in worker processes.

    Each worker draws the static page once (~3 s), so a pool pays off from about 20 sheets."""
    import os

    workers = min(jobs or os.cpu_count() or 1, 8, max(1, len(paths) // 20))
    if workers <= 1:
        _init(key, layout)
        yield from (_print(j) for j in enumerate(paths))
        return
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with ctx.Pool(workers, initializer=_init, initargs=(key, layout)) as pool:
        yield from pool.imap(_print, list(enumerate(paths)), chunksize=4)


def write_answer_sheets(
    key: Key,
    dest: Path,
    stems: list[str],
    *,
    paper: str = "a4",
    ids: list[str] | None = None,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Path]:
    """``answer-sheets/<stem>.pdf`` per variant, ``answer-sheets.pdf`` and ``answer-sheet-layout.json`` in ``dest``."""
    from ..render.merge import PrintFile

    layout = build_layout(key, paper, ids)
    folder = dest / "answer-sheets"
    folder.mkdir(parents=True, exist_ok=True)
    print_file = PrintFile(dest / "answer-sheets.pdf", count=len(stems))
    written: list[Path] = []
    paths = [str(folder / f"{stem}.pdf") for stem in stems]
    try:
        for i in _print_all(key, layout, paths, jobs):
            print_file.add(Path(paths[i]), key.variants[i].variant)
            written.append(Path(paths[i]))
            if progress:
                progress(1)
        print_file.close({"/Title": f"Answer sheets of {key.pack}"})
    except BaseException:
        print_file.abort()
        raise
    layout_path = dest / "answer-sheet-layout.json"
    layout_path.write_text(json.dumps(layout, ensure_ascii=False, indent=1), encoding="utf-8")
    return [dest / "answer-sheets.pdf", layout_path, *written]
