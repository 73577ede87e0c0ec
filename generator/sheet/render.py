"""Answer sheets drawn from the layout, appended to each student's worksheet, and the layout JSON.

The template draws exactly the layout's shapes (corner marks, QR modules, write-in cells,
bubbles) in an SVG whose user unit is the PDF point, so what is printed is where the
scanner looks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..naming import document_title
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
        "decimal_comma": key.printing.decimal_comma,  # the separator between the write-in cells: , or .
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


_worker: dict[str, Any] = {}


def _init(key: Key, layout: Mapping[str, Any], duplex: bool) -> None:
    _worker["printer"], _worker["duplex"] = SheetPrinter(key, layout), duplex


def _attach(job: tuple[int, str]) -> tuple[int, int]:
    """Append variant ``i``'s sheet to its worksheet ``path``; (i, pages of the file now)."""
    i, path = job
    printer: SheetPrinter = _worker["printer"]
    return i, attach_sheet(Path(path), printer.sheet(printer.key.variants[i]), _worker["duplex"])


def attach_sheet(worksheet: Path, sheet: bytes, duplex: bool) -> int:
    """Append the answer-sheet pages ``sheet`` to the PDF ``worksheet`` (rewritten in place, its form
    fields and metadata kept); with ``duplex`` a blank page first when the worksheet has an odd page
    count, so the sheet starts on a new sheet of paper (torn off and scanned on its own). A tagged
    worksheet (PDF/UA-1) gets its sheet pages tagged too (see tag_sheet_pages).

    Returns the pages of the file now."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=str(worksheet))
    own = len(writer.pages)
    if duplex and own % 2 == 1:
        box = writer.pages[-1].mediabox
        writer.add_blank_page(width=float(box.width), height=float(box.height))
    added = [writer.add_page(page) for page in PdfReader(io.BytesIO(sheet)).pages]
    if "/StructTreeRoot" in writer.root_object:
        tag_sheet_pages(writer, added)
    total = len(writer.pages)
    tmp = worksheet.with_name(f".{worksheet.name}.tmp")
    with open(tmp, "wb") as fh:
        writer.write(fh)
    tmp.replace(worksheet)
    return total


def sheet_alt(page: int, total: int) -> str:
    """What a screen reader says for a page of the answer sheet (a form drawn for the scanner)."""
    return (f"Answer sheet for scanning, page {page} of {total}: for each answer a row of write-in boxes "
            "with a column of bubbles under each digit. The same answers can be typed in this "
            "worksheet's answer fields.")  # fmt: skip


def tag_sheet_pages(writer: Any, pages: list[Any]) -> None:
    """Tag the answer-sheet ``pages`` appended to a tagged worksheet (PDF/UA-1: every page's content
    is tagged or an artifact). A sheet is a drawing for the scanner, its cells and bubbles no text
    to read, so each page becomes one Figure with alt text (sheet_alt), the last element of the
    worksheet's /Document; where the tree has another shape than WeasyPrint writes (a top element
    that is not one /Document, a parent tree with /Kids), the pages are marked as artifacts."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    root = writer.root_object["/StructTreeRoot"].get_object()
    tops = root.get("/K")
    tops = tops.get_object() if tops is not None else None
    doc_ref = tops[0] if isinstance(tops, ArrayObject) and len(tops) == 1 else None
    doc = doc_ref.get_object() if doc_ref is not None else None
    tree = root.get("/ParentTree")
    tree = tree.get_object() if tree is not None else None
    figures = (
        doc is not None and doc.get("/S") == "/Document" and isinstance(doc.get("/K"), ArrayObject)
        and tree is not None and "/Kids" not in tree and isinstance(tree.get("/Nums"), ArrayObject)
    )  # fmt: skip
    doc_kids = doc["/K"] if figures and doc is not None else ArrayObject()
    nums = tree["/Nums"] if figures and tree is not None else ArrayObject()
    keys = [int(nums[i]) for i in range(0, len(nums) - 1, 2)]
    next_key = max([int(root.get("/ParentTreeNextKey", 0)), *(k + 1 for k in keys)])
    for n, page in enumerate(pages, 1):
        data = page.get_contents().get_data() if page.get_contents() is not None else b""
        if figures:
            box = [FloatObject(float(v)) for v in page.mediabox]
            figure = DictionaryObject({
                NameObject("/Type"): NameObject("/StructElem"),
                NameObject("/S"): NameObject("/Figure"),
                NameObject("/P"): doc_ref,
                NameObject("/Pg"): page.indirect_reference,
                NameObject("/K"): NumberObject(0),
                NameObject("/Alt"): TextStringObject(sheet_alt(n, len(pages))),
                NameObject("/A"): DictionaryObject({
                    NameObject("/O"): NameObject("/Layout"), NameObject("/BBox"): ArrayObject(box),
                }),
            })  # fmt: skip
            ref = writer._add_object(figure)
            doc_kids.append(ref)
            nums.extend([NumberObject(next_key), ArrayObject([ref])])
            page[NameObject("/StructParents")] = NumberObject(next_key)
            next_key += 1
            head = b"/Figure <</MCID 0>> BDC\n"
        else:
            head = b"/Artifact BMC\n"
        stream = DecodedStreamObject()
        stream.set_data(head + data + b"\nEMC\n")
        page.replace_contents(stream)
        page.compress_content_streams()
    if figures:
        root[NameObject("/ParentTreeNextKey")] = NumberObject(next_key)


