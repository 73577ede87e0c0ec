"""Output writers: every output of a pack is made by one writer, registered in ``_MODULES``.

A writer reads the pack (the answer-key record) and writes one kind of output into the
pack's staging folder; the pack transaction (generator/transaction.py) then swaps all of
them into place at once. Two kinds (generator/writers/base.py):

``VariantWriter``
    One PDF per variant, rendered in the shared pool of WeasyPrint workers
    (render/batch.py): ``render(header, variant, paper) -> (pdf bytes, pages)`` with the
    key's header (everything but ``variants``) and one variant; the file goes to
    ``<folder>/<stem>.pdf`` (one naming function: generator/naming.py).
``PackWriter``
    One pass over the whole pack in the parent process, after the PDFs (Moodle XML, QTI,
    Canvas, an answer-sheet layout JSON, a print file joining a VariantWriter's PDFs):
    ``write(key, dest, options) -> written paths``.

``wanted(options)`` says whether ``generate`` writes it unless ``OutputOptions.only`` names
the writers to run. The built-in ones (worksheets with worksheets.pdf, the marking key,
worked solutions) are rendered by render/batch.py in one pass; plug-ins ride along in it.

To add an output (answer sheet, Moodle XML, QTI, Canvas ...):

1. write ``generator/writers/<name>.py`` that defines ``WRITER = VariantWriter(...)`` or
   ``WRITER = PackWriter(...)`` (see solution.py, marking_key.py);
2. add its module name to ``_MODULES`` below (one line).

Nothing else changes: ``generate`` and ``render_pack`` run every selected writer, and the
transaction makes the pack all-or-nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from ..records import Key
from .base import OutputOptions, PackWriter, VariantWriter, Writer

__all__ = [
    "OutputOptions", "PackWriter", "VariantWriter", "Writer", "all_writers", "get", "selected", "variant_writer",
    "write_pack",
]  # fmt: skip

# The registry: one line per output, in the order they are written and reported.
_MODULES = (
    "worksheet",  # worksheets/<student>.pdf and the print file worksheets.pdf
    "marking_key",  # answer-key.pdf: final answers and accepted ranges of every variant
    "solution",  # solutions/<student>.pdf with --solutions
    "answer_sheet",  # --answer-sheet: appended to each worksheet (after "worksheet"), and the layout JSON
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


def variant_writer(name: str) -> VariantWriter:
    writer = get(name)
    if not isinstance(writer, VariantWriter):
        raise TypeError(f"{name} is not a VariantWriter")
    return writer


def selected(options: OutputOptions) -> list[Writer]:
    """The writers ``options`` asks for (``only``), else every writer wanted for these options."""
    if options.only is not None:
        return [get(name) for name in options.only]
    return [w for w in all_writers() if w.wanted(options)]


def write_pack(
    key: Key,
    dest: Path,
    options: OutputOptions,
    progress: Callable[[int], None] | None = None,
    *,
    stages: Callable[[str, int, int], None] | None = None,
) -> list[Path]:
    """Run every selected writer on the pack ``key`` into the folder ``dest``; returns what was written.

    The PDFs (built-in writers and plug-in variant writers) share one pass of the worker
    pool (``progress`` is called with the number of variants done); pack writers follow.
    ``stages`` (stage, done, total) hears of the rest as it happens: the marking key's variants
    while the worksheets render, then each pack writer (total 0 while it runs, then 1 of 1).
    ``options.decimal_comma`` and ``options.tagged`` override the key's own ``printing``
    settings; writers read them from the key (``key.printing``) they are given.
    """
    import msgspec

    from ..render.batch import _check, _render_all

    printing = options.printing(key)
    if printing != key.printing:  # every writer reads how to print from the key (workers get its header)
        key = msgspec.structs.replace(key, printing=printing)
    chosen = selected(options)
    names = {w.name for w in chosen if w.builtin}
    extra = tuple((w.name, w.folder) for w in chosen if isinstance(w, VariantWriter) and not w.builtin)
    written: list[Path] = []
    if names or extra:
        _check(key, options.paper)
        written += _render_all(
            key, Path(dest), worksheets="worksheet" in names, marking="marking-key" in names,
            solutions="solution" in names, paper=options.paper, duplex=options.duplex, jobs=options.jobs,
            progress=progress, extra=extra,
            print_file=not any(isinstance(w, PackWriter) and w.joins_worksheets for w in chosen), stages=stages,
        )  # fmt: skip
    for w in chosen:
        if isinstance(w, PackWriter) and not w.builtin:
            stage = w.label[:1].upper() + w.label[1:]
            if stages:
                stages(stage, 0, 0)
            written += w.write(key, Path(dest), options)
            if stages:
                stages(stage, 1, 1)
    return written
