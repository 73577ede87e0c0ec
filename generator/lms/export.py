"""``backprop-exam export``: an answer key -> one LMS import file, written whole or not at all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..answer_key import atomic_write, read_key
from ..records import Key
from ..transaction import check_writable
from .canvas import canvas_zip
from .moodle import moodle_xml
from .qti21 import qti21_zip

Writer = Callable[[Key], bytes]
# format -> (writer, file suffix, what it is)
FORMATS: dict[str, tuple[Writer, str, str]] = {
    "moodle": (moodle_xml, ".xml", "Moodle XML, one Cloze question per variant in one category"),
    "qti21": (qti21_zip, ".zip", "IMS QTI 2.1 package, one item per variant, a test drawing one"),
    "canvas": (canvas_zip, ".zip", "Canvas classic quiz (QTI 1.2), variants in a 'pick 1' group"),
}


def default_out(key_path: str | Path, fmt: str) -> Path:
    return Path("output") / f"{Path(key_path).stem}-{fmt}{FORMATS[fmt][1]}"


def export_key(key_path: str | Path, fmt: str, out: str | Path | None = None, *, force: bool = False) -> Path:
    """Write the ``fmt`` export of the key at ``key_path``; returns the file written."""
    writer = FORMATS[fmt][0]
    path = Path(out) if out else default_out(key_path, fmt)
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass --force to replace it or choose another --out")
    key = read_key(key_path)
    check_writable(path.parent, "--out")  # name the user's folder, not the hidden temporary file
    atomic_write(path, writer(key), force=force)
    return path
