"""Concatenate per-variant PDFs into one print file, and read a worksheet's variant code back."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

# PDF Info entries of every worksheet and answer key (documented in docs/rendering.md)
METADATA_VARIANT = "BackpropExamVariant"
METADATA_PACK = "BackpropExamPack"
METADATA_STUDENT = "BackpropExamStudentId"
METADATA_KEY = f"/{METADATA_VARIANT}"
FIELD = "variant"
_CODE_IN_TEXT = re.compile(r"Variant\s*([0-9A-Z]{3}-[0-9A-Z]{3})")


class PrintFile:
    """A print file written part by part, as the parts become ready.

    Streams: each part is read, its pages and everything they use are written out with new
    object numbers, and the part is dropped before the next one is opened, so memory stays
    at one part whatever the class size (pypdf's PdfWriter would hold the whole output as
    Python objects: over 400 MB for 300 students). Form widgets are left out: a print file
    holds one copy of every field name per student, which viewers would fill all at once.
    With ``duplex`` a blank page follows every part with an odd page count (except the
    last), so each part starts on the front of a sheet. With ``tagged`` the parts' structure
    trees (tagged PDF) are joined too, in order, so a screen reader reads the whole file.

    ``count`` is the number of parts that will be added (the last one gets no duplex
    padding). The file is written to a hidden temporary name and only takes its own name in
    close(); abort() removes the temporary file.
    """

    def __init__(self, target: Path, *, count: int, duplex: bool = False, tagged: bool = False) -> None:
        self.target = Path(target)
        self.tmp = self.target.with_name(f".{self.target.name}.tmp")
        self.count = count
        self.duplex = duplex
        self.added = 0
        self._fh: BinaryIO | None = open(self.tmp, "wb")  # noqa: SIM115 (closed in close/abort)
        self._writer = _StreamingWriter(self._fh, tagged=tagged)

    def add(self, path: Path, title: str) -> None:
        last = self.added == self.count - 1
        self._writer.add_part(Path(path), title, pad=self.duplex and not last)
        self.added += 1

    def close(self, metadata: dict[str, str]) -> int:
        """Finish the file (page tree, bookmarks, metadata) and give it its name; returns the page count."""
        assert self._fh is not None
        try:
            n = self._writer.finish(metadata)
            self._fh.close()
            self._fh = None
            self.tmp.replace(self.target)
        except BaseException:
            self.abort()
            raise
        return n

    def abort(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self.tmp.unlink(missing_ok=True)


_NAMES: dict[str, Any] = {}


@cache
def _name_class() -> Any:
    from pypdf.generic import NameObject

    class WrittenName(NameObject):
        """A name that writes the bytes it was escaped to once (``_bytes``)."""

        _bytes = b""

        def write_to_stream(self, stream: Any, encryption_key: Any = None) -> None:
            stream.write(self._bytes)

    return WrittenName


def _name(name: Any) -> Any:
    """``name`` as a PDF name whose bytes are escaped once per process: pypdf escapes a name
    character by character each time it writes it (~15 % of joining a print file)."""
    found = _NAMES.get(name)
    if found is None:
        found = _name_class()(name)
        found._bytes = found.renumber()
        _NAMES[str(name)] = found
    return found


class _StreamingWriter:
    def __init__(self, out: BinaryIO, *, tagged: bool = False) -> None:
        self.out = out
        self.offsets: list[int] = [0]  # by object number; 0 is the free head of the xref table
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self.pages_num = self.reserve()
        self.kids: list[int] = []
        self.marks: list[tuple[str, int]] = []
        self.struct = _Structure(self.reserve()) if tagged else None

    def reserve(self) -> int:
        self.offsets.append(-1)
        return len(self.offsets) - 1

    def emit(self, num: int, obj: Any) -> None:
        self.offsets[num] = self.out.tell()
        self.out.write(f"{num} 0 obj\n".encode())
        obj.write_to_stream(self.out)
        self.out.write(b"\nendobj\n")

    def add_part(self, path: Path, title: str, *, pad: bool) -> None:
        """Copy the pages of ``path`` (without form widgets); ``pad``: a blank page after an odd count."""
        from pypdf import PdfReader
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject, StreamObject

        pages_num, kids = self.pages_num, self.kids
        reader = PdfReader(path)
        mapping: dict[tuple[int, int], int] = {}
        queue: list[Any] = []

        def ref(ind: Any, mapping: dict[tuple[int, int], int] = mapping, queue: list[Any] = queue) -> Any:
            k = (ind.idnum, ind.generation)
            if k not in mapping:
                mapping[k] = self.reserve()
                queue.append(ind)
            return IndirectObject(mapping[k], 0, None)

        def copy(obj: Any, ref: Any = ref) -> Any:
            if isinstance(obj, IndirectObject):
                return ref(obj)
            if isinstance(obj, NameObject):
                return _name(obj)
            if isinstance(obj, StreamObject):
                s = StreamObject()
                s._data = obj._data  # still encoded: copied byte for byte with its /Filter
                s.update({_name(k): copy(v) for k, v in obj.items() if k != "/Length"})
                return s
            if isinstance(obj, DictionaryObject):
                d = DictionaryObject()
                d.update({_name(k): copy(v) for k, v in obj.items()})
                return d
            if isinstance(obj, ArrayObject):
                return ArrayObject(copy(v) for v in obj)
            return obj

        first = len(kids)
        last_box = None
        tree = self.struct.open_part(reader, mapping) if self.struct is not None else None
        for page in reader.pages:
            num = self.reserve()
            kids.append(num)
            if page.indirect_reference is not None:
                mapping[(page.indirect_reference.idnum, page.indirect_reference.generation)] = num
            d = DictionaryObject()
            d.update({k: copy(v) for k, v in page.items() if k not in ("/Parent", "/Annots")})
            d[NameObject("/Parent")] = IndirectObject(pages_num, 0, None)
            if tree is not None and "/StructParents" in page:
                key: Any = page["/StructParents"]
                d[NameObject("/StructParents")] = NumberObject(int(key) + tree.offset)
            self.emit(num, d)
            last_box = page.mediabox
        if tree is not None and self.struct is not None:
            self.struct.add_part(tree, copy)
        while queue:
            ind = queue.pop()
            self.emit(mapping[(ind.idnum, ind.generation)], copy(ind.get_object()))
        self.marks.append((title, kids[first]) if len(kids) > first else (title, -1))
        if pad and (len(kids) - first) % 2 == 1 and last_box is not None:
            num = self.reserve()
            kids.append(num)
            blank = DictionaryObject()
            blank.update({
                NameObject("/Type"): NameObject("/Page"),
                NameObject("/Parent"): IndirectObject(pages_num, 0, None),
                NameObject("/MediaBox"): ArrayObject(NumberObject(int(v)) for v in last_box),
                NameObject("/Resources"): DictionaryObject(),
            })  # fmt: skip
            self.emit(num, blank)
        del reader, mapping, queue

    def finish(self, metadata: dict[str, str]) -> int:
        """Page tree, bookmarks, Info, catalog, xref; returns the page count."""
        from pypdf.generic import (
            ArrayObject,
            DictionaryObject,
            IndirectObject,
            NameObject,
            NumberObject,
            TextStringObject,
        )

        pages_num, kids = self.pages_num, self.kids

        def iref(num: int) -> Any:
            return IndirectObject(num, 0, None)

        tree = DictionaryObject()
        tree.update({
            NameObject("/Type"): NameObject("/Pages"),
            NameObject("/Kids"): ArrayObject(iref(k) for k in kids),
            NameObject("/Count"): NumberObject(len(kids)),
        })  # fmt: skip
        self.emit(pages_num, tree)

        outline_num = self.reserve()
        marks = [(t, p) for t, p in self.marks if p >= 0]
        nums = [self.reserve() for _ in marks]
        for i, ((title, page_num), num) in enumerate(zip(marks, nums, strict=True)):
            item = DictionaryObject()
            item.update({
                NameObject("/Title"): TextStringObject(title),
                NameObject("/Parent"): iref(outline_num),
                NameObject("/Dest"): ArrayObject([iref(page_num), NameObject("/Fit")]),
            })  # fmt: skip
            if i > 0:
                item[NameObject("/Prev")] = iref(nums[i - 1])
            if i < len(nums) - 1:
                item[NameObject("/Next")] = iref(nums[i + 1])
            self.emit(num, item)
        root = DictionaryObject({NameObject("/Type"): NameObject("/Outlines")})
        if nums:
            root[NameObject("/First")] = iref(nums[0])
            root[NameObject("/Last")] = iref(nums[-1])
            root[NameObject("/Count")] = NumberObject(len(nums))
        self.emit(outline_num, root)

        info_num = self.reserve()
        info = DictionaryObject()
        for k, v in {"/Producer": "backprop-exam (WeasyPrint, pypdf)", **metadata}.items():
            info[NameObject(k if k.startswith("/") else f"/{k}")] = TextStringObject(v)
        self.emit(info_num, info)
        catalog_num = self.reserve()
        catalog = DictionaryObject()
        catalog.update({
            NameObject("/Type"): NameObject("/Catalog"),
            NameObject("/Pages"): iref(pages_num),
            NameObject("/Outlines"): iref(outline_num),
            NameObject("/PageMode"): NameObject("/UseOutlines"),
        })  # fmt: skip
        if self.struct is not None and self.struct.elements:
            self.emit(self.struct.num, self.struct.root())
            catalog.update(self.struct.catalog_entries())
        self.emit(catalog_num, catalog)

        xref = self.out.tell()
        self.out.write(f"xref\n0 {len(self.offsets)}\n".encode())
        self.out.write(b"0000000000 65535 f \n")
        for off in self.offsets[1:]:
            self.out.write(f"{off:010d} 00000 n \n".encode())
        self.out.write(
            f"trailer\n<< /Size {len(self.offsets)} /Root {catalog_num} 0 R /Info {info_num} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n".encode()
        )
        return len(kids)


class _Part:
    """One part's structure tree while it is copied: its root and the shift of its keys."""

    def __init__(self, root: Any, offset: int) -> None:
        self.root = root
        self.offset = offset


