"""The one place that calls WeasyPrint.

A process keeps one :class:`Engine`: one ``FontConfiguration`` (the bundled fonts are
registered once) and the print stylesheets parsed once, because parsing CSS and loading
fonts would otherwise cost more than laying out a one-page worksheet. Every resource
WeasyPrint asks for goes through :class:`AssetFetcher`, which serves files from templates/
and inline PNG/JPEG data: URLs only: a roster name like ``<img src="file:///etc/passwd">`` is
escaped by Jinja anyway, and even markup that slipped through can neither read a local file
nor reach the network.
"""

from __future__ import annotations

import ctypes.util
import os
import re
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .templating import templates_dir

if TYPE_CHECKING:
    from weasyprint import CSS

PAPER_SIZES = {"a4": "A4", "letter": "letter"}
STYLESHEETS = {
    "worksheet": ("base.css", "print.css", "worksheet.css"),
    "answer-key": ("base.css", "print.css", "answer-key.css"),
    "marking-key": ("base.css", "print.css", "marking-key.css"),
}
HARFBUZZ_PACKAGE = "libharfbuzz-subset0"
_warned = False


@cache
def harfbuzz_subset_available() -> bool:
    return ctypes.util.find_library("harfbuzz-subset") is not None


@cache
def _ldconfig_listing() -> str:
    """``ldconfig -p`` (the shared libraries the dynamic linker knows), or '' where it fails."""
    for exe in ("/sbin/ldconfig", "/usr/sbin/ldconfig"):
        try:
            done = subprocess.run(
                [exe, "-p"], capture_output=True, text=True, errors="replace", env={"LC_ALL": "C", "LANG": "C"},
                check=False, timeout=10,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return done.stdout
    return ""


@contextmanager
def _quick_library_lookup() -> Iterator[None]:
    """While WeasyPrint loads, answer ``ctypes.util.find_library`` from one ``ldconfig -p``.

    WeasyPrint tries up to six names per library (Windows and macOS ones too), and each name
    that is not a file name costs find_library one to three subprocesses (ldconfig, gcc, ld):
    about 50 of them, 0.3 s of every import on Linux. The listing is what find_library reads
    first anyway; WeasyPrint's lists end with the Linux file name (libpango-1.0.so.0), which
    is dlopened directly, so a library outside the linker cache still loads.
    """
    listing = _ldconfig_listing() if sys.platform.startswith("linux") else ""
    if not listing:
        yield
        return
    machine = f"{os.uname().machine}-{8 * struct.calcsize('P')}"
    abi = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
           "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}.get(machine, "libc6")  # fmt: skip
    original = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        found = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({re.escape(abi)}", listing)
        return found.group(1) if found else None

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


def import_weasyprint() -> None:
    """Import WeasyPrint (once per process), without its slow library search on Linux."""
    if "weasyprint" in sys.modules:
        return
    with _quick_library_lookup():
        import weasyprint  # noqa: F401


def warn_if_slow_subsetting() -> None:
    """Say once per process that font subsetting falls back to the slower fontTools."""
    global _warned
    if _warned or harfbuzz_subset_available():
        return
    _warned = True
    print(
        f"Warning: libharfbuzz-subset is missing, so WeasyPrint subsets fonts with fontTools and "
        f"rendering is about 1.5x slower; install the Debian package {HARFBUZZ_PACKAGE}.",
        file=sys.stderr,
    )


def _fetcher_base() -> type:
    import_weasyprint()
    from weasyprint.urls import URLFetcher

    return URLFetcher  # type: ignore[no-any-return]


@cache
def asset_fetcher_class() -> type:
    """A WeasyPrint URL fetcher that serves templates/ files and inline images, and refuses everything else."""
    base = _fetcher_base()

    class AssetFetcher(base):  # type: ignore[misc, valid-type]
        def __init__(self, root: Path) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False)
            self.root = root.resolve()
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            from weasyprint.urls import URLFetcherResponse

            image = inline_image(url)
            if image is not None:
                return URLFetcherResponse(url, image[1], {"Content-Type": image[0]})
            parts = urlsplit(url)
            path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" and not parts.netloc else None
            if path is None or not path.is_relative_to(self.root) or not path.is_file():
                self.refused.append(url)
                raise ValueError(f"backprop-exam only loads its own template assets, not {url[:80]}")
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": _mime(path)})

    return AssetFetcher


INLINE_IMAGES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}  # type -> signature
INLINE_MAX = 4 << 20  # bytes of a decoded inline image (a scanned answer crop is ~10 KB)


