"""The one naming function for output files, and the check of pack names.

Every per-student file (worksheets, per-variant keys, feedback PDFs) is named by
:func:`unique_file_stems`: the student id (else the variant code), reduced to letters of any
script, digits, ``.``, ``-`` and ``_``, capped in length, and made unique case-insensitively
*after* every transformation, so that one student can never receive another's file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from .errors import UserError

MAX_STEM_BYTES = 100  # + "_<code>_<n>.pdf" stays far below the 255 bytes every file system allows
_UNSAFE = re.compile(r"[^\w.-]+")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_PACK_FORBIDDEN = set('/\\<>:"|?*')  # separators, and what Windows (so a USB stick) refuses


def _cap(text: str, limit: int = MAX_STEM_BYTES) -> str:
    raw = text.encode("utf-8")[:limit]
    return raw.decode("utf-8", errors="ignore")


def safe_stem(raw: str) -> str:
    """``raw`` as a file name stem safe on every OS, or '' when nothing usable is left."""
    text = unicodedata.normalize("NFC", raw)
    return _cap(_UNSAFE.sub("_", text).strip("._-")).strip("._-")


def _code(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", code) or "x"


def unique_file_stems(items: Sequence[tuple[str, str]]) -> list[str]:
    """File stems for (preferred name, variant code) pairs: safe, capped, unique ignoring case.

    The first item with a stem keeps it; a later one gets ``_<code>``, then ``_2``, ``_3`` ...
    while that is taken. The stems every item would get on its own are reserved first, so an
    id that looks like another's suffixed name (``s_98THY6`` beside a second ``s`` of variant
    98T-HY6) cannot collide with it.
    """
    bases = []
    for raw, code in items:
        base = safe_stem(raw) or safe_stem(code) or "variant"
        if base.split(".")[0].upper() in _WINDOWS_RESERVED:
            base = f"{base}_{_code(code)}"
        bases.append(base)
    taken = {b.casefold() for b in bases}
    first: set[str] = set()
    out: list[str] = []
    for (_, code), base in zip(items, bases, strict=True):
        if base.casefold() not in first:
            first.add(base.casefold())
            out.append(base)
            continue
        stem = candidate = f"{base}_{_code(code)}"
        n = 2
        while candidate.casefold() in taken:
            candidate = f"{stem}_{n}"
            n += 1
        taken.add(candidate.casefold())
        out.append(candidate)
    if len({s.casefold() for s in out}) != len(out):  # the promise this module exists for
        raise AssertionError("output file names are not unique")
    return out


def check_pack_name(pack: str) -> None:
    """A pack name becomes a file and a folder name: any letters, no separators or forbidden characters."""
    bad = sorted({ch for ch in pack if ch in _PACK_FORBIDDEN or not ch.isprintable()})
    if bad:
        shown = " ".join(repr(ch) for ch in bad)
        raise UserError(f"pack name {pack!r} contains {shown}, which file names cannot hold; e.g. midterm-2026")
    if not pack.strip() or pack.strip(".") == "" or pack.startswith(".") or pack[-1] in ". ":
        raise UserError(f"pack name {pack!r}: start with a letter or digit and do not end in '.' or a space")
    if pack.split(".")[0].upper() in _WINDOWS_RESERVED:
        raise UserError(f"pack name {pack!r} is reserved on Windows; choose another, e.g. {pack}-1")
    if len(pack.encode("utf-8")) > 100:
        raise UserError(f"pack name {pack[:20]!r}… is {len(pack)} characters long; use at most 100 bytes")


def document_title(title: str, what: str) -> str:
    """A PDF's title (viewer title bars, screen readers): the worksheet's title, a dash, what the
    file is ("Backpropagation: a 2-2-1 network — worksheet DA8-0B0"; a second colon read as a
    hierarchy)."""
    return f"{title} — {what}"
