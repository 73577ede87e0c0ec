"""The two kinds of output writer and the options every writer may read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Header = dict[str, Any]  # the answer key without its variants: pack, title, course, decimals ...
Variant = dict[str, Any]  # one entry of the key's "variants"


@dataclass(frozen=True)
class OutputOptions:
    """What the writers of a pack may read besides the key itself."""

    paper: str = "a4"  # a4 or letter
    duplex: bool = False  # print files: every variant starts on an odd page
    key_per_student: bool = False  # keep answer-keys/<student>.pdf beside answer-key.pdf
    jobs: int | None = None  # render processes; None: every core
    only: tuple[str, ...] | None = None  # writer names to run; None: the writers on by default


@dataclass(frozen=True)
class VariantWriter:
    """One PDF per variant, rendered in the worker pool, joined in variant order into a print file.

    ``render`` must be a module-level function (workers look the writer up by name).
    """

    name: str  # registry name, e.g. "worksheet"
    label: str  # how the report names the outputs, e.g. "worksheets"
    folder: str  # per-variant files: <dest>/<folder>/<stem>.pdf
    print_file: str | None  # all variants in one PDF: <dest>/<print_file>, or None
    print_title: str  # the print file's PDF title after "<title>: ", e.g. "worksheets of"
    render: Callable[[Header, Variant, str], tuple[bytes, int]]  # (header, variant, paper) -> (PDF, pages)
    keep: Callable[[OutputOptions], bool] = lambda options: True  # keep the per-variant files?
    default: bool = True  # written by generate unless OutputOptions.only says otherwise


@dataclass(frozen=True)
class PackWriter:
    """One output for the whole pack, written in the parent process after the PDFs."""

    name: str
    label: str
    write: Callable[[dict[str, Any], Path, OutputOptions], list[Path]]  # (key, dest, options) -> written
    default: bool = True


Writer = VariantWriter | PackWriter