def inline_image(url: str) -> tuple[str, bytes] | None:
    """(type, bytes) of a ``data:image/png;base64,...`` (or JPEG) URL whose bytes are that kind of image.

    The only URLs besides templates/ files that the engine loads: a data: URL carries its bytes
    inline, so it reads no file and reaches no network (the scanned answer crops of feedback PDFs).
    """
    import base64
    import binascii

    head, sep, _ = url[:64].partition(",")
    head = head.lower()
    kind = head.removeprefix("data:").removesuffix(";base64")
    if not sep or head != f"data:{kind};base64" or kind not in INLINE_IMAGES:
        return None
    text = url[len(head) + 1 :]
    if len(text) > INLINE_MAX * 4 // 3 + 4:
        return None
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return (kind, data) if data.startswith(INLINE_IMAGES[kind]) else None


def _mime(path: Path) -> str:
    return {".css": "text/css", ".ttf": "font/ttf", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        path.suffix.lower(), "application/octet-stream"
    )


class Engine:
    """One FontConfiguration, the parsed stylesheets and the safe fetcher of this process."""

    def __init__(self) -> None:
        import_weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        warn_if_slow_subsetting()
        self.root = templates_dir()
        self.base_url = self.root.as_uri() + "/"
        self.font_config = FontConfiguration()
        self.fetcher = asset_fetcher_class()(self.root)
        self._css: dict[str, CSS] = {}

    def css(self, name: str, text: str | None = None) -> CSS:
        """A stylesheet of templates/ (or inline ``text``), parsed once per process."""
        from weasyprint import CSS

        key = name if text is None else f"{name}:{text}"
        if key not in self._css:
            if text is None:
                self._css[key] = CSS(
                    url=f"{self.base_url}{name}", url_fetcher=self.fetcher, font_config=self.font_config
                )
            else:
                self._css[key] = CSS(
                    string=text, base_url=self.base_url, url_fetcher=self.fetcher, font_config=self.font_config
                )
        return self._css[key]

    def stylesheets(self, kind: str, paper: str) -> list[CSS]:
        return [*(self.css(n) for n in STYLESHEETS[kind]), self.paper(paper)]

    def paper(self, paper: str) -> CSS:
        """The page size; !important, as a stylesheet passed to WeasyPrint does not otherwise win
        over the document's own @page size (the grading PDFs set A4)."""
        if paper not in PAPER_SIZES:
            raise ValueError(f"unknown paper {paper!r}; use a4 or letter")
        return self.css("paper", f"@page {{ size: {PAPER_SIZES[paper]} !important; }}")

    def render(
        self,
        html: str,
        *,
        stylesheets: list[CSS] | None = None,
        forms: bool = False,
        metadata: dict[str, str] | None = None,
        xml: bool = False,
        tagged: bool = False,
        inspect: Callable[[Any], None] | None = None,
        finisher: Callable[[Any, Any], None] | None = None,
    ) -> tuple[bytes, int]:
        """Lay out ``html`` and return (PDF bytes, number of pages).

        ``xml`` parses well-formed markup (our own templates) with the C XML parser instead of
        WeasyPrint's pure-Python HTML5 parser, which takes a tenth of a worksheet's render time;
        markup that is not well-formed XML falls back to the HTML5 parser. Such documents also
        get the short user-agent stylesheet templates/ua.css instead of WeasyPrint's full one.
        ``tagged`` writes a tagged PDF/UA-1 (structure tree for screen readers; ~0–10 % more CPU).
        ``finisher(document, pdf)`` may add to the pydyf.PDF before it is written (render/stamp.py).
        """
        doc = self.parse(html, xml=xml).render(
            font_config=self.font_config, stylesheets=stylesheets or [], pdf_forms=forms
        )
        if inspect is not None:
            inspect(doc)  # the laid-out document, before it is written (render/stamp.py reads positions)
        custom = _apply_metadata(doc.metadata, metadata or {})
        extra: dict[str, Any] = {"pdf_variant": "pdf/ua-1"} if tagged else {}

        def finish(document: Any, pdf: Any) -> None:
            if forms:
                _finish_fields(document, pdf)
            if finisher is not None:
                finisher(document, pdf)

        pdf: bytes = doc.write_pdf(pdf_forms=forms, custom_metadata=custom, finisher=finish, **extra)
        return pdf, len(doc.pages)

    def parse(self, html: str, *, xml: bool = False) -> Any:
        """A weasyprint.HTML of ``html`` whose URLs resolve in templates/ through the safe fetcher."""
        from weasyprint import HTML

        if xml:
            import xml.etree.ElementTree as ET

            try:
                root = ET.fromstring(html)
            except ET.ParseError:
                root = None
            if root is not None and root.tag == "html":
                import cssselect2  # type: ignore[import-untyped]

                doc = HTML.__new__(HTML)  # what HTML.__init__ does after parsing, minus <base href>
                doc.base_url = self.base_url
                doc.url_fetcher = self.fetcher
                doc.media_type = "print"
                doc.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
                doc.etree_element = doc.wrapper_element.etree_element
                ua = [self.css("ua.css")]
                doc._ua_stylesheets = lambda forms=False: ua  # our markup needs only templates/ua.css
                return doc
        return HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)


