"""Printable PDFs from the answer key (placeholder until the rendering work lands)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def render_pack(
    key: dict[str, Any],
    dest: Path,
    *,
    paper: str = "a4",
    duplex: bool = False,
    key_per_student: bool = False,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Path]:
    raise NotImplementedError("PDF rendering is not built yet; use --no-pdf")