class _Structure:
    """The joined structure tree of a tagged print file (each part's own tree, in order).

    A part's /StructParents keys (its pages' entries in the parent tree) are shifted past the
    parts before it; its elements' parent, the part's tree root, becomes the joined root.
    """

    def __init__(self, num: int) -> None:
        self.num = num
        self.elements: list[Any] = []  # the parts' top elements (/Document), in order
        self.parents: list[Any] = []  # the joined parent tree: key, value, key, value ...
        self.next_key = 0
        self.lang: Any = None

    def open_part(self, reader: Any, mapping: dict[tuple[int, int], int]) -> _Part | None:
        catalog = reader.trailer["/Root"]
        ref = catalog.raw_get("/StructTreeRoot") if "/StructTreeRoot" in catalog else None
        if ref is None or not hasattr(ref, "idnum"):
            return None
        mapping[(ref.idnum, ref.generation)] = self.num  # /P of the part's top elements -> the joined root
        if self.lang is None and "/Lang" in catalog:
            self.lang = catalog["/Lang"]
        return _Part(ref.get_object(), self.next_key)

    def add_part(self, part: _Part, copy: Any) -> None:
        from pypdf.generic import ArrayObject, NumberObject

        if "/K" in part.root:
            kids = part.root.raw_get("/K")  # references stay references: copy() maps them
            resolved = kids.get_object()
            self.elements += [copy(k) for k in (resolved if isinstance(resolved, ArrayObject) else [kids])]
        last = -1
        for key, value in _number_tree(part.root.get("/ParentTree")):
            self.parents += [NumberObject(key + part.offset), copy(value)]
            last = max(last, key)
        self.next_key = part.offset + max(last + 1, int(part.root.get("/ParentTreeNextKey", 0)))

    def root(self) -> Any:
        from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

        tree = DictionaryObject({NameObject("/Nums"): ArrayObject(self.parents)})
        return DictionaryObject({
            NameObject("/Type"): NameObject("/StructTreeRoot"),
            NameObject("/K"): ArrayObject(self.elements),
            NameObject("/ParentTree"): tree,
            NameObject("/ParentTreeNextKey"): NumberObject(self.next_key),
        })  # fmt: skip

    def catalog_entries(self) -> dict[Any, Any]:
        from pypdf.generic import BooleanObject, DictionaryObject, IndirectObject, NameObject

        entries = {
            NameObject("/StructTreeRoot"): IndirectObject(self.num, 0, None),
            NameObject("/MarkInfo"): DictionaryObject({NameObject("/Marked"): BooleanObject(True)}),
            NameObject("/ViewerPreferences"): DictionaryObject({NameObject("/DisplayDocTitle"): BooleanObject(True)}),
        }
        if self.lang is not None:
            entries[NameObject("/Lang")] = self.lang
        return entries


