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
from typing import TYPE_CHECKING, Any

from ..errors import UserError
from .context import key_context, unique_stems, worksheet_context
from .merge import METADATA_PACK, METADATA_STUDENT, METADATA_VARIANT
from .templating import render_template

if TYPE_CHECKING:
    from ..writers import OutputOptions, VariantWriter


class RenderError(UserError):
    """A variant could not be rendered; the message names the student or variant."""


@dataclass(frozen=True)
class Job:
    index: int
    who: str  # 'student Ada Lovelace (s123), variant K7M-2QX' for error messages
    variant: dict[str, Any]
    outputs: tuple[tuple[str, str], ...]  # (writer name, PDF path) for each variant writer


@dataclass(frozen=True)
class Done:
    index: int
    pages: tuple[int, ...]  # per output of the job


# Per-process state of a worker (set by _init; the in-process path sets it too).
_state: dict[str, Any] = {}


def _init(header: dict[str, Any], paper: str, worker: bool = True) -> None:
    from . import pdf
    from .pdf import engine

    if worker:
        from ..processes import worker_started

        worker_started()
        pdf._warned = True  # the parent has said it once already

    _state["header"] = header
    _state["paper"] = paper
    eng = engine()
    eng.stylesheets("worksheet", paper)  # parse the CSS and register the fonts before the first job
    eng.stylesheets("answer-key", paper)


def _meta(key: dict[str, Any], variant: dict[str, Any]) -> dict[str, str]:
    student = variant.get("student") or {}
    meta = {METADATA_VARIANT: variant["variant"], METADATA_PACK: key["pack"]}
    if student.get("id"):
        meta[METADATA_STUDENT] = str(student["id"])
    return meta


def render_worksheet(key: dict[str, Any], variant: dict[str, Any], paper: str) -> tuple[bytes, int]:
    """(PDF, pages) of one variant's fillable worksheet, in this process."""
    from .pdf import engine

    eng = engine()
    html = render_template("worksheet.html.j2", **worksheet_context(key, variant, paper))
    return eng.render(
        html, stylesheets=eng.stylesheets("worksheet", paper), forms=True, metadata=_meta(key, variant), xml=True
    )


def render_key(key: dict[str, Any], variant: dict[str, Any], paper: str) -> tuple[bytes, int]:
    """(PDF, pages) of one variant's worked answer key, in this process."""
    from .pdf import engine

    eng = engine()
    html = render_template("answer-key.html.j2", **key_context(key, variant))
    return eng.render(html, stylesheets=eng.stylesheets("answer-key", paper), metadata=_meta(key, variant), xml=True)


def _run(job: Job) -> Done:
    from ..writers import VariantWriter, get

    pages = []
    try:
        for name, path in job.outputs:
            writer = get(name)
            assert isinstance(writer, VariantWriter)
            pdf, n = writer.render(_state["header"], job.variant, _state["paper"])
            Path(path).write_bytes(pdf)
            pages.append(n)
    except OSError:
        raise  # a full disk or a read-only folder is about the output, not the student
    except Exception as e:  # any other failure becomes one line that names the student
        raise RenderError(f"could not render the PDFs of {job.who}: {type(e).__name__}: {e}") from None
    return Done(job.index, tuple(pages))


def describe(variant: dict[str, Any]) -> str:
    student = variant.get("student") or {}
    name, sid = student.get("name") or "", student.get("id") or ""
    if sid:
        return f"student {name + ' ' if name else ''}({sid}), variant {variant['variant']}"
    return f"variant {variant['variant']}"


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
    header: dict[str, Any],
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
    from ..errors import deferred_signals
    from ..processes import ready

    # A signal while a worker is still unpickling its start-up state makes it print a
    # traceback (its semaphores are gone): hold signals until every worker has started.
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=_pool_context(), initializer=_init, initargs=(header, paper)
    )
    try:
        with deferred_signals():
            wait([pool.submit(ready) for _ in range(2 * workers)])
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    with pool:
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


def _check(key: dict[str, Any], paper: str) -> None:
    from .pdf import PAPER_SIZES

    if paper not in PAPER_SIZES:
        raise RenderError(f"unknown paper size {paper!r}; use a4 or letter")
    if not key["variants"]:
        raise RenderError("the answer key has no variants; nothing to render")


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
    """Write every PDF of a pack into ``dest`` and return their paths (see docs/rendering.md).

    The library call behind ``generate``: it runs the output writers of generator/writers/
    that are on by default. It writes into ``dest`` directly; ``generate`` gives it a staging
    folder and swaps the result into place (generator/transaction.py).
    """
    from ..writers import OutputOptions, write_pack

    options = OutputOptions(paper=paper, duplex=duplex, key_per_student=key_per_student, jobs=jobs)
    return write_pack(key, Path(dest), options, progress)


def render_variants(
    key: dict[str, Any],
    dest: Path,
    writers: list[VariantWriter],
    options: OutputOptions,
    progress: Callable[[int], None] | None = None,
) -> list[Path]:
    """Render each variant writer's PDFs, one pool pass, and join each into its print file.

    Returns the print files, then the per-variant files the writers keep; the others are
    rendered into hidden part folders and removed once joined.
    """
    from .merge import PrintFile

    _check(key, options.paper)
    variants: list[dict[str, Any]] = key["variants"]
    dest = Path(dest)
    stems = unique_stems(variants)
    folders = [dest / (w.folder if w.keep(options) else f".parts-{w.folder}") for w in writers]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    header = {k: v for k, v in key.items() if k != "variants"}
    jobs_list = [
        Job(
            i,
            describe(v),
            v,
            tuple((w.name, str(folder / f"{stem}.pdf")) for w, folder in zip(writers, folders, strict=True)),
        )
        for i, (v, stem) in enumerate(zip(variants, stems, strict=True))
    ]
    workers = max(1, min(options.jobs or default_jobs(), len(jobs_list)))

    def bookmark(v: dict[str, Any]) -> str:
        student = v.get("student") or {}
        return " · ".join(str(s) for s in (v["variant"], student.get("name"), student.get("id")) if s)

    # The print files are written while the workers render: each part is appended as soon as
    # it and every part before it are ready, so merging overlaps rendering instead of following it.
    title, pack = key.get("title", ""), key["pack"]
    n = len(jobs_list)
    prints = [
        None if w.print_file is None else PrintFile(dest / w.print_file, count=n, duplex=options.duplex)
        for w in writers
    ]
    ready: dict[int, Done] = {}
    merged = 0

    def merge_ready(d: Done) -> None:
        nonlocal merged
        ready[d.index] = d
        while merged in ready:
            job = jobs_list[merged]
            del ready[merged]
            for print_file, (_, path) in zip(prints, job.outputs, strict=True):
                if print_file is not None:
                    print_file.add(Path(path), bookmark(job.variant))
            merged += 1

    written: list[Path] = []
    try:
        run_jobs(jobs_list, header, options.paper, workers, progress, on_done=merge_ready)
        for w, print_file in zip(writers, prints, strict=True):
            if print_file is not None:
                print_file.close({"/Title": f"{title}: {w.print_title} {pack}", "/Subject": f"Print file: {w.label}",
                                  f"/{METADATA_PACK}": pack})  # fmt: skip
                written.append(print_file.target)
    except BaseException:
        for print_file in prints:
            if print_file is not None:
                print_file.abort()
        raise
    for i, (w, folder) in enumerate(zip(writers, folders, strict=True)):
        if w.keep(options):
            written += [Path(j.outputs[i][1]) for j in jobs_list]
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return written