def _attach_all(
    key: Key, layout: Mapping[str, Any], paths: list[str], duplex: bool, jobs: int | None
) -> Iterator[tuple[int, int]]:
    """(index, pages now) of each worksheet in ``paths``, in order; large classes in
    worker processes. Each worker draws the static page once (~3 s), so a pool pays off from about 20."""
    import os

    workers = min(jobs or os.cpu_count() or 1, 8, max(1, len(paths) // 20))
    if workers <= 1:
        _init(key, layout, duplex)
        yield from (_attach(j) for j in enumerate(paths))
        return
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with ctx.Pool(workers, initializer=_init, initargs=(key, layout, duplex)) as pool:
        yield from pool.imap(_attach, list(enumerate(paths)), chunksize=4)


def bookmark(variant: Variant) -> str:
    """A student's entry in the print file's outline: 'K7M-2QX · Ada Lovelace · s1'."""
    student = (variant.student.name, variant.student.id) if variant.student else ()
    return " · ".join(s for s in (variant.variant, *student) if s)


PRINT_FILE = "worksheets.pdf"


def add_answer_sheets(
    key: Key,
    dest: Path,
    stems: list[str],
    *,
    paper: str = "a4",
    ids: list[str] | None = None,
    duplex: bool = True,
    jobs: int | None = None,
) -> list[Path]:
    """Append each student's answer sheet to ``dest/worksheets/<stem>.pdf``, join them into
    ``dest/worksheets.pdf`` and write ``dest/answer-sheet-layout.json`` saying where the sheet pages
    are; returns both paths. The print file is joined once, here (the worksheet writer leaves it).

    In worksheets.pdf every student starts on a new sheet with ``duplex`` (as the worksheet writer
    does), and so does each answer sheet, inside a student's file too.
    """
    from ..render.merge import METADATA_PACK, PrintFile

    layout = build_layout(key, paper, ids)
    folder = dest / "worksheets"
    paths = [str(folder / f"{stem}.pdf") for stem in stems]
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        from ..errors import UserError

        raise UserError(f"the answer sheets go into the worksheets, but {missing[0]} was not written; "
                        "write the worksheets too")  # fmt: skip
    n_sheet = len(layout["pages"])
    print_file = PrintFile(dest / PRINT_FILE, count=len(stems), duplex=duplex)
    offset = 0
    try:
        for i, total in _attach_all(key, layout, paths, duplex, jobs):
            print_file.add(Path(paths[i]), bookmark(key.variants[i]))
            first = total - n_sheet + 1
            layout["sheets"][i].update({
                "worksheet": f"worksheets/{stems[i]}.pdf",
                "worksheet_pages": list(range(first, total + 1)),
                "print_pages": list(range(offset + first, offset + total + 1)),
            })  # fmt: skip
            offset += total + (1 if duplex and total % 2 == 1 else 0)
        print_file.close({"/Title": document_title(key.title, f"worksheets of {key.pack}"),
                          "/Subject": "Print file of all worksheets, each with its answer sheet",
                          f"/{METADATA_PACK}": key.pack})  # fmt: skip
    except BaseException:
        print_file.abort()
        raise
    layout["print_file"] = PRINT_FILE
    layout_path = dest / "answer-sheet-layout.json"
    layout_path.write_text(json.dumps(layout, ensure_ascii=False, indent=1), encoding="utf-8")
    return [print_file.target, layout_path]
