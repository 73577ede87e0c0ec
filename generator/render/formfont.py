"""Make the derived fonts of templates/fonts/ from the bundled Noto Sans (run: python -m generator.render.formfont).

- NotoSansForm-Regular.ttf ("Exam Form"), for PDF form fields. WeasyPrint embeds a form
  field's font whole (a viewer must be able to draw whatever is typed), so the full Noto Sans
  would add 500 KB to every worksheet. The subset holds what students type: ASCII, the
  Latin-1 and Latin Extended-A letters (Ł, ż, ő), Vietnamese, the typographic minus, dashes
  and quotes.
- NotoSansMinus-Regular.ttf and NotoSansMinus-Bold.ttf ("Exam Minus"): Noto Sans has no
  U+2212 MINUS SIGN, so a minus fell back to the regular Noto Sans Math even in a bold
  result. These hold only a minus drawn as the horizontal bar of the same weight's plus sign,
  so −0.5450 in bold has a bold minus of the width of its digits.

Noto Sans is under the SIL OFL 1.1 with no reserved font name, so the subsets keep the
licence and get family names of their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .templating import templates_dir

FAMILY = "Noto Sans Form"
MINUS = 0x2212
FORM_UNICODES = [
    *range(0x20, 0x7F),  # ASCII
    *range(0xA0, 0x180),  # Latin-1 supplement, Latin Extended-A: Ł ż ő é ß
    0x1A0, 0x1A1, 0x1AF, 0x1B0,  # Vietnamese Ơ ơ Ư ư
    *range(0x300, 0x305), 0x309, 0x323,  # combining accents as typed on some keyboards
    *range(0x1EA0, 0x1EFA),  # Vietnamese precomposed letters
    0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026,  # dashes, quotes, ellipsis
]  # fmt: skip


def _rename(font: Any, family: str, style: str) -> None:
    ps = family.replace(" ", "")
    for rec in font["name"].names:
        if rec.nameID in (1, 16):
            rec.string = family
        elif rec.nameID in (2, 17):
            rec.string = style
        elif rec.nameID == 4:
            rec.string = f"{family} {style}"
        elif rec.nameID == 6:
            rec.string = f"{ps}-{style}"


def _add_minus(font: Any) -> None:
    """Give ``font`` a U+2212 glyph: the horizontal bar of its plus sign, with the plus's advance."""
    from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]

    glyf, hmtx = font["glyf"], font["hmtx"]
    plus = font.getBestCmap()[ord("+")]
    points = list(glyf[plus].getCoordinates(glyf)[0])
    xs = [x for x, _ in points]
    ys = sorted({y for _, y in points})
    bottom, top = ys[1], ys[2]  # the cross has four distinct heights: its foot, the bar, its top
    pen = TTGlyphPen(None)
    pen.moveTo((min(xs), bottom))
    pen.lineTo((min(xs), top))
    pen.lineTo((max(xs), top))
    pen.lineTo((max(xs), bottom))
    pen.closePath()
    glyf["minus"] = pen.glyph()
    hmtx["minus"] = (hmtx[plus][0], min(xs))
    if "minus" not in font.getGlyphOrder():  # glyf may share (and so have extended) the font's list
        font.setGlyphOrder([*font.getGlyphOrder(), "minus"])
    for table in font["cmap"].tables:
        if table.isUnicode():
            table.cmap[MINUS] = "minus"
    font["maxp"].numGlyphs = len(font.getGlyphOrder())


def _subset(src: Path, unicodes: list[int]) -> Any:
    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    opts = subset.Options()
    opts.layout_features = ["kern", "tnum", "lnum", "ccmp", "mark", "mkmk"]
    opts.hinting = False
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    font = TTFont(str(src))
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=unicodes)
    sub.subset(font)
    return font


def build_form_font(src: Path, dest: Path) -> int:
    """Subset ``src`` to what students type (FORM_UNICODES), add the minus, write ``dest``; returns its size."""
    font = _subset(src, [*FORM_UNICODES, 0xB7, 0xD7])
    _add_minus(font)
    _rename(font, FAMILY, "Regular")
    font.save(str(dest))
    return dest.stat().st_size


def build_minus_font(src: Path, dest: Path, style: str) -> int:
    """A font of U+2212 (drawn from the plus sign of ``src``) and the spaces; returns its size."""
    # spaces too: Pango may hand the space beside a minus to the same font
    font = _subset(src, [ord("+"), 0x20, 0xA0, 0x2009, 0x202F])
    _add_minus(font)
    _rename(font, "Noto Sans Minus", style)
    font.save(str(dest))
    return dest.stat().st_size


if __name__ == "__main__":
    fonts = templates_dir() / "fonts"
    size = build_form_font(fonts / "NotoSans-Regular.ttf", fonts / "NotoSansForm-Regular.ttf")
    print(f"wrote {fonts / 'NotoSansForm-Regular.ttf'} ({size // 1024} KB)")
    for style in ("Regular", "Bold"):
        dest = fonts / f"NotoSansMinus-{style}.ttf"
        size = build_minus_font(fonts / f"NotoSans-{style}.ttf", dest, style)
        print(f"wrote {dest} ({size} bytes)")
