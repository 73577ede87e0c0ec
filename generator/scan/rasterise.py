"""Scans to greyscale pages: PDFs through pypdfium2, PNG/JPEG/TIFF through OpenCV, one page at a time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PDF = (".pdf",)
IMAGES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
RENDER_DPI = 200  # PDFs are rendered at this resolution: bubbles ~21 px across, QR modules ~5 px


@dataclass(frozen=True)
class PageRef:
    """One page of one input file (index from 0); ``where`` names it in messages."""

    file: str
    index: int

    @property
    def where(self) -> str:
        return f"{self.file} page {self.index + 1}"


class RasterError(Exception):
    """A file or page that cannot be turned into an image; the message names it."""


def expand(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Scan files in the order given (folders: their scan files sorted by name), and problems met."""
    files: list[Path] = []
    problems: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in PDF + IMAGES)
            if not found:
                problems.append(f"{p}: no .pdf, .png, .jpg or .tif files in this folder")
            files.extend(found)
        elif p.is_file():
            if p.suffix.lower() in PDF + IMAGES:
                files.append(p)
            else:
                problems.append(f"{p}: not a PDF, PNG, JPEG or TIFF file; skipped")
        else:
            problems.append(f"{p}: no such file or folder; check the path")
    return files, problems


def pages_of(path: Path) -> list[PageRef]:
    """Every page of ``path``; raises RasterError when the file cannot be opened."""
    suffix = path.suffix.lower()
    try:
        if suffix in PDF:
            import pypdfium2 as pdfium

            doc = pdfium.PdfDocument(str(path))
            try:
                n = len(doc)
            finally:
                doc.close()
        elif suffix in (".tif", ".tiff"):
            import cv2

            n = int(cv2.imcount(str(path)))
        else:
            n = 1
    except Exception as e:  # a damaged or encrypted file: named, and the rest go on
        raise RasterError(f"{path}: cannot be opened ({type(e).__name__}: {e})") from None
    if n < 1:
        raise RasterError(f"{path}: cannot be opened as an image")
    return [PageRef(str(path), i) for i in range(n)]


def load(ref: PageRef, dpi: int = RENDER_DPI) -> np.ndarray:
    """The page as a 2-D uint8 greyscale array (0 black, 255 white)."""
    import cv2

    img: np.ndarray | None

    path = Path(ref.file)
    suffix = path.suffix.lower()
    try:
        if suffix in PDF:
            import pypdfium2 as pdfium

            doc = pdfium.PdfDocument(str(path))
            try:
                bitmap = doc[ref.index].render(scale=dpi / 72, grayscale=True)
                img = np.array(bitmap.to_numpy(), copy=True)
            finally:
                doc.close()
        elif suffix in (".tif", ".tiff"):
            ok, imgs = cv2.imreadmulti(str(path), start=ref.index, count=1, flags=cv2.IMREAD_GRAYSCALE)
            img = imgs[0] if ok and imgs else None
        else:
            img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    except Exception as e:
        raise RasterError(f"{ref.where}: cannot be read ({type(e).__name__}: {e})") from None
    if img is None or img.size == 0:
        raise RasterError(f"{ref.where}: cannot be read as an image")
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY if img.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)
    if img.dtype != np.uint8:
        img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return np.ascontiguousarray(img)
