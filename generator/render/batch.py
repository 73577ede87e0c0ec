"""A whole class: one worksheet and one answer key per variant, rendered in long-lived workers.

Each worker process keeps one WeasyPrint engine (fonts registered and stylesheets parsed
once) and renders variant after variant, writing its PDFs straight to disk; the parent only
passes small job records in and page counts out, then concatenates the print files with a
streaming writer (merge.py). One giant HTML for the class would be slower and hold ~2.5 MB
of layout per page.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from ..network import SpecError
from ..records import Key, Variant
from .context import key_context, unique_stems, worksheet_context
from .merge import METADATA_PACK, METADATA_STUDENT, METADATA_VARIANT
from .templating import render_template

PARTS_DIR = ".key-parts"


class RenderError(SpecError):
    """A variant could not be rendered; the message names the student or variant."""


@dataclass(frozen=True)
class Job:
    index: int
    who: str  # 'student Ada Lovelace (s123), variant K7M-2QX' for error messages
    variant: Variant
    worksheet: str | None  # None: answer key only
    key: str


@dataclass(frozen=True)
class Done:
    index: int
    worksheet_pages: int
    key_pages: int


# Per-process state of a worker (set by _init; the in-process path sets it too).
_state: dict[str, Any] = {}


def _init(header: Key, paper: str, worker: bool = True) -> None:
    from . import pdf
    from .pdf import engine

    if worker:
        pdf._warned = True  # the parent has said it once already

    _state["header"] = header
    _state["paper"] = paper
    eng = engine()
    eng.stylesheets("worksheet", paper)  # parse the CSS and register the fonts before the first job
    eng.stylesheets("answer-key", paper)


def _meta(key: Key, variant: Variant) -> dict[str, str]:
    meta = {METADATA_VARIANT: variant.variant, METADATA_PACK: key.pack}
    if variant.student is not None:
        meta[METADATA_STUDENT] = variant.student.id
    return meta


def render_worksheet(key: Key, variant: Variant, paper: str) -> tuple[bytes, int]:
    """(PDF, pages) of one variant's fillable worksheet, in this process."""
    from .pdf import engine

    eng = engine()
    html = render_template("worksheet.html.j2", **worksheet_context(key, variant, paper))
    return eng.render(
        html, stylesheets=eng.stylesheets("worksheet", paper), forms=True, metadata=_meta(key, variant), xml=True
    )


def render_key(key: Key, variant: Variant, paper: str) -> tuple[bytes, int]:
    """(PDF, pages) of one variant's worked answer key, in this process."""
    from .pdf import engine

    eng = engine()
    html = render_template("answer-key.html.j2", **key_context(key, variant))
    return eng.render(html, stylesheets=eng.stylesheets("answer-key", paper), metadata=_meta(key, variant), xml=True)


def _run(job: Job) -> Done:
    try:
        ws_pages = 0
        if job.worksheet is not None:
            ws, ws_pages = render_worksheet(_state["header"], job.variant, _state["paper"])
            Path(job.worksheet).write_bytes(ws)
        ak, ak_pages = render_key(_state["header"], job.variant, _state["paper"])
        Path(job.key).write_bytes(ak)
    except Exception as e:  # any failure becomes one line that names the student
        raise RenderError(f"could not render the PDFs of {job.who}: {type(e).__name__}: {e}") from None
    return Done(job.index, ws_pages, ak_pages)


