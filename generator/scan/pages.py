"""One scanned page from file to answers read, in a worker process; never raises."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .locate import Located, LocateError, locate
from .marks import AnswerRead, read_page
from .rasterise import PageRef, RasterError, load

MAX_DPI = 300  # finer scans are scaled down first: a 600 dpi page reads no better and takes 4x longer
CROP_SCALE = 2.0  # crop pixels per point (144 dpi): digits in the write-in boxes stay legible


@dataclass
class PageResult:
    ref: PageRef
    kind: str = ""  # '' when read; else a scan-issues kind (unidentified, other_pack, no_corner_marks, ...)
    message: str = ""
    variant: str = ""
    page: int = 0
    reads: list[AnswerRead] = field(default_factory=list)
    crops: dict[str, bytes] = field(default_factory=dict)  # answer id -> PNG of its box (flagged ones, or all)


def crop(img: np.ndarray, loc: Located, box: list[float], pad: float = 3.0) -> bytes:
    """PNG of the layout rectangle ``box`` (points), straightened and upright whatever the scan's skew."""
    import cv2

    x, y, w, h = box[0] - pad, box[1] - pad, box[2] + 2 * pad, box[3] + 2 * pad
    to_pt = np.array([[1 / CROP_SCALE, 0, x], [0, 1 / CROP_SCALE, y], [0, 0, 1]], np.float64)
    m = loc.homography @ to_pt
    size = (int(w * CROP_SCALE), int(h * CROP_SCALE))
    out = cv2.warpPerspective(img, m, size, flags=cv2.INTER_AREA | cv2.WARP_INVERSE_MAP,
                              borderValue=255)  # fmt: skip
    ok, buf = cv2.imencode(".png", out)
    return bytes(buf) if ok else b""


def _at_most(img: np.ndarray, layout: Mapping[str, Any], dpi: int) -> np.ndarray:
    """``img`` scaled down to about ``dpi`` if the page (as large as the image, margins aside) is finer."""
    import cv2

    page_in = max(layout["page_size"]) / 72
    factor = dpi * page_in / max(img.shape)
    if factor >= 0.8:  # within 1.25x of the limit: not worth a resample
        return img
    out: np.ndarray = cv2.resize(img, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return out


def scan_page(ref: PageRef, layout: Mapping[str, Any], dpi: int, all_crops: bool = False) -> PageResult:
    """Read one page; every failure becomes a PageResult naming the file and page.

    The crops are of the flagged answers (for the review file), or with ``all_crops`` of every
    answer (the scan's crops/ folder, which the feedback PDFs show)."""
    try:
        img = load(ref, dpi)
    except RasterError as e:
        return PageResult(ref, "unreadable_file", str(e))
    img = _at_most(img, layout, MAX_DPI)
    try:
        loc = locate(img, layout)
    except LocateError as e:
        return PageResult(ref, e.kind, f"{ref.where}: {e}")
    pages = {p["page"]: p for p in layout["pages"]}
    if loc.page not in pages:
        return PageResult(ref, "unknown_page", f"{ref.where}: page {loc.page} is not in this pack's layout",
                          variant=loc.variant, page=loc.page)  # fmt: skip
    try:
        reads = read_page(img, loc, pages[loc.page])
        crops = {r.id: crop(img, loc, r.box) for r in reads if r.flag or all_crops}
    except Exception as e:  # one page never stops the class
        return PageResult(ref, "unreadable_page", f"{ref.where}: {type(e).__name__}: {e}", loc.variant, loc.page)
    return PageResult(ref, "", "", loc.variant, loc.page, reads, crops)
