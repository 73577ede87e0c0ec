"""The scanned crop of each answer, for the feedback PDFs of a graded scan (docs/answer-sheet.md).

``scan`` writes ``<its --out>/crops/<variant>/<answer id>.png`` and names the folder in the
``scan:crops`` column of submissions.csv. That column is text anyone can edit, so it is only
followed to PNG files inside the CSV's own folder: an absolute path, ``..`` or a link leading
out, another kind of file or an oversized one gives no crop (the feedback is written without
it), never a read elsewhere. A crop reaches the PDF as a data: URL, the only kind of URL
besides templates/ files that the PDF engine loads (render/pdf.py).
"""

from __future__ import annotations

import base64
from pathlib import Path

CROPS_COLUMN = "scan:crops"
MAX_BYTES = 1 << 20  # a crop is ~5-20 KB; anything larger is not one of ours
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def crops_folder(csv_path: Path, text: str) -> Path | None:
    """The folder a ``scan:crops`` cell names, if it lies inside ``csv_path``'s folder; else None."""
    text = text.strip()
    if not text:
        return None
    base = csv_path.parent.resolve()
    try:
        folder = (base / text).resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte
        return None
    if folder == base or not folder.is_relative_to(base) or not folder.is_dir():
        return None
    return folder


def crop_png(folder: Path | None, answer_id: str) -> bytes | None:
    """The PNG bytes of ``answer_id``'s crop in ``folder`` (still inside it after links), or None."""
    if folder is None or not answer_id.replace("_", "").replace("-", "").isalnum():
        return None
    path = folder / f"{answer_id}.png"
    try:
        if not path.resolve().is_relative_to(folder) or not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if data.startswith(PNG_SIGNATURE) else None


def data_url(png: bytes | None) -> str:
    """A data: URL of a PNG for the feedback PDF and review.html ('' for none)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else ""
