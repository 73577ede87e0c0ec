"""Synthetic filled and scanned answer sheets, for the tests and the benchmark (no scanner needed).

Marks are drawn the way pens and pencils make them: full, partial, light, heavy, off-centre,
erased and re-marked; pages are then rotated, shifted, scaled, blurred, noised, JPEG-compressed
and sometimes turned upside down. The intended answer of every mark is known, so what the
scanner reads can be checked digit by digit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Style:
    """How a class fills and scans its sheets."""

    noisy: bool = False
    ambiguous: float = 0.0  # share of columns given a deliberately ambiguous mark (must be flagged)
    pencil: float = 0.3  # share of students using pencil (lighter marks)
    zero_fill: float = 0.5  # share of students who fill leading zeros instead of leaving them empty


def digits_for(value: str, columns: list[dict[str, Any]]) -> list[int | None]:
    """The row each column should be marked at for ``value`` (None: leave empty); leading zeros None."""
    d = Decimal(value)
    neg = d < 0
    text = f"{abs(d):f}"
    whole, _, frac = text.partition(".")
    out: list[int | None] = []
    int_cols = [c for c in columns if c["kind"] == "digit" and c["place"] >= 0]
    whole = whole.lstrip("0").rjust(len(int_cols), " ")
    if len(whole) > len(int_cols):
        raise ValueError(f"{value} needs more integer digits than the sheet has")
    i = 0
    dec = 0
    for c in columns:
        if c["kind"] == "sign":
            out.append(0 if neg else None)
        elif c["place"] >= 0:
            ch = whole[i]
            i += 1
            out.append(None if ch == " " else int(ch))
        else:
            ch = frac[dec] if dec < len(frac) else "0"
            dec += 1
            out.append(int(ch))
    return out


def _blob(img: np.ndarray, cx: float, cy: float, r: float, grey: int, rng: np.random.Generator, partial: bool) -> None:
    import cv2

    shift = 4  # sub-pixel precision of cv2 drawing
    f = 1 << shift
    if partial:  # a quick scribble covering ~70% of the bubble
        axes = (int(r * rng.uniform(0.8, 1.0) * f), int(r * rng.uniform(0.55, 0.75) * f))
    else:
        rr = r * rng.uniform(0.85, 1.1)
        axes = (int(rr * f), int(rr * rng.uniform(0.85, 1.0) * f))
    angle = float(rng.uniform(0, 180))
    cv2.ellipse(img, (int(cx * f), int(cy * f)), axes, angle, 0, 360, int(grey), -1, cv2.LINE_AA, shift)


def fill_page(
    img: np.ndarray,
    dpi: float,
    page: Mapping[str, Any],
    answers: Mapping[str, str],
    rng: np.random.Generator,
    style: Style = Style(),
) -> dict[str, list[int]]:
    """Draw marks for ``answers`` (id -> value; ids absent stay blank) on a blank page image in place.

    Returns id -> the indices (in the layout's ``columns``) of the columns given a deliberately
    ambiguous mark, for the answers that have one (they must be flagged).
    """
    k = dpi / 72
    pencil = rng.random() < style.pencil
    zero_fill = rng.random() < style.zero_fill
    tricky: dict[str, list[int]] = {}
    for a in page["answers"]:
        if a["id"] not in answers:
            continue
        rows = digits_for(answers[a["id"]], a["columns"])
        if style.noisy and rng.random() < 0.05:  # the trace of a well-erased pencil mark, on an empty bubble
            col, row = a["columns"][-1], rows[-1]
            b = col["bubbles"][(int(row or 0) + int(rng.integers(1, 10))) % 10]
            _blob(img, b["x"] * k, b["y"] * k, b["r"] * k * 0.8, 238, rng, False)
        for ci, (col, row) in enumerate(zip(a["columns"], rows, strict=True)):
            if row is None and zero_fill and col["kind"] == "digit":
                row = 0
            bubbles = col["bubbles"]
            if style.ambiguous and row is not None and col["kind"] == "digit" and rng.random() < style.ambiguous:
                kind = rng.choice(["two", "faint", "erased"])
                tricky.setdefault(a["id"], []).append(ci)
                other = bubbles[(row + int(rng.integers(1, 10))) % 10]
                if kind == "two":
                    _blob(img, other["x"] * k, other["y"] * k, other["r"] * k, 40, rng, False)
                elif kind == "erased":
                    _blob(img, other["x"] * k, other["y"] * k, other["r"] * k, 185, rng, False)
                else:
                    row = None
                    _blob(img, other["x"] * k, other["y"] * k, other["r"] * k, 200, rng, True)
            if row is None:
                continue
            b = bubbles[row]
            grey = int(rng.integers(70, 115)) if pencil else int(rng.integers(10, 60))
            dx, dy = rng.uniform(-0.22, 0.22, 2) * b["r"] * k if style.noisy else (0.0, 0.0)
            partial = bool(style.noisy and rng.random() < 0.1)
            _blob(img, b["x"] * k + dx, b["y"] * k + dy, b["r"] * k, grey, rng, partial)
    return tricky


def distort(img: np.ndarray, rng: np.random.Generator, *, noisy: bool, flip: bool = False) -> np.ndarray:
    """A scanner's view of ``img``: skew up to ±3°, shift, ±2 % scale, blur, noise, and optionally upside down."""
    import cv2

    if noisy:
        pad = int(0.04 * max(img.shape))  # a scanner bed is larger than the page: skew clips nothing
        img = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
        h, w = img.shape
        angle = float(rng.uniform(-3, 3))
        scale = float(rng.uniform(0.98, 1.02))
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
        m[:, 2] += rng.uniform(-0.015, 0.015, 2) * (w, h)
        img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
        img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.4, 1.0)))
        noise = rng.normal(0, 6, img.shape)
        tint = float(rng.uniform(-25, 0))  # a grey or a bright scanner
        img = np.clip(img.astype(np.float32) * float(rng.uniform(0.85, 1.0)) + tint + 20 + noise, 0, 255).astype(
            np.uint8
        )
    if flip:
        img = np.ascontiguousarray(img[::-1, ::-1])
    return img


def jpeg(img: np.ndarray, quality: int = 80) -> np.ndarray:
    import cv2

    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    out: np.ndarray = np.asarray(cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE))
    return out
