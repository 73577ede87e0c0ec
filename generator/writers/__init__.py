"""Output writers: every output of a pack is made by one writer, registered in ``_MODULES``.

A writer reads the pack (the answer-key record, ``dict`` today, typed later) and writes one
kind of output into the pack's staging folder; the pack transaction (generator/transaction.py)
then swaps all of them into place at once. There are two kinds (generator/writers/base.py):

``VariantWriter``
    One PDF per variant, rendered in the shared pool of WeasyPrint workers
    (render/batch.py): ``render(header, variant, paper) -> (pdf bytes, pages)`` with the
    key's header (everything but ``variants``) and one variant. The files go to
    ``<folder>/<stem>.pdf`` (one naming function, generator/naming.py) and are joined in
    variant order into ``print_file``; ``keep(options)`` says whether the per-variant files
    stay (marking keys only with ``--key-per-student``).
``PackWriter``
    One pass over the whole pack in the parent process (Moodle XML, QTI, Canvas, an
    answer-sheet layout JSON): ``write(key, dest, options) -> written paths``.

To add an output (answer sheet, Moodle XML, QTI, Canvas ...):

1. write ``generator/writers/<name>.py`` that defines ``WRITER = VariantWriter(...)`` or
   ``WRITER = PackWriter(...)`` (see worksheet.py, marking_key.py);
2. add its module name to ``_MODULES`` below (one line);
3. say in ``default`` whether ``generate`` writes it unless told otherwise
   (``OutputOptions.only`` picks writers by name).

Nothing else changes: ``generate`` and ``render_pack`` run every selected writer, the
report lists what each wrote, and the transaction makes it all-or-nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from .base import OutputOptions, PackWriter, VariantWriter, Writer

__all__ = ["OutputOptions", "PackWriter", "VariantWriter", "Writer", "all_writers", "get", "selected", "write_pack"]

# The registry: one line per output, in the order they are written and reported.
_MODULES = (
    "worksheet",  # worksheets/<student>.pdf and the print file worksheets.pdf
    "marking_key",  # answer-key.pdf (and answer-keys/<student>.pdf with --key-per-student)
)


@cache
def all_writers() -> tuple[Writer, ...]:
    found = []
    for module in _MODULES:
        writer = importlib.import_module(f"{__name__}.{module}").WRITER
        if not isinstance(writer, VariantWriter | PackWriter):
            raise TypeError(f"{__name__}.{module}.WRITER is not a VariantWriter or PackWriter")
        found.append(writer)
    names = [w.name for w in found]
    if len(set(names)) != len(names):
        raise TypeError(f"two writers share a name: {names}")
    return tuple(found)


def get(name: str) -> Writer:
    for w in all_writers():
        if w.name == name:
            return w
    known = ", ".join(w.name for w in all_writers())
    raise KeyError(f"no output writer {name!r}; known: {known}")


def selected(options: OutputOptions) -> list[Writer]:
    """The writers ``options`` asks for (``only``), else every writer that is on by default."""
    if options.only is not None:
        return [get(name) for name in options.only]
    return [w for w in all_writers() if w.default]


def write_pack(
    key: dict[str, Any], dest: Path, options: OutputOptions, progress: Callable[[int], None] | None = None
) -> list[Path]:
    """Run every selected writer on the pack ``key`` into the folder ``dest``; returns what was written.

    The variant writers share one pass of the worker pool (``progress`` is called with 1
    per variant done); the pack writers follow, in registry order.
    """
    from ..render.batch import render_variants

    chosen = selected(options)
    variant_writers = [w for w in chosen if isinstance(w, VariantWriter)]
    written: list[Path] = []
    if variant_writers:
        written += render_variants(key, Path(dest), variant_writers, options, progress)
    for w in chosen:
        if isinstance(w, PackWriter):
            written += w.write(key, Path(dest), options)
    return written