def _number_tree(node: Any) -> list[tuple[int, Any]]:
    """The (key, value) pairs of a PDF number tree (a flat /Nums or /Kids of them), values unresolved."""
    if node is None:
        return []
    node = node.get_object()
    pairs = []
    nums = node.get("/Nums")
    if nums is not None:
        pairs += [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums) - 1, 2)]  # an array keeps references
    for kid in node.get("/Kids", []):
        pairs += _number_tree(kid)
    return pairs


def read_variant_code(pdf_path: str | Path) -> str | None:
    """The variant code of a worksheet PDF (also one a student filled in), or None.

    Looks in this order: the PDF Info entry /BackpropExamVariant, the hidden read-only form
    field ``variant``, then the "Variant XXX-XXX" printed in the page header.
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(pdf_path))
        meta: dict[str, Any] = dict(reader.metadata or {})
        code = meta.get(METADATA_KEY)
        if code and str(code).strip():
            return str(code).strip()
        fields = reader.get_fields() or {}
        value = (fields.get(FIELD) or {}).get("/V")
        if value and str(value).strip():
            return str(value).strip()
        if reader.pages:
            m = _CODE_IN_TEXT.search(reader.pages[0].extract_text() or "")
            if m:
                return m.group(1)
    except (PyPdfError, OSError, ValueError, KeyError, TypeError):
        return None
    return None
