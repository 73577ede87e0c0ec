"""Where the layout is on a scanned page: the QR code names the sheet and gives a first
mapping (and the page's orientation, upside down included); the four corner marks, searched
near where that mapping puts them, give the final perspective transform (layout points ->
pixels)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..sheet.layout import parse_qr_text

SEARCH = 34.0  # points around a corner mark's predicted centre searched for it


class LocateError(Exception):
    """The page cannot be mapped to the layout; ``kind`` is a scan-issues.csv kind."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Located:
    pack: str
    variant: str
    page: int
    homography: np.ndarray  # 3x3, layout points -> image pixels
    scale: float  # pixels per point
    white: float  # paper grey level
    black: float  # ink grey level (inside the corner marks)

    def to_pixels(self, pts: np.ndarray) -> np.ndarray:
        """(n, 2) layout points -> (n, 2) pixel coordinates."""
        import cv2

        out: np.ndarray = cv2.perspectiveTransform(pts.reshape(-1, 1, 2).astype(np.float64), self.homography)
        return out.reshape(-1, 2)


def read_qr(img: np.ndarray) -> tuple[str, np.ndarray] | None:
    """(text, 4x2 corners top-left, top-right, bottom-right, bottom-left in the symbol's frame) of the sheet's QR."""
    import cv2
    import zxingcpp

    fmt, fixed = zxingcpp.BarcodeFormat.QRCode, zxingcpp.Binarizer.FixedThreshold

    def otsu(a: np.ndarray) -> np.ndarray:
        out: np.ndarray = cv2.threshold(a, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
        return out

    # grainy scans: ZXing's local binarizer sees the noise; a median filter and a global threshold do not
    attempts: list[tuple[Callable[[], np.ndarray], Any]] = [
        (lambda: img, zxingcpp.Binarizer.LocalAverage),
        (lambda: cv2.medianBlur(img, 3), fixed),
        (lambda: otsu(cv2.medianBlur(img, 5)), fixed),
    ]
    for image, binarizer in attempts:
        for code in zxingcpp.read_barcodes(image(), formats=fmt, binarizer=binarizer):
            if parse_qr_text(code.text) is None:
                continue
            p = code.position
            corners = np.array([[c.x, c.y] for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)], float)
            return code.text, corners
    return None


def _find_mark(img: np.ndarray, centre: np.ndarray, half: float, side: float) -> np.ndarray | None:
    """Centroid of the dark square of about ``side`` px nearest ``centre`` within ``half`` px."""
    import cv2

    h, w = img.shape
    x0, y0 = max(0, int(centre[0] - half)), max(0, int(centre[1] - half))
    x1, y1 = min(w, int(centre[0] + half)), min(h, int(centre[1] + half))
    if x1 - x0 < side or y1 - y0 < side:
        return None
    win = img[y0:y1, x0:x1]
    _, binary = cv2.threshold(win, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    n, _, stats, cents = cv2.connectedComponentsWithStats(binary, connectivity=8)
    best: tuple[float, np.ndarray] | None = None
    area = side * side
    for i in range(1, n):
        bw, bh, a = stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT], stats[i, cv2.CC_STAT_AREA]
        # a filled square, rotated a few degrees at most: its box is about side x side and it is mostly ink
        if not (0.6 * area <= a <= 1.7 * area and 0.7 * side <= bw <= 1.5 * side and 0.7 * side <= bh <= 1.5 * side):
            continue
        if a < 0.75 * bw * bh:
            continue
        c = cents[i] + (x0, y0)
        d = float(np.hypot(*(c - centre)))
        if best is None or d < best[0]:
            best = (d, c)
    return None if best is None else best[1]


# A page with neither the sheet's QR code nor its corner marks: a worksheet page of a packet scanned
# whole, or a blank back. Counted and skipped calmly; a sheet page whose QR does not read still has
# its corner marks and stays an issue (unidentified).
NOT_A_SHEET = "not_a_sheet"
CORNER_SEARCH = 70.0  # points around where a corner mark sits on an upright page, scanned ±3°, shifted


