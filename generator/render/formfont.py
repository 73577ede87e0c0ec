"""Make templates/fonts/NotoSansForm-Regular.ttf: printable ASCII of Noto Sans, for form fields.

WeasyPrint embeds the font of a form field whole (a viewer must be able to draw whatever is
typed), so the full Noto Sans would add 500 KB to every worksheet; students type numbers.
Noto Sans is under the SIL OFL 1.1 with no reserved font name, so the subset keeps the
licence and gets a family name of its own. Run: python -m generator.render.formfont
"""

from __future__ import annotations

from pathlib import Path

from .templating import templates_dir

FAMILY = "Noto Sans Form"


def build_form_font(src: Path, dest: Path) -> int:
    """Subset ``src`` to printable ASCII (plus · and ×) and write ``dest``; returns its size."""
    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    opts = subset.Options()
    opts.layout_features = ["kern", "tnum", "lnum"]
    opts.hinting = False
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    font = TTFont(str(src))
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[*range(0x20, 0x7F), 0xB7, 0xD7])
    sub.subset(font)
    for rec in font["name"].names:
        if rec.nameID in (1, 16):
            rec.string = FAMILY
        elif rec.nameID == 4:
            rec.string = f"{FAMILY} Regular"
        elif rec.nameID == 6:
            rec.string = "NotoSansForm-Regular"
    font.save(str(dest))
    return dest.stat().st_size


if __name__ == "__main__":
    fonts = templates_dir() / "fonts"
    size = build_form_font(fonts / "NotoSans-Regular.ttf", fonts / "NotoSansForm-Regular.ttf")
    print(f"wrote {fonts / 'NotoSansForm-Regular.ttf'} ({size // 1024} KB)")
