"""Which characters of the students' names no font can draw (they would print as empty boxes).

The bundled Noto Sans covers Latin (with Vietnamese), Greek and Cyrillic; other scripts come
from the system's fonts through fontconfig (Debian: fonts-noto-cjk for Chinese, Japanese and
Korean, fonts-dejavu-core for Arabic and Hebrew). Before rendering, every name is checked
against the bundled fonts and the charsets fontconfig reports, and each name with a character
that no font has is named in one warning line, with the Debian package that has a font for it
(fonts-noto-cjk, else fonts-noto-core: Noto for Tamil, Cherokee, Ethiopic, Thai, hieroglyphs, …).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from functools import cache

from ..records import Variant
from .templating import templates_dir

FONT_PACKAGES = "fonts-noto-cjk fonts-dejavu-core"
# Chinese, Japanese and Korean (Han, kana, Hangul, their punctuation and compatibility forms)
_CJK = ((0x1100, 0x11FF), (0x2E80, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF),
        (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))  # fmt: skip


def font_package(ch: str) -> str:
    """The Debian package with a font for ``ch``: fonts-noto-cjk for CJK, else fonts-noto-core (Noto
    for the other living and historic scripts: Tamil, Cherokee, Ethiopic, Thai, hieroglyphs, …)."""
    cp = ord(ch)
    return "fonts-noto-cjk" if any(a <= cp <= b for a, b in _CJK) else "fonts-noto-core"


@cache
def _bundled() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    covered: set[int] = set()
    for name in ("NotoSans-Regular.ttf", "NotoSansMath-Regular.ttf", "NotoSansMinus-Regular.ttf"):
        covered.update(TTFont(str(templates_dir() / "fonts" / name), lazy=True).getBestCmap())
    return frozenset(covered)


def parse_charsets(text: str) -> list[tuple[int, int]]:
    """fontconfig's '%{charset}' output ('20-7e a0 ...', one font a line) as (first, last) ranges."""
    ranges = []
    for token in text.split():
        first, _, last = token.partition("-")
        try:
            ranges.append((int(first, 16), int(last or first, 16)))
        except ValueError:
            continue
    return ranges


@cache
def _system() -> tuple[tuple[int, int], ...]:
    exe = shutil.which("fc-list")
    if exe is None:
        return ()
    try:
        out = subprocess.run([exe, "--format=%{charset}\\n"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(parse_charsets(out))


def drawable(ch: str) -> bool:
    """True when the bundled fonts or an installed font has a glyph for ``ch`` (spaces and controls count)."""
    cp = ord(ch)
    if cp in _bundled() or ch.isspace() or not ch.isprintable() or 0x300 <= cp < 0x370 or 0x200B <= cp <= 0x200F:
        return True
    return any(a <= cp <= b for a, b in _system())


def missing_glyphs(names: Iterable[tuple[str, str]]) -> list[str]:
    """One warning per (who, text) whose text has a character no font can draw."""
    warnings = []
    for who, text in names:
        missing = sorted({ch for ch in text if not drawable(ch)})
        if missing:
            chars = ", ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing)
            packages = " ".join(sorted({font_package(ch) for ch in missing}))
            warnings.append(
                f"Warning: no installed font has {chars} of {who}; it prints as an empty box. "
                f"Install a font that has it (Debian: apt-get install {packages})."
            )
    return warnings


def warn_missing_glyphs(variants: list[Variant]) -> list[str]:
    """Check every student's name (and id) and print the warnings to stderr; returns them."""
    pairs = []
    for v in variants:
        name, sid = (v.student.name, v.student.id) if v.student else ("", "")
        pairs.append((f"student {name} ({sid})" if sid else f"variant {v.variant}", f"{name}{sid}"))
    return warn_names(pairs)


def warn_names(names: Iterable[tuple[str, str]]) -> list[str]:
    """missing_glyphs of (who, text) pairs, printed to stderr (one line each); returns them."""
    import sys

    warnings = missing_glyphs(names)
    for w in warnings:
        print(w, file=sys.stderr)
    return warnings
