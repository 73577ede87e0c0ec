"""Reading the bubbles of a located page: darkness relative to the page's own empty bubbles.

Each bubble's darkness is the mean grey inside its inner disk, on a scale where the page's
paper is 0 and its corner marks are 1. Its *fill* is that darkness minus the median darkness
of the bubbles printed with the same digit on this page (most of them are empty, and a printed
8 is darker than a printed 1): no fixed threshold, so dark and light scanners read alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .locate import Located

MARKED = 0.25  # fill of a marked bubble: a hasty light pencil mark reaches ~0.3, a pen mark ~0.8
EMPTY = 0.13  # below: nothing there; between EMPTY and MARKED: too faint to decide
GLYPH_CAP = 0.12  # how much darker than the page's typical empty bubble a printed digit may make one
INNER = 0.62  # share of the radius sampled (the printed ring stays outside)

# Flag reasons (scan-issues and the review file show them)
NO_MARK, TWO_MARKS, FAINT, ERASED, SIGN_ONLY = "no mark", "two marks", "too faint", "erased and re-marked", "sign only"


def page_not_scanned(page: int) -> str:
    """The flag of every answer on a sheet page missing from the scans (not the student's blank)."""
    return f"page {page} not scanned"


@dataclass
class AnswerRead:
    """One answer as read: ``value`` ('-0.0746', '' for blank) or a flag naming the column."""

    id: str
    value: str
    flag: str = ""
    margin: float = 1.0  # smallest gap between a column's chosen and next darkest bubble
    box: list[float] = field(default_factory=list)  # layout box [x, y, w, h] in points, for crops
    seen: str = ""  # what the grid shows, '?' for an undecided column and '_' for an empty one: '-0.12?4'


def column_name(kind: str, place: int | None) -> str:
    if kind == "sign":
        return "sign"
    assert place is not None
    if place >= 0:
        return ("units", "tens", "hundreds", "thousands")[place] if place < 4 else f"10^{place} digit"
    return f"decimal {-place}"


def sample(img: np.ndarray, loc: Located, centres: np.ndarray, radius_pt: float) -> np.ndarray:
    """Mean grey inside each bubble's inner disk (nearest pixels; the disk is ~100 px at 200 dpi)."""
    px = loc.to_pixels(centres)
    r = max(1.5, radius_pt * INNER * loc.scale)
    k = int(np.ceil(r))
    dy, dx = np.mgrid[-k : k + 1, -k : k + 1]
    inside = dx * dx + dy * dy <= r * r
    ox, oy = dx[inside], dy[inside]
    xs = np.clip(np.rint(px[:, 0:1]).astype(np.int64) + ox, 0, img.shape[1] - 1)
    ys = np.clip(np.rint(px[:, 1:2]).astype(np.int64) + oy, 0, img.shape[0] - 1)
    return img[ys, xs].mean(axis=1)  # type: ignore[no-any-return]


def page_fills(img: np.ndarray, loc: Located, page: Mapping[str, Any]) -> list[list[np.ndarray]]:
    """Per answer, per column: the fills of its bubbles (row order)."""
    bubbles = [b for a in page["answers"] for col in a["columns"] for b in col["bubbles"]]
    if not bubbles:
        return []
    centres = np.array([[b["x"], b["y"]] for b in bubbles], np.float64)
    grey = sample(img, loc, centres, float(bubbles[0]["r"]))
    dark = (loc.white - grey) / max(1.0, loc.white - loc.black)
    values = np.array([str(b["value"]) for b in bubbles])
    fills = np.empty_like(dark)
    # A glyph's empty darkness: a low percentile of its bubbles (most are empty), capped near the
    # page's typical empty bubble so that a glyph marked on every answer (all signs negative) still reads.
    typical = float(np.median(dark))
    for v in np.unique(values):
        sel = values == v
        fills[sel] = dark[sel] - min(float(np.percentile(dark[sel], 10)), typical + GLYPH_CAP)
    out: list[list[np.ndarray]] = []
    i = 0
    for a in page["answers"]:
        cols = []
        for col in a["columns"]:
            n = len(col["bubbles"])
            cols.append(fills[i : i + n])
            i += n
        out.append(cols)
    return out


def decide_column(fills: np.ndarray) -> tuple[int | None, str, float]:
    """(chosen row or None for an empty column, flag, margin) of one column's fills."""
    order = np.argsort(fills)[::-1]
    top = float(fills[order[0]])
    second = float(fills[order[1]]) if len(fills) > 1 else 0.0
    margin = top - max(second, 0.0)
    if top < EMPTY:
        return None, "", 1.0
    if top < MARKED:
        return None, FAINT, margin
    if second >= MARKED:
        return None, TWO_MARKS, margin
    if second >= EMPTY:
        return None, ERASED, margin
    return int(order[0]), "", margin


def read_answer(answer: Mapping[str, Any], fills: Sequence[np.ndarray]) -> AnswerRead:
    """The number in one answer's grid, or a flag; a wholly empty grid is a blank answer."""
    sign = ""
    whole: list[str] = []
    frac: list[str] = []
    margin = 1.0
    seen_int = False
    flag = ""
    empty = True
    shown: list[str] = []
    for col, f in zip(answer["columns"], fills, strict=True):
        row, why, m = decide_column(f)
        margin = min(margin, m)
        name = column_name(col["kind"], col["place"])
        if col["place"] == -1:
            shown.append(".")
        if why:
            flag = flag or f"{why} in the {name} column"
            empty = False
            shown.append("?")
            seen_int = seen_int or (col["kind"] == "digit" and col["place"] >= 0)
            continue
        if row is None:
            shown.append("_" if col["kind"] == "digit" and (col["place"] < 0 or seen_int) else "")
        else:
            shown.append("-" if col["kind"] == "sign" else str(col["bubbles"][row]["value"]))
        if row is not None:
            empty = False
        if col["kind"] == "sign":
            sign = "-" if row is not None else ""
        elif col["place"] >= 0:
            if row is None:
                if seen_int:
                    flag = flag or f"{NO_MARK} in the {name} column"
                continue  # an empty leading integer column is a leading zero
            seen_int = True
            whole.append(str(col["bubbles"][row]["value"]))
        else:
            if row is None:
                frac.append("")
            else:
                frac.append(str(col["bubbles"][row]["value"]))
    if empty:
        return AnswerRead(answer["id"], "", "", margin, list(answer["box"]))
    if not flag:
        missing = [i for i, d in enumerate(frac) if d == ""]
        if missing:
            flag = f"{NO_MARK} in the decimal {missing[0] + 1} column"
        elif not whole and not frac:
            flag = SIGN_ONLY
    if flag:
        seen = "".join(shown)
        seen = seen.replace("-.", "-0.", 1) if seen.startswith("-.") else ("0" + seen if seen.startswith(".") else seen)
        return AnswerRead(answer["id"], "", flag, margin, list(answer["box"]), seen)
    value = f"{sign}{int(''.join(whole)) if whole else 0}" + (f".{''.join(frac)}" if frac else "")
    return AnswerRead(answer["id"], value, "", margin, list(answer["box"]))


def read_page(img: np.ndarray, loc: Located, page: Mapping[str, Any]) -> list[AnswerRead]:
    return [read_answer(a, f) for a, f in zip(page["answers"], page_fills(img, loc, page), strict=True)]
