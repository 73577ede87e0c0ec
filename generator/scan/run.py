"""``scan``: every page of every file read (in worker processes), gathered per student, written whole."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any

from ..answer_key import normalize_code
from ..records import Key, Variant
from .locate import NOT_A_SHEET
from .marks import AnswerRead, page_not_scanned
from .pages import PageResult, scan_page
from .rasterise import RENDER_DPI, PageRef, RasterError, expand, pages_of


@dataclass
class ScanIssue:
    file: str
    page: str  # '' for the whole file
    kind: str  # unidentified, other_pack, unknown_variant, duplicate, missing_page, no_corner_marks, ...
    message: str


@dataclass
class SheetRead:
    """One student's sheet: answers read from all its pages."""

    variant: str
    student_id: str
    name: str
    sources: list[str] = field(default_factory=list)
    reads: dict[str, AnswerRead] = field(default_factory=dict)
    crops: dict[str, bytes] = field(default_factory=dict)  # flagged answers' crops, for the review file
    crops_folder: str = ""  # 'crops/<variant>' (relative to --out) holding <answer id>.png of every answer read


@dataclass
class ScanResult:
    answer_ids: list[str]
    sheets: list[SheetRead]
    issues: list[ScanIssue]
    pages: int
    skipped: list[str] = field(default_factory=list)  # pages that are not answer sheets ('file page N'), not issues


CROPS = "crops"  # --out/crops/<variant>/<answer id>.png: each answer's box as scanned (docs/answer-sheet.md)


_worker: dict[str, Any] = {}
IN_FLIGHT = 4  # pages per worker queued or finished but not yet gathered


def _init(layout: Mapping[str, Any], dpi: int, all_crops: bool = False) -> None:
    _worker["layout"], _worker["dpi"], _worker["all_crops"] = layout, dpi, all_crops


def _task(ref: PageRef) -> PageResult:
    return scan_page(ref, _worker["layout"], _worker["dpi"], _worker["all_crops"])