def describe(variant: Variant) -> str:
    if variant.student is not None:
        name, sid = variant.student.name, variant.student.id
        return f"student {name + ' ' if name else ''}({sid}), variant {variant.variant}"
    return f"variant {variant.variant}"


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _pool_context() -> Any:
    """forkserver where available: workers fork from a clean server that has imported WeasyPrint
    once, not from the parent (whose progress-bar thread makes plain fork unsafe)."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["generator.render.worker"])
        return ctx
    return multiprocessing.get_context("spawn")


def run_jobs(
    jobs_list: list[Job],
    header: Key,
    paper: str,
    workers: int,
    progress: Callable[[int], None] | None,
    on_done: Callable[[Done], None] | None = None,
) -> list[Done]:
    """Render every job; in this process when workers == 1, else in a pool. Results in job order.

    ``on_done`` is called in this process for each finished job, in order of completion,
    while the others are still rendering (the print files are merged that way).
    """
    done: list[Done] = []
    from .pdf import warn_if_slow_subsetting

    warn_if_slow_subsetting()
    if workers <= 1:
        _init(header, paper, worker=False)
        for job in jobs_list:
            done.append(_run(job))
            if on_done:
                on_done(done[-1])
            if progress:
                progress(1)
        return done
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=_pool_context(), initializer=_init, initargs=(header, paper)
    ) as pool:
        pending: set[Future[Done]] = {pool.submit(_run, job) for job in jobs_list}
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    try:
                        done.append(fut.result())  # re-raises the worker's RenderError
                    except BrokenProcessPool as e:
                        raise RenderError(
                            f"a render process stopped unexpectedly ({e}); if you call render_pack from a "
                            "script, guard it with if __name__ == '__main__', or pass jobs=1"
                        ) from None
                    if on_done:
                        on_done(done[-1])
                    if progress:
                        progress(1)
        except BaseException:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    done.sort(key=lambda d: d.index)
    return done


def _check(key: Key, paper: str) -> None:
    from .pdf import PAPER_SIZES

    if paper not in PAPER_SIZES:
        raise RenderError(f"unknown paper size {paper!r}; use a4 or letter")
    if not key.variants:
        raise RenderError("the answer key has no variants; nothing to render")


def render_pack(
    key: Key,
    dest: Path,
    *,
    paper: str = "a4",
    duplex: bool = False,
    key_per_student: bool = False,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Path]:
    """Write every PDF of a pack into ``dest`` and return their paths (see docs/rendering.md)."""
    _check(key, paper)
    variants = key.variants
    dest = Path(dest)
    sheets_dir = dest / "worksheets"
    sheets_dir.mkdir(parents=True, exist_ok=True)
    stems = unique_stems(variants)
    written = [sheets_dir / f"{stem}.pdf" for stem in stems]
    written += _render_all(key, dest, stems, sheets_dir, paper, duplex, key_per_student, jobs, progress)
    return written


def render_keys(
    key: Key,
    dest: Path,
    *,
    paper: str = "a4",
    duplex: bool = False,
    per_student: bool = False,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Path, list[Path]]:
    """Only the answer keys: ``dest/answer-key.pdf`` and, with per_student, ``dest/answer-keys/*.pdf``."""
    _check(key, paper)
    dest = Path(dest)
    stems = unique_stems(key.variants)
    paths = _render_all(key, dest, stems, None, paper, duplex, per_student, jobs, progress)
    return paths[0], paths[1:]


def _render_all(
    key: Key,
    dest: Path,
    stems: list[str],
    sheets_dir: Path | None,
    paper: str,
    duplex: bool,
    key_per_student: bool,
    jobs: int | None,
    progress: Callable[[int], None] | None,
) -> list[Path]:
    """Render and merge the print files; returns [worksheets.pdf,] answer-key.pdf[, per-variant keys]."""
    from .merge import PrintFile

    variants = key.variants
    keys_dir = dest / ("answer-keys" if key_per_student else PARTS_DIR)
    keys_dir.mkdir(parents=True, exist_ok=True)
    header = msgspec.structs.replace(key, variants=[], secret=None)  # what every job shares; never the secret
    jobs_list = [
        Job(
            i,
            describe(v),
            v,
            None if sheets_dir is None else str(sheets_dir / f"{stem}.pdf"),
            str(keys_dir / f"{stem}.pdf"),
        )
        for i, (v, stem) in enumerate(zip(variants, stems, strict=True))
    ]
    workers = max(1, min(jobs or default_jobs(), len(jobs_list)))

    def bookmark(v: Variant) -> str:
        student = (v.student.name, v.student.id) if v.student else ()
        return " · ".join(s for s in (v.variant, *student) if s)

    # The print files are written while the workers render: each part is appended as soon as
    # it and every part before it are ready, so merging overlaps rendering instead of following it.
    title, pack = key.title, key.pack
    n = len(jobs_list)
    sheets_file = None if sheets_dir is None else PrintFile(dest / "worksheets.pdf", count=n, duplex=duplex)
    key_file = PrintFile(dest / "answer-key.pdf", count=n, duplex=duplex)
    ready: dict[int, Done] = {}
    merged = 0

    def merge_ready(d: Done) -> None:
        nonlocal merged
        ready[d.index] = d
        while merged in ready:
            job = jobs_list[merged]
            del ready[merged]
            if sheets_file is not None:
                sheets_file.add(Path(str(job.worksheet)), bookmark(job.variant))
            key_file.add(Path(job.key), bookmark(job.variant))
            merged += 1

    try:
        run_jobs(jobs_list, header, paper, workers, progress, on_done=merge_ready)
        written: list[Path] = []
        if sheets_file is not None:
            sheets_file.close({"/Title": f"{title}: worksheets of {pack}", "/Subject": "Print file of all worksheets",
                               f"/{METADATA_PACK}": pack})  # fmt: skip
            written.append(sheets_file.target)
        key_file.close({"/Title": f"{title}: answer key of {pack}", "/Subject": "Answer keys of all variants",
                        f"/{METADATA_PACK}": pack})  # fmt: skip
        written.append(key_file.target)
    except BaseException:
        for f in (sheets_file, key_file):
            if f is not None:
                f.abort()
        raise
    if key_per_student:
        written += [Path(j.key) for j in jobs_list]
    else:
        shutil.rmtree(keys_dir, ignore_errors=True)
    return written
