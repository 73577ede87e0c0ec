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
- each tail page is **stamped** on its empty page while WeasyPrint writes the student's PDF
  (``Engine.render(finisher=...)``, given pydyf's objects before the file is written): its
  content stream, with its own resources, becomes a Form XObject drawn after the page's content
  (``q … Q q /BpxTail Do Q``: no content stream is parsed), and its form widgets are added to the
  page and to the form (/AcroForm /Fields; a font or graphics state their /DA names that /DR
  lacks goes into /DR). The tail's objects are serialised once per tail (``_prepare``), their
  references written as indices, so a student's stamp only numbers them after the head's
  objects: no PDF is parsed, cloned or written twice per student, and the file is one PDF,
  its small objects in WeasyPrint's compressed object stream.

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
from functools import cache
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


@dataclass(frozen=True)
class _Object:
    """One object the stamp adds to a student's PDF: its bytes as chunks, where an int stands for
    a reference to the stamp's object of that index and a str for bytes the student's PDF gives
    (the pages' references, the strip's shift)."""

    chunks: tuple[bytes | int | str, ...]
    stream: bool  # a stream (written as it is) or an object that goes in the object stream


@dataclass
class Tail:
    """The question pages of a pack, laid out once: after its empty lead page the strip (page 1's
    rows, when shared too) and then the pages after page 1, ready to stamp.

    Placed page ``k`` (the strip first, where there is one) is ``xobjects[k]``, its form widgets
    ``widgets[k]``; the first ``needed`` of ``objects`` are added to every student's PDF, the
    rest only where the student's /DR lacks a form-field font (``dr``).
    """

    pages: int  # the pages after page 1
    objects: list[_Object]
    needed: int
    xobjects: list[int]
    widgets: list[list[int]]
    dr: dict[tuple[str, str], tuple[bytes | int | str, ...]]  # (category, name) -> value, as chunks
    strip_rects: dict[str, tuple[float, ...]]  # the strip's widgets' /Rect, moved per student
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

    def head(tail: Tail, first: int, **extra: Any) -> tuple[bytes, int] | None:
        """The head, stamped while WeasyPrint writes it, where it takes ``first`` pages."""
        stamped: list[bool] = []

        def finish(doc: Any, pdf: Any) -> None:
            if len(doc.pages) != first + tail.pages:
                return
            shift = 0.0
            if tail.strip is not None:
                slot = _box_of(doc, 0, STRIP_SLOT)
                if slot is None:
                    return
                shift = -PX * (slot[0] - tail.strip[0])
            stamped.append(stamp(pdf, tail, first, shift=shift))

        pdf, pages = eng.render(
            template(part="head", tail_pages=tail.pages, **extra), stylesheets=eng.stylesheets("worksheet", paper),
            forms=True, metadata=metadata, xml=True, finisher=finish,
        )  # fmt: skip
        return (pdf, pages) if stamped == [True] else None

    if ctx["strip_ok"]:
        tail = tail_of(template(part="tail", strip=True), paper, strip=True)
        if tail.strip is not None and tail.pages >= 1:
            got = head(tail, 1, strip=True, strip_height=f"{tail.strip[1]}px")
            if got is not None:
                return got
    tail = tail_of(template(part="tail"), paper)
    return head(tail, ctx["head_pages"]) if tail.pages >= 1 else None


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
    pdf, _ = eng.render(
        html, stylesheets=sheets, forms=True, xml=True, inspect=lambda doc: found.append(_box_of(doc, 1, "answers"))
    )
    tail = _prepare(PdfReader(io.BytesIO(pdf)), strip, found[0] if strip else None)
    _tails[digest] = tail
    while len(_tails) > CACHE_SIZE:
        _tails.popitem(last=False)
    return tail


def _prepare(reader: Any, strip: bool, box: tuple[float, float] | None) -> Tail:
    """The tail's pages (after the lead page) as the objects a stamp adds: each page's content
    stream as a Form XObject with the pages' resources (less the form-only fonts), its widgets,
    and everything they refer to, serialised once with their references as indices."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

    objects: list[_Object | None] = []
    index: dict[int, int] = {}  # the tail's object number -> index in objects
    queue: list[IndirectObject] = []

    def ref(obj: IndirectObject) -> int:
        if obj.idnum not in index:
            index[obj.idnum] = len(objects)
            objects.append(None)
            queue.append(obj)
        return index[obj.idnum]

    def chunks(value: Any, out: list[bytes | int | str]) -> None:
        if isinstance(value, IndirectObject):
            out.append(ref(value))
        elif isinstance(value, StreamObject):
            raise ValueError("a stream inside another object")
        elif isinstance(value, DictionaryObject):
            if value.get("/Type") in ("/Page", "/Pages", "/Catalog"):
                raise ValueError(f"the tail's objects refer to a {value['/Type']}")
            out.append(b"<<")
            for k, v in dict.items(value):
                out.append(_bytes(NameObject(k)) + b" ")
                chunks(v, out)
                out.append(b" ")
            out.append(b">>")
        elif isinstance(value, ArrayObject):
            out.append(b"[")
            for v in list.__iter__(value):
                chunks(v, out)
                out.append(b" ")
            out.append(b"]")
        else:
            out.append(_bytes(value))

    def add(value: Any, at: int | None = None) -> int:
        """Serialise ``value`` (a stream, a dictionary or any value) as object ``at`` (or a new one)."""
        if at is None:
            at = len(objects)
            objects.append(None)
        out: list[bytes | int | str] = []
        stream = isinstance(value, StreamObject)
        if stream:  # its data as it is, still encoded, with its /Filter
            chunks(DictionaryObject({k: v for k, v in dict.items(value) if k != "/Length"}), out)
            out[-1:] = [b"/Length %d>>\nstream\n" % len(value._data) + value._data + b"\nendstream"]
        else:
            chunks(value, out)
        objects[at] = _Object(_joined(out), stream)
        return at

    def drain() -> None:
        while queue:
            obj = queue.pop()
            add(obj.get_object(), index[obj.idnum])

    placed = list(reader.pages[1:])
    source: Any = placed[0]["/Resources"].get_object()  # one dictionary for every page
    drop = _form_only_fonts(reader)
    fonts = source.get("/Font", DictionaryObject()).get_object()
    resources = DictionaryObject({k: v for k, v in dict.items(source) if k != "/Font"})
    resources[NameObject("/Font")] = DictionaryObject({k: v for k, v in dict.items(fonts) if k[1:] not in drop})
    resources_at = add(resources)
    annots = [[ref.get_object() for ref in page.get("/Annots", [])] for page in placed]
    for page_annots in annots:
        for widget in page_annots:
            index[widget.indirect_reference.idnum] = len(objects)  # whatever names a widget names this copy
            objects.append(None)
    xobjects: list[int] = []
    widgets: list[list[int]] = []
    strip_rects: dict[str, tuple[float, ...]] = {}
    for k, (page, page_annots) in enumerate(zip(placed, annots, strict=True)):
        moved = strip and k == 0
        content: Any = page.raw_get("/Contents").get_object()  # WeasyPrint writes one stream per page
        xobject = DictionaryObject({k2: v for k2, v in dict.items(content) if k2 in ("/Filter", "/DecodeParms")})
        xobject[NameObject("/Type")] = NameObject("/XObject")
        xobject[NameObject("/Subtype")] = NameObject("/Form")
        xobject[NameObject("/BBox")] = ArrayObject(page.mediabox)
        out: list[bytes | int | str] = []
        chunks(xobject, out)
        out[-1:] = [b"/Resources ", resources_at, b" " + (b"/Matrix " if moved else b""), *(["M"] if moved else [])]
        out += [b"/Length %d>>\nstream\n" % len(content._data) + content._data + b"\nendstream"]
        xobjects.append(len(objects))
        objects.append(_Object(_joined(out), True))
        widgets.append([])
        for n, widget in enumerate(page_annots):
            at = index[widget.indirect_reference.idnum]
            extra: list[bytes | int | str] = [b"/P ", f"P{k}", b" "]
            skip: tuple[str, ...] = ("/P",)
            if moved:
                strip_rects[f"R{n}"] = tuple(float(v) for v in widget["/Rect"])
                extra += [b"/Rect ", f"R{n}", b" "]
                skip += ("/Rect",)
            out = []
            chunks(DictionaryObject({k2: v for k2, v in dict.items(widget) if k2 not in skip}), out)
            out[-1:] = [*extra, b">>"]
            objects[at] = _Object(_joined(out), False)
            widgets[-1].append(at)
    drain()
    needed = len(objects)
    dr: dict[tuple[str, str], tuple[bytes | int | str, ...]] = {}
    for widget in (w for page_annots in annots for w in page_annots):
        for category in ("/Font", "/ExtGState"):
            entries = source.get(category)
            for name in _da_names(widget):
                if entries is not None and f"/{name}" in entries.get_object():
                    out = []
                    chunks(dict.__getitem__(entries.get_object(), f"/{name}"), out)
                    dr[(category[1:], name)] = _joined(out)
    drain()
    assert all(o is not None for o in objects)
    return Tail(
        len(placed) - 1 if strip else len(placed), [o for o in objects if o is not None], needed, xobjects, widgets,
        dr, strip_rects, box,
    )  # fmt: skip


def _bytes(value: Any) -> bytes:
    out = io.BytesIO()
    value.write_to_stream(out)
    return out.getvalue()


def _joined(chunks: list[bytes | int | str]) -> tuple[bytes | int | str, ...]:
    """``chunks`` with adjacent bytes joined."""
    out: list[bytes | int | str] = []
    for c in chunks:
        if isinstance(c, bytes) and out and isinstance(out[-1], bytes):
            out[-1] += c
        else:
            out.append(c)
    return tuple(out)


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


def _number(value: float) -> bytes:
    """A PDF number: an integer where it is one, else fixed-point without trailing zeros."""
    return b"%d" % value if float(value).is_integer() else f"{value:f}".rstrip("0").encode()


@cache
def _raw_class() -> type:
    """pydyf's object for bytes written before: ``data`` as given (imported when first needed)."""
    import pydyf  # type: ignore[import-untyped]

    class Raw(pydyf.Object):  # type: ignore[misc]
        def __init__(self, data: bytes, stream: bool) -> None:
            super().__init__()
            self._data, self._stream = data, stream

        @property
        def data(self) -> bytes:
            return self._data

        @property
        def compressible(self) -> bool:
            return not self._stream

    return Raw


def stamp(pdf: Any, tail: Tail, first: int, *, shift: float = 0.0) -> bool:
    """Draw the tail's pages on pages ``first``, ``first + 1``, ... (from 0) of ``pdf``, a
    student's head as WeasyPrint is about to write it (a pydyf.PDF: ``Engine.render(finisher=...)``),
    and add the tail's form fields to those pages and to the form; the tail's strip, if it has
    one, on page 0, moved up by ``shift`` points. False (nothing changed) where the head has no form."""
    import pydyf

    form = pdf.catalog.get("AcroForm")
    if form is None:
        return False
    objects = pdf.objects
    resources = objects[_number_of(form["DR"])]  # WeasyPrint's one resource dictionary: every page's and /DR
    dr = {"Font": objects[_number_of(resources["Font"])], "ExtGState": resources["ExtGState"]}
    count = tail.needed
    missing = [(c, n) for c, n in tail.dr if n not in dr[c]]
    if any(isinstance(x, int) and x >= tail.needed for c, n in missing for x in tail.dr[(c, n)]):
        count = len(tail.objects)
    base = len(objects)
    kids = pdf.pages["Kids"][::3]
    targets = ([0] if tail.strip is not None else []) + list(range(first, first + tail.pages))
    given: dict[str, bytes] = {f"P{k}": b"%d 0 R" % kids[n] for k, n in enumerate(targets)}
    if tail.strip is not None:
        given["M"] = b"[1 0 0 1 0 " + _number(shift) + b"]"
        for key, (x0, y0, x1, y1) in tail.strip_rects.items():
            given[key] = b"[" + b" ".join(_number(v) for v in (x0, y0 + shift, x1, y1 + shift)) + b"]"

    def written(chunks: tuple[bytes | int | str, ...]) -> bytes:
        return b"".join(
            c if isinstance(c, bytes) else b"%d 0 R" % (base + c) if isinstance(c, int) else given[c] for c in chunks
        )

    raw = _raw_class()
    for obj in tail.objects[:count]:
        pdf.add_object(raw(written(obj.chunks), obj.stream))
    for category, name in missing:
        dr[category][name] = written(tail.dr[(category, name)])
    fields = form["Fields"]
    for k, n in enumerate(targets):
        page = objects[kids[n]]
        content = objects[_number_of(page["Contents"])]
        content.stream.insert(0, b"q")  # the page's own content may leave its coordinate system changed
        content.stream.append(b"Q q " + XOBJECT.encode() + b" Do Q")
        own = pydyf.Dictionary(resources)  # this page's own: it names the stamp
        own["XObject"] = pydyf.Dictionary({**resources["XObject"], XOBJECT[1:]: b"%d 0 R" % (base + tail.xobjects[k])})
        pdf.add_object(own)
        page["Resources"] = own.reference
        refs = [b"%d 0 R" % (base + w) for w in tail.widgets[k]]
        if refs:
            page.setdefault("Annots", pydyf.Array()).extend(refs)
            fields.extend(refs)
    return True


def _number_of(reference: bytes) -> int:
    """The object number of a pydyf reference (b"12 0 R")."""
    return int(reference.split()[0])