def _results(
    refs: list[PageRef], layout: Mapping[str, Any], dpi: int, jobs: int, all_crops: bool
) -> Iterator[PageResult]:
    """Page results in input order; a pool of ``jobs`` processes holds one page image each at most.

    At most ``IN_FLIGHT`` pages per worker are queued or waiting to be gathered (Pool.imap would
    queue every page at once and buffer finished results without limit when this process falls
    behind), so memory stays bounded whatever the stack size."""
    if jobs <= 1 or len(refs) < 4:
        _init(layout, dpi, all_crops)
        yield from (_task(r) for r in refs)
        return
    import multiprocessing

    ctx = multiprocessing.get_context(
        "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    )
    with ctx.Pool(jobs, initializer=_init, initargs=(layout, dpi, all_crops)) as pool:
        pending: deque[AsyncResult[PageResult]] = deque()
        for ref in refs:
            if len(pending) >= IN_FLIGHT * jobs:
                yield pending.popleft().get()
            pending.append(pool.apply_async(_task, (ref,)))
        while pending:
            yield pending.popleft().get()


def scan_files(
    key: Key,
    layout: Mapping[str, Any],
    paths: Iterable[str | Path],
    *,
    dpi: int = RENDER_DPI,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    crops: Path | None = None,
) -> ScanResult:
    """Read every page of ``paths`` against ``layout``; ``progress(done, total)`` after each page.

    With ``crops`` (a folder, usually ``<--out>/crops``), every answer's box as scanned is written
    to ``crops/<variant>/<answer id>.png`` as its page is read (memory holds one page's crops,
    whatever the stack size); only flagged answers' crops are kept for the review file.
    """
    import os

    files, problems = expand(paths)
    issues = [ScanIssue(p.split(":", 1)[0], "", "unreadable_file", p) for p in problems]
    refs: list[PageRef] = []
    for f in files:
        try:
            refs.extend(pages_of(f))
        except RasterError as e:
            issues.append(ScanIssue(str(f), "", "unreadable_file", str(e)))
    variants = {normalize_code(v.variant): v for v in key.variants}
    sheets: dict[str, SheetRead] = {}
    seen: dict[tuple[str, int], str] = {}
    pages_by_number = {p["page"]: p for p in layout["pages"]}
    all_pages = list(pages_by_number)
    answer_ids = [a["id"] for p in layout["pages"] for a in p["answers"]]
    workers = max(1, min(jobs or (os.cpu_count() or 1), 8))
    skipped: list[str] = []
    for done, res in enumerate(_results(refs, layout, dpi, workers, crops is not None), start=1):
        if progress:
            progress(done, len(refs))
        if res.kind == NOT_A_SHEET:  # a worksheet page of a packet scanned whole: no issue, counted once
            skipped.append(res.ref.where)
            continue
        _gather(res, variants, sheets, seen, issues, crops)
    for sheet in sheets.values():
        have = {int(s.rsplit("#", 1)[1]) for s in sheet.sources}
        missing = [p for p in all_pages if p not in have]
        if missing:
            issues.append(ScanIssue("", "", "missing_page", (
                f"variant {sheet.variant}{' (' + sheet.name + ')' if sheet.name else ''}: answer-sheet page "
                f"{', '.join(map(str, missing))} not among the scans; its answers are flagged (graded unreadable, "
                "not blank) until the page is scanned or they are typed into corrections.csv"
            )))  # fmt: skip
            for p in missing:
                for a in pages_by_number[p]["answers"]:
                    sheet.reads[a["id"]] = AnswerRead(a["id"], "", flag=page_not_scanned(p), box=a["box"])
        sheet.sources = [s.rsplit("#", 1)[0] for s in sheet.sources]
        if sheet.reads and all(not r.value and not r.flag for r in sheet.reads.values()):
            who = f" ({sheet.name})" if sheet.name else ""
            issues.append(ScanIssue("; ".join(sheet.sources), "", "blank_sheet", (
                f"variant {sheet.variant}{who}: no bubble filled on the whole sheet, so every answer is graded "
                f"blank; if digits are written in the boxes only ({CROPS}/{sheet.variant}/), type them into "
                "submissions.csv"
            )))  # fmt: skip
    order = {normalize_code(v.variant): i for i, v in enumerate(key.variants)}
    ordered = sorted(sheets.values(), key=lambda s: order[normalize_code(s.variant)])
    return ScanResult(answer_ids, ordered, issues, len(refs), skipped)


def _gather(
    res: PageResult,
    variants: Mapping[str, Variant],
    sheets: dict[str, SheetRead],
    seen: dict[tuple[str, int], str],
    issues: list[ScanIssue],
    crops: Path | None = None,
) -> None:
    file, page = res.ref.file, str(res.ref.index + 1)
    if res.kind:
        issues.append(ScanIssue(file, page, res.kind, res.message))
        return
    norm = normalize_code(res.variant)
    v = variants.get(norm)
    if v is None:
        issues.append(ScanIssue(file, page, "unknown_variant", (
            f"{res.ref.where}: variant {res.variant!r} is not in this answer key; is it another class's sheet?"
        )))  # fmt: skip
        return
    first = seen.get((norm, res.page))
    if first is not None:
        sheet = sheets[norm]
        same = all(sheet.reads[r.id].value == r.value and sheet.reads[r.id].flag == r.flag for r in res.reads)
        issues.append(ScanIssue(file, page, "duplicate", (
            f"{res.ref.where}: a second scan of variant {v.variant} page {res.page} (first: {first}); "
            + ("it reads the same, ignored" if same else "it reads DIFFERENTLY; the first counts, check which is right")
        )))  # fmt: skip
        return
    seen[(norm, res.page)] = res.ref.where
    sid, name = (v.student.id, v.student.name) if v.student else ("", "")
    sheet = sheets.setdefault(norm, SheetRead(v.variant, sid, name))
    sheet.sources.append(f"{res.ref.where}#{res.page}")
    for r in res.reads:
        sheet.reads[r.id] = r
    flagged = {r.id for r in res.reads if r.flag}
    sheet.crops.update((i, png) for i, png in res.crops.items() if i in flagged)
    if crops is not None and res.crops:
        folder = crops / v.variant  # a key's codes are [A-Z0-9-] (records.Code): a safe folder name
        folder.mkdir(parents=True, exist_ok=True)
        for i, png in res.crops.items():
            (folder / f"{i}.png").write_bytes(png)  # answer ids are [A-Za-z0-9_-] (records.AnswerId)
        sheet.crops_folder = f"{CROPS}/{v.variant}"


# the files a scan writes: a folder of them written before manifests existed may be replaced
SCAN_FILES = ("submissions.csv", "scan-issues.csv", "corrections.csv", "review.html")


def check_out(out: Path, force: bool) -> None:
    """Refuse early, before reading any scan, to replace an existing non-empty --out without --force.

    Even with --force only a folder holding nothing but what backprop-exam wrote there (its
    manifest, generator/transaction.py) is replaced, as for generate, grade and key.
    """
    from ..transaction import check_replaceable

    check_replaceable(out, force=force, option="--out", legacy=SCAN_FILES, kind="scan")


@contextmanager
def staged_out(out: Path, force: bool) -> Iterator[Path]:
    """A fresh folder to write the scan's outputs into; swapped in whole as ``out`` when the block ends
    without an error, else removed (generator/transaction.py): the old ``out`` is intact."""
    from ..transaction import Staging, write_manifest

    check_out(out, force)
    with Staging(out.parent, out.name) as staging:
        tmp = staging.path(out.name)
        tmp.mkdir()
        yield tmp
        write_manifest(tmp, "scan")
        check_out(out, force)  # again: the folder may have changed while the scans were read
        staging.replace(tmp, out)
        staging.commit()
