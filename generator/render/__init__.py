"""Printable PDFs from the answer key: worksheets, answer keys, the class print files.

Public API: :func:`render_pack` (runs the writers of generator/writers/), :func:`render_keys` (the ``key``
command), :func:`read_variant_code` (used by the grader), :class:`RenderError`. Attributes
load on first use, so importing the CLI does not import Jinja, pypdf or WeasyPrint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch import RenderError, render_key, render_keys, render_pack, render_worksheet
    from .merge import read_variant_code

__all__ = ["RenderError", "read_variant_code", "render_key", "render_keys", "render_pack", "render_worksheet"]

_FROM_BATCH = {"RenderError", "render_key", "render_keys", "render_pack", "render_worksheet"}


def __getattr__(name: str) -> Any:
    if name in _FROM_BATCH:
        from . import batch

        return getattr(batch, name)
    if name == "read_variant_code":
        from .merge import read_variant_code

        return read_variant_code
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