def corner_marks_seen(img: np.ndarray, layout: Mapping[str, Any]) -> int:
    """How many of the sheet's four corner marks are seen without the QR code to go by: a filled
    square of the marks' size near each corner, the page taken as filling the image (upside down
    alike: the marks sit symmetrically)."""
    h, w = img.shape
    pw, ph = layout["page_size"]
    scale = (w / pw + h / ph) / 2  # pixels per point
    side = float(layout["corner_marks"]["size"]) * scale
    centres = [np.array([m["x"] * w / pw, m["y"] * h / ph]) for m in layout["corner_marks"]["marks"]]
    return sum(_find_mark(img, c, CORNER_SEARCH * scale, side) is not None for c in centres)


def locate(img: np.ndarray, layout: Mapping[str, Any]) -> Located:
    """Map ``img`` to ``layout``; raises LocateError (no QR, another pack, corner marks not found)."""
    import cv2

    qr = read_qr(img)
    if qr is None:
        if corner_marks_seen(img, layout) < 2:
            raise LocateError(NOT_A_SHEET, "no QR code and no corner marks: not an answer-sheet page")
        raise LocateError("unidentified", "no answer-sheet QR code found; is this an answer sheet, scanned whole?")
    text, corners = qr
    parsed = parse_qr_text(text)
    assert parsed is not None
    pack, variant, page = parsed
    if pack != layout["pack"]:
        raise LocateError("other_pack", f"an answer sheet of pack {pack!r} (variant {variant}), not of this pack")
    q = layout["qr"]
    x, y, s = q["x"], q["y"], q["size"]
    src = np.array([[x, y], [x + s, y], [x + s, y + s], [x, y + s]], np.float32)
    # rotation, scale and shift only: a perspective fit to the QR's four corners, a few pixels
    # off each, would throw the far corner marks off the page
    affine, _ = cv2.estimateAffinePartial2D(src, corners.astype(np.float32))
    if affine is None:
        raise LocateError("unidentified", "the QR code's position could not be measured; rescan the page")
    first = np.vstack([affine, [0.0, 0.0, 1.0]])
    scale = float(np.linalg.norm(corners[1] - corners[0]) + np.linalg.norm(corners[3] - corners[0])) / (2 * s)
    size = float(layout["corner_marks"]["size"])
    marks = layout["corner_marks"]["marks"]
    layout_pts = np.array([[m["x"], m["y"]] for m in marks], np.float64)
    predicted = cv2.perspectiveTransform(layout_pts.reshape(-1, 1, 2), first).reshape(-1, 2)
    found = []
    for m, c in zip(marks, predicted, strict=True):
        got = _find_mark(img, c, SEARCH * scale, size * scale)
        if got is None:
            raise LocateError("no_corner_marks", f"the {m['corner'].replace('_', ' ')} corner mark was not found; "
                              "rescan the whole page, corners included")  # fmt: skip
        found.append(got)
    image_pts = np.array(found, np.float32)
    homography = cv2.getPerspectiveTransform(layout_pts.astype(np.float32), image_pts)
    check = cv2.perspectiveTransform(src.reshape(-1, 1, 2).astype(np.float64), homography).reshape(-1, 2)
    if float(np.max(np.hypot(*(check - corners).T))) > 6.0 * scale:
        raise LocateError("no_corner_marks", "the corner marks and the QR code disagree; rescan the page flat")
    scale = float(np.linalg.norm(image_pts[1] - image_pts[0])) / float(np.linalg.norm(layout_pts[1] - layout_pts[0]))
    black = float(np.mean([_disk_mean(img, p, 0.3 * size * scale) for p in image_pts]))
    white = float(np.percentile(img[::4, ::4], 90))
    if white - black < 40:
        raise LocateError("low_contrast", "too little contrast between paper and ink; rescan darker")
    return Located(pack, variant, page, homography, scale, white, black)


def _disk_mean(img: np.ndarray, centre: np.ndarray, r: float) -> float:
    x, y, ri = round(centre[0]), round(centre[1]), max(1, int(r))
    return float(img[max(0, y - ri) : y + ri + 1, max(0, x - ri) : x + ri + 1].mean())