READ_ONLY, DO_NOT_SPELL_CHECK = 1, 1 << 22  # field flags (PDF 32000-1, 12.7.3.1 and 12.7.4.3)
HIDDEN = 2  # annotation flag


def _finish_fields(document: Any, pdf: Any) -> None:
    """Hide and lock the 'variant' field; no spell-checking of typed numbers in answer fields."""
    import pydyf  # type: ignore[import-untyped]

    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Dictionary) or obj.get("FT") != "/Tx":
            continue
        name = getattr(obj.get("T"), "string", "")
        if name == "variant":
            obj["Ff"] = READ_ONLY
            obj["F"] = HIDDEN
        else:
            obj["Ff"] = int(obj.get("Ff", 0)) | DO_NOT_SPELL_CHECK


def _apply_metadata(meta: Any, values: dict[str, str]) -> bool:
    """title/author/subject/keywords go to the standard PDF Info keys, anything else to a custom key."""
    custom = False
    for key, value in values.items():
        k = key.lower()
        if k == "title":
            meta.title = value
        elif k == "author":
            meta.authors = [value]
        elif k in ("subject", "description"):
            meta.description = value
        elif k == "keywords":
            meta.keywords = [w.strip() for w in value.split(",") if w.strip()]
        else:
            meta.custom[key] = value
            custom = True
    return custom or bool(meta.custom)


@cache
def engine() -> Engine:
    """This process's engine (created on first use; workers create theirs when they start)."""
    import atexit

    atexit.register(_drop_engine)
    return Engine()


def preload() -> None:
    """Everything a render process needs before its first document, done once.

    Run by the forkserver (render/worker.py) before it forks the workers: they share its
    imports, fonts, stylesheets and compiled templates, and only the forkserver writes
    WeasyPrint's temporary copy of the bundled fonts (it removes it when the command ends;
    workers end with os._exit, which skipped that clean-up and left 2.7 MB in /tmp per worker).
    """
    import_weasyprint()
    from . import batch, context, diagram, marking, templating  # noqa: F401  (imported once, shared by every worker)

    env = templating.environment()
    for name in ("worksheet.html.j2", "answer-key.html.j2", "marking-key.html.j2", "_macros.html.j2"):
        env.get_template(name)
    eng = engine()
    for kind in STYLESHEETS:
        for paper in PAPER_SIZES:
            eng.stylesheets(kind, paper)
    import gc

    # What is loaded now lives as long as the process: keep the garbage collector from scanning
    # it again in every collection of every worker (~0.015 CPU-s less per worksheet, ~3 %).
    gc.collect()
    gc.freeze()


def _drop_engine() -> None:
    """Free the engine before interpreter shutdown: FontConfiguration.__del__ needs live modules.

    Left to the end of the process, its fonts are freed after the modules it calls into are
    gone, and every successful command ended with "Exception ignored in FontConfiguration.__del__".
    """
    import gc

    engine.cache_clear()
    gc.collect()


def html_to_pdf(
    html: str,
    *,
    forms: bool = False,
    metadata: dict[str, str] | None = None,
    tagged: bool = False,
    paper: str | None = None,
) -> bytes:
    """Lay out ``html`` (relative URLs resolve inside templates/) and return the PDF bytes.

    ``forms`` turns <input> elements into fillable PDF text fields. ``metadata`` keys
    title, author, subject and keywords fill the standard PDF Info entries; any other key
    (letters and digits only, e.g. ``BackpropExamVariant``) becomes a custom Info entry.
    Only files inside templates/ can be loaded (link base.css for the bundled fonts).
    ``tagged``: a tagged PDF/UA-1 (for screen readers). ``paper`` (a4, letter): the page size,
    over the document's own ``@page`` size.
    """
    eng = engine()
    sheets = None if paper is None else [eng.paper(paper)]
    pdf, _ = eng.render(html, stylesheets=sheets, forms=forms, metadata=metadata, tagged=tagged)
    return pdf
