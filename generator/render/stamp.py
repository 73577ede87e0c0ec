"""A worksheet's question pages laid out once per pack and stamped on each student's copy.

Every student of a pack has the same network structure, so the pages that hold only rows of
answer boxes (headings, symbols, ids, form fields, the room above each box) are the same for
all of them; only the running header and footer differ. The layout model of context.py
(``room_plan``) says whether page 1 holds the student's own part, the **head** (title, name,
instructions, conventions, diagram, given values, and the first rows); if so, the template
forces a page break before the first row after it (``.page-start``; ``worksheet_context(...,
split=True)``), in the whole render and here alike. Then, per student:

- the **tail** (the pages after the head, without any header or footer) is rendered once per
  process and distinct tail HTML (``tail_of``: a small cache keyed by a hash of the HTML),
  after one empty lead page, so that it starts on a page after a forced break as in the whole
  render;
- the head is the student's own document: the head's pages as always, then one empty page per
  tail page, so WeasyPrint itself draws every page's running header and footer, "Page N of M"
  and "End of worksheet";
- each tail page is **stamped** on its empty page with pypdf: its content stream, with its own
  resources, becomes a Form XObject drawn after the page's content (``q … Q q /BpxTail Do Q``:
  no content stream is parsed or rewritten), and its form widgets are copied onto the page and
  into the form (/AcroForm /Fields; the fonts and graphics states their /DA names go into
  /DR). The file is an incremental update of the head's PDF: its bytes, then the new objects.

Page 1's rows are shared too where they all belong to the first section (``ctx["strip_ok"]``):
the tail then starts with them, on a page of their own (the **strip**), and the student's head
leaves an empty block of their height (``.strip-slot``) where they go; the strip is stamped on
page 1, moved by the difference between the slot's top in the student's layout and the strip's
top in the tail's (both read from WeasyPrint's layout tree through ``Engine.render(inspect=…)``),
its widgets' /Rect moved alike. Where the slot does not fit on page 1, page 1's rows are laid
out in the student's head (the tail without a strip).

``render_worksheet`` (batch.py) lays the worksheet out whole, without the forced break (as
WeasyPrint breaks it), for tagged PDF, for a pack of one student, where the model does not fit
the head on page 1 (``ctx["shared"]`` is false: a 4-4-4-4-3 network's given values reach page
2), and when the student's head does not take the pages the model said (``render_stamped``
returns None: a long course name, say). tests/test_stamp.py checks stamped worksheets against
those whole renders, pixel by pixel.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..records import Key, Variant

# No running header or footer on the tail pages: the head's empty pages draw them.
NO_MARGIN_BOXES = "@page { " + " ".join(
    f"@{box} {{ content: none; }}"
    for box in ("top-left", "top-center", "top-right", "bottom-left", "bottom-center", "bottom-right")
) + " }"  # fmt: skip
CACHE_SIZE = 4  # distinct tails kept per process (one pack has one per paper)
XOBJECT = "/BpxTail"  # the name the stamped page gives the tail page's Form XObject
_DA_NAME = re.compile(r"/([^\s/\[\]()<>{}%]+)\s")


@dataclass
class Tail:
    """The question pages of a pack, laid out once: the PDF, after its empty lead page the strip
    (page 1's rows, when shared too) and then the pages after page 1."""

    pdf: bytes
    pages: int  # the pages after page 1
    reader: Any  # pypdf.PdfReader of ``pdf``
    drop_fonts: frozenset[str]  # form-field fonts the page content does not draw with
    strip: tuple[float, float] | None = None  # (top, height) of the strip on its page, CSS px


_tails: OrderedDict[str, Tail] = OrderedDict()
PX = 0.75  # PDF points per CSS pixel
STRIP_SLOT = "strip-slot"


def render_stamped(
    key: Key, variant: Variant, paper: str, ctx: dict[str, Any], metadata: dict[str, str]
) -> tuple[bytes, int] | None:
    """(PDF, pages) of the worksheet of context ``ctx`` with its question pages stamped, or None
    where the student's head does not take the pages the layout model said (render it whole).

    Where page 1's rows are all in the first section (``ctx["strip_ok"]``), they are shared too:
    the student's head leaves a slot of their height, and the strip is drawn at the slot's
    place; where the slot does not end up on page 1, page 1's rows are laid out per student.
    """
    from .numberstyle import number_style
    from .pdf import engine
    from .templating import render_template

    if not ctx["shared"]:
        return None
    eng = engine()

    def template(**extra: Any) -> str:
        return number_style(render_template("worksheet.html.j2", **{**ctx, **extra}), key, [variant])

    def head(**extra: Any) -> tuple[bytes, int, Any]:
        found: list[Any] = []
        pdf, pages = eng.render(
            template(part="head", **extra), stylesheets=eng.stylesheets("worksheet", paper), forms=True,
            metadata=metadata, xml=True, inspect=lambda doc: found.append(_box_of(doc, 0, STRIP_SLOT)),
        )  # fmt: skip
        return pdf, pages, found[0]

    if ctx["strip_ok"]:
        tail = tail_of(template(part="tail", strip=True), paper, strip=True)
        if tail.strip is not None and tail.pages >= 1:
            pdf, pages, slot = head(tail_pages=tail.pages, strip=True, strip_height=f"{tail.strip[1]}px")
            if pages == 1 + tail.pages and slot is not None:
                return stamp(pdf, tail, 1, shift=-PX * (slot[0] - tail.strip[0])), pages
    tail = tail_of(template(part="tail"), paper)
    pdf, pages, _ = head(tail_pages=tail.pages)
    if tail.pages < 1 or pages != ctx["head_pages"] + tail.pages:
        return None
    return stamp(pdf, tail, ctx["head_pages"]), pages


def _box_of(doc: Any, page: int, cls: str) -> tuple[float, float] | None:
    """(top, height) in CSS px of the border box of the first element of class ``cls`` on page
    ``page`` of a laid-out WeasyPrint document, or None."""
    if len(doc.pages) <= page:
        return None
    for box in doc.pages[page]._page_box.descendants():
        element = getattr(box, "element", None)
        if element is not None and cls in (element.get("class") or "").split():
            return float(box.border_box_y()), float(box.margin_height())
    return None


def tail_of(html: str, paper: str, *, strip: bool = False) -> Tail:
    """The tail of ``html`` (the worksheet template's ``part="tail"``), rendered once per process;
    ``strip``: its first page after the lead page is the strip of page 1's rows."""
    digest = hashlib.sha256(f"{paper}\0{strip}\0{html}".encode()).hexdigest()
    tail = _tails.get(digest)
    if tail is not None:
        _tails.move_to_end(digest)
        return tail
    from pypdf import PdfReader

    from .pdf import engine

    eng = engine()
    sheets = [*eng.stylesheets("worksheet", paper), eng.css("no-margin-boxes", NO_MARGIN_BOXES)]
    found: list[Any] = []
    pdf, pages = eng.render(
        html, stylesheets=sheets, forms=True, xml=True, inspect=lambda doc: found.append(_box_of(doc, 1, "answers"))
    )
    reader = PdfReader(io.BytesIO(pdf))
    tail = Tail(pdf, pages - 2 if strip else pages - 1, reader, _form_only_fonts(reader), found[0] if strip else None)
    _tails[digest] = tail
    while len(_tails) > CACHE_SIZE:
        _tails.popitem(last=False)
    return tail


def _form_only_fonts(reader: Any) -> frozenset[str]:
    """The fonts that the tail's form fields name (their /DA) and no page content draws with.

    A text field's font is embedded whole (a viewer draws whatever is typed with it), and the
    head's PDF holds the same font under the same name (WeasyPrint names a font by a hash of
    its description): the stamp leaves it out of the pages' resources.
    """
    names: set[str] = set()
    for page in reader.pages[1:]:
        for annot in page.get("/Annots", []):
            names.update(_da_names(annot.get_object()))
    fonts = set(reader.pages[0]["/Resources"].get("/Font", {}).keys()) if reader.pages else set()
    candidates = {n for n in names if f"/{n}" in fonts}
    contents = b"".join(page.get_contents().get_data() for page in reader.pages[1:] if page.get_contents())
    return frozenset(n for n in candidates if re.search(rb"/" + re.escape(n.encode()) + rb"\s", contents) is None)


def _da_names(widget: Any) -> list[str]:
    """The resource names (font, graphics state) in a widget's default appearance string."""
    return _DA_NAME.findall(str(widget.get("/DA", "")) + " ")


def stamp(head_pdf: bytes, tail: Tail, first: int, *, shift: float = 0.0) -> bytes:
    """``head_pdf`` with the tail's pages drawn on its pages ``first``, ``first + 1``, ... (from 0),
    and the tail's form fields added to those pages and to the form; the tail's strip, if it has
    one, on page 0, moved up by ``shift`` points."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        StreamObject,
    )

    writer = PdfWriter(PdfReader(io.BytesIO(head_pdf)), incremental=True)
    form: Any = writer.root_object["/AcroForm"]
    fields, dr = form["/Fields"], form["/DR"].get_object()
    push, pop = DecodedStreamObject(), DecodedStreamObject()
    push.set_data(b"q\n")  # the page's own content may leave its coordinate system changed
    pop.set_data(b"\nQ q " + XOBJECT.encode() + b" Do Q\n")
    push_ref, pop_ref = writer._add_object(push), writer._add_object(pop)
    source: Any = tail.reader.pages[1]["/Resources"].get_object()  # one dictionary for every page
    resources = DictionaryObject({NameObject(k): v.clone(writer) for k, v in source.items() if k != "/Font"})
    fonts = source.get("/Font", DictionaryObject()).get_object()
    resources[NameObject("/Font")] = DictionaryObject(
        {NameObject(k): v.clone(writer) for k, v in fonts.items() if k[1:] not in tail.drop_fonts}
    )
    resources_ref = writer._add_object(resources)
    pages = tail.reader.pages
    placed = [(pages[1], 0, shift)] if tail.strip is not None else []
    placed += [(tpage, n, 0.0) for n, tpage in enumerate(pages[1 + len(placed) :], start=first)]
    for tpage, n, dy in placed:
        page: Any = writer.pages[n]
        content: Any = tpage.raw_get("/Contents").get_object()  # WeasyPrint writes one stream per page
        xobject = StreamObject()
        xobject._data = content._data  # still encoded: copied byte for byte with its /Filter
        xobject.update({NameObject(k): v.clone(writer) for k, v in content.items() if k in ("/Filter", "/DecodeParms")})
        xobject.update({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(tpage.mediabox).clone(writer),
            NameObject("/Resources"): resources_ref,
        })  # fmt: skip
        if dy:
            xobject[NameObject("/Matrix")] = ArrayObject(
                [NumberObject(1), NumberObject(0), NumberObject(0), NumberObject(1), NumberObject(0), FloatObject(dy)]
            )
        own: Any = DictionaryObject(page["/Resources"].get_object())  # this page's own: it names the stamp
        xobjects: Any = DictionaryObject(own["/XObject"].get_object()) if "/XObject" in own else DictionaryObject()
        xobjects[NameObject(XOBJECT)] = writer._add_object(xobject)
        own[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = writer._add_object(own)
        contents = page.raw_get("/Contents")
        parts = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([push_ref, *parts, pop_ref])
        annots = ArrayObject(page["/Annots"].get_object()) if "/Annots" in page else ArrayObject()
        for ref in tpage.get("/Annots", []):
            widget = ref.get_object()
            copy = widget.clone(writer, force_duplicate=True, ignore_fields=("/P",))
            copy[NameObject("/P")] = page.indirect_reference
            if dy:
                x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
                copy[NameObject("/Rect")] = ArrayObject(FloatObject(v) for v in (x0, y0 + dy, x1, y1 + dy))
            annots.append(copy.indirect_reference)
            fields.append(copy.indirect_reference)
            _need_in_dr(dr, widget, source, writer)
        page[NameObject("/Annots")] = annots
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _need_in_dr(dr: Any, widget: Any, tail_resources: Any, writer: Any) -> None:
    """Put the fonts and graphics states that ``widget``'s /DA names into /DR where they are missing."""
    from pypdf.generic import DictionaryObject, NameObject

    for category in ("/Font", "/ExtGState"):
        source = tail_resources.get(category)
        if source is None:
            continue
        source = source.get_object()
        for name in _da_names(widget):
            key = f"/{name}"
            if key not in source:
                continue
            target = dr.get(category)
            if target is None:
                dr[NameObject(category)] = target = DictionaryObject()
            target = target.get_object()
            if key not in target:
                target[NameObject(key)] = source.raw_get(key).clone(writer)
