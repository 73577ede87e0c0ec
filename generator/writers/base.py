"""The two kinds of output writer and the options every writer may read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..records import Key, PrintSettings, Variant

Header = Key  # the answer key without its variants (and without its secret): pack, title, course, decimals ...


@dataclass(frozen=True)
class OutputOptions:
    """What the writers of a pack may read besides the key itself."""

    paper: str = "a4"  # a4 or letter
    duplex: bool = True  # worksheets.pdf: every student starts on a new sheet
    solutions: bool = False  # also each student's worked solution (solutions/<student>.pdf)
    jobs: int | None = None  # render processes; None: every core
    answer_sheet: bool = False  # scannable answer sheets (generator/sheet/)
    answer_sheet_ids: tuple[str, ...] | None = None  # the answers on the sheet; None: every asked one
    only: tuple[str, ...] | None = None  # writer names to run; None: the writers that are on by default
    decimal_comma: bool | None = None  # every printed number 0,5450; None: as the key says (Key.printing)
    tagged: bool | None = None  # tagged PDF/UA-1; None: as the key says

    def printing(self, key: Key) -> PrintSettings:
        """How to print ``key``: its own settings, with what these options say instead where they say it."""
        stored = key.printing
        return PrintSettings(
            decimal_comma=stored.decimal_comma if self.decimal_comma is None else self.decimal_comma,
            tagged=stored.tagged if self.tagged is None else self.tagged,
            paper="letter" if self.paper == "letter" else "a4",
        )


@dataclass(frozen=True)
class VariantWriter:
    """One PDF per variant, rendered in the shared worker pool into ``<dest>/<folder>/<stem>.pdf``.

    ``render`` must be a module-level function (workers look the writer up by name). To join
    the files into one print file too, also register a PackWriter (merge.PrintFile streams).
    """

    name: str  # registry name, e.g. "worksheet"
    label: str  # how the report names the outputs, e.g. "worksheets"
    folder: str
    render: Callable[[Header, Variant, str], tuple[bytes, int]]  # (header, variant, paper) -> (PDF, pages)
    wanted: Callable[[OutputOptions], bool] = lambda options: True  # on by default for these options?
    builtin: bool = False  # rendered by render/batch.py's own jobs (worksheets, solutions)


@dataclass(frozen=True)
class PackWriter:
    """One output for the whole pack (Moodle XML, QTI, an answer-sheet layout JSON)."""

    name: str
    label: str
    write: Callable[[Key, Path, OutputOptions], list[Path]]  # (key, dest, options) -> written
    wanted: Callable[[OutputOptions], bool] = lambda options: True
    builtin: bool = False  # the marking key: rendered by render/batch.py in the same pass as the PDFs
    joins_worksheets: bool = False  # writes worksheets.pdf itself (from the worksheets it changed): not joined before


Writer = VariantWriter | PackWriter
