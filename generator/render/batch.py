"""A whole class: one worksheet and one answer key per variant, rendered in long-lived workers.

Each worker process keeps one WeasyPrint engine (fonts registered and stylesheets parsed
once) and renders variant after variant, writing its PDFs straight to disk; the parent only
passes small job records in and page counts out, then concatenates the print files with a
streaming writer (merge.py). One giant HTML for the class would be slower and hold ~2.5 MB
of layout per page.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from ..errors import UserError
from ..naming import document_title
from ..records import Key, Variant
from .context import key_context, unique_stems, worksheet_context
from .merge import METADATA_PACK, METADATA_STUDENT, METADATA_VARIANT
from .numberstyle import number_style
from .pool import default_jobs, pool_context
from .templating import render_template

PARTS_DIR = ".key-parts"


class RenderError(UserError):
    """A variant could not be rendered; the message names the student or variant."""


@dataclass(frozen=True)
class Job:
    """One student's documents: the worksheet and/or the worked solution."""

    index: int
    who: str  # 'student Ada Lovelace (s123), variant K7M-2QX' for error messages
    variant: Variant
    worksheet: str | None  # None: no worksheet
    solution: str | None  # None: no worked solution
    advance: int = 1  # progress ticks
    extra: tuple[tuple[str, str], ...] = ()  # (writer name, PDF path) of plug-in variant writers


@dataclass(frozen=True)
class MarkJob:
    """Some groups of equal variants, laid out as one marking-key document (see marking.py)."""

    index: int
    groups: list[list[Variant]]
    path: str
    first: bool
    total: int  # variants in the pack
    advance: int = 0


@dataclass(frozen=True)
class Done:
    index: int
    worksheet_pages: int
    key_pages: int
    advance: int = 1
    marking: bool = False


# Per-process state of a worker (set by _init; the in-process path sets it too).
_state: dict[str, Any] = {}


def _init(header: Key, paper: str, worker: bool = True, stamp: bool = False) -> None:
    """Set up a render process; ``stamp``: the pack has several worksheets (see render_worksheet)."""
    from . import pdf
    from .pdf import engine

    if worker:
        from ..processes import worker_started

        worker_started()
        pdf._warned = True  # the parent has said it once already
        if engine.cache_info().currsize == 0:
            # a spawned worker (no fork server to inherit the engine from) owns its engine's
            # temporary copy of the fonts: workers skip atexit, so free it at the worker's exit
            from multiprocessing.util import Finalize

            Finalize(None, pdf._drop_engine, exitpriority=10)

    _state["header"] = header
    _state["paper"] = paper
    _state["stamp"] = stamp
    eng = engine()
    eng.stylesheets("worksheet", paper)  # parse the CSS and register the fonts before the first job
    eng.stylesheets("answer-key", paper)
    eng.stylesheets("marking-key", paper)


def _meta(key: Key, variant: Variant) -> dict[str, str]:
    meta = {METADATA_VARIANT: variant.variant, METADATA_PACK: key.pack}
    if variant.student is not None:
        meta[METADATA_STUDENT] = variant.student.id
    return meta


def render_worksheet(key: Key, variant: Variant, paper: str, *, stamp: bool | None = None) -> tuple[bytes, int]:
    """(PDF, pages) of one variant's fillable worksheet, in this process.

    ``stamp``: lay out the question pages after page 1 once per process and stamp them on this
    student's copy (render/stamp.py: the same pages, about 40 % less CPU); None: when the pack
    has more than one variant. The worksheet is laid out whole where stamping does not apply:
    tagged PDF, a sheet whose page 1 does not hold the student's own part (4-4-4-4-3), a student
    whose page 1 does not hold what the layout model planned.
    """
    from .pdf import engine

    meta = _meta(key, variant)
    if stamp is None:
        stamp = len(key.variants) > 1
    ctx = worksheet_context(key, variant, paper, split=stamp and not key.printing.tagged)
    if ctx["shared"]:
        from .context import split_questions
        from .stamp import render_stamped

        stamped = render_stamped(key, variant, paper, ctx, meta)
        if stamped is not None:
            return stamped
        split_questions(ctx["problems"], None)  # the whole sheet, as WeasyPrint breaks it
    eng = engine()
    html = number_style(render_template("worksheet.html.j2", **ctx), key, [variant])
    return eng.render(
        html, stylesheets=eng.stylesheets("worksheet", paper), forms=True, metadata=meta, xml=True,
        tagged=key.printing.tagged,
    )  # fmt: skip


def render_key(key: Key, variant: Variant, paper: str) -> tuple[bytes, int]:
    """(PDF, pages) of one variant's worked answer key, in this process."""
    from .pdf import engine

    eng = engine()
    html = number_style(render_template("answer-key.html.j2", **key_context(key, variant, paper)), key, [variant])
    return eng.render(
        html, stylesheets=eng.stylesheets("answer-key", paper), metadata=_meta(key, variant), xml=True,
        tagged=key.printing.tagged,
    )  # fmt: skip


def render_marking(
    key: Key, groups: list[list[Variant]], paper: str, *, first: bool = True, total: int = 0
) -> tuple[bytes, int]:
    """(PDF, pages) of the marking key of some groups of equal variants, in this process."""
    from .marking import marking_context
    from .pdf import engine

    eng = engine()
    ctx = marking_context(key, groups, paper, first=first, total=total or sum(map(len, groups)))
    html = number_style(render_template("marking-key.html.j2", **ctx), key, [v for g in groups for v in g])
    meta = {"title": document_title(key.title, f"marking key of {key.pack}"), METADATA_PACK: key.pack}
    return eng.render(
        html, stylesheets=eng.stylesheets("marking-key", paper), metadata=meta, xml=True, tagged=key.printing.tagged
    )


def _culprit(job: MarkJob) -> str:
    """The student(s) whose block of a failed marking-key chunk cannot be laid out."""
    from .marking import marking_context

    for group in job.groups:
        try:
            render_template("marking-key.html.j2", **marking_context(_state["header"], [group], total=job.total))
        except Exception:
            return " and ".join(describe(v) for v in group[:3]) + (" and others" if len(group) > 3 else "")
    return "variants " + ", ".join(g[0].variant for g in job.groups)


def _run(job: Job | MarkJob) -> Done:
    if isinstance(job, MarkJob):
        try:
            mk, mk_pages = render_marking(
                _state["header"], job.groups, _state["paper"], first=job.first, total=job.total
            )
            Path(job.path).write_bytes(mk)
        except Exception as e:
            raise RenderError(f"could not render the marking key of {_culprit(job)}: {type(e).__name__}: {e}") from None
        return Done(job.index, 0, mk_pages, job.advance, marking=True)
    try:
        ws_pages = ak_pages = 0
        if job.worksheet is not None:
            ws, ws_pages = render_worksheet(_state["header"], job.variant, _state["paper"], stamp=_state["stamp"])
            Path(job.worksheet).write_bytes(ws)
        if job.solution is not None:
            ak, ak_pages = render_key(_state["header"], job.variant, _state["paper"])
            Path(job.solution).write_bytes(ak)
        for name, path in job.extra:
            from ..writers import variant_writer

            pdf, _ = variant_writer(name).render(_state["header"], job.variant, _state["paper"])
            Path(path).write_bytes(pdf)
    except OSError:
        raise  # a full disk or a read-only folder is about the output, not the student
    except Exception as e:  # any failure becomes one line that names the student
        raise RenderError(f"could not render the PDFs of {job.who}: {type(e).__name__}: {e}") from None
    return Done(job.index, ws_pages, ak_pages, job.advance)


def describe(variant: Variant) -> str:
    if variant.student is not None:
        name, sid = variant.student.name, variant.student.id
        return f"student {name + ' ' if name else ''}({sid}), variant {variant.variant}"
    return f"variant {variant.variant}"


def run_jobs(
    jobs_list: list[Job | MarkJob],
    header: Key,
    paper: str,
    workers: int,
    progress: Callable[[int], None] | None,
    on_done: Callable[[Done], None] | None = None,
    stamp: bool = False,
) -> list[Done]:
    """Render every job; in this process when workers == 1, else in a pool. Results in job order.

    ``on_done`` is called in this process for each finished job, in order of completion,
    while the others are still rendering (the print files are merged that way). ``stamp``:
    worksheets share their question pages (render_worksheet), as when there are several.
    """
    done: list[Done] = []
    from .pdf import warn_if_slow_subsetting

    warn_if_slow_subsetting()
    if workers <= 1:
        _init(header, paper, worker=False, stamp=stamp)
        for job in jobs_list:
            done.append(_run(job))
            if on_done:
                on_done(done[-1])
            if progress and done[-1].advance:
                progress(done[-1].advance)
        return done
    from ..errors import deferred_signals
    from ..processes import ready

    # A signal while a worker is still unpickling its start-up state makes it print a
    # traceback (its semaphores are gone): hold signals until every worker has started.
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=pool_context(), initializer=_init, initargs=(header, paper, True, stamp)
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
                    if progress and done[-1].advance:
                        progress(done[-1].advance)
        except BaseException:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    done.sort(key=lambda d: (d.marking, d.index))
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
    duplex: bool = True,
    solutions: bool = False,
    key_per_student: bool = False,
    decimal_comma: bool | None = None,
    tagged: bool | None = None,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Path]:
    """Write every PDF of a pack into ``dest`` and return their paths (see docs/rendering.md).

    Runs the output writers of generator/writers/: worksheets/<stem>.pdf, worksheets.pdf
    (``duplex``: each student starts on a new sheet), answer-key.pdf (the marking key) and,
    with ``solutions`` (``key_per_student`` is its old name), solutions/<stem>.pdf. It writes
    into ``dest`` directly; ``generate`` gives it a staging folder (generator/transaction.py).
    ``decimal_comma`` and ``tagged`` (None: as ``key.printing`` says) print every number with a
    decimal comma and write tagged PDF/UA-1.
    """
    from ..writers import OutputOptions, write_pack

    options = OutputOptions(
        paper=paper, duplex=duplex, solutions=solutions or key_per_student, jobs=jobs, decimal_comma=decimal_comma,
        tagged=tagged,
    )  # fmt: skip
    return write_pack(key, Path(dest), options, progress)


def render_keys(
    key: Key,
    dest: Path,
    *,
    paper: str = "a4",
    marking: bool = True,
    solutions: bool = False,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Path]:
    """Only the keys: ``dest/answer-key.pdf`` (the marking key) and/or ``dest/solutions/*.pdf``."""
    _check(key, paper)
    return _render_all(
        key, Path(dest), worksheets=False, marking=marking, solutions=solutions,
        paper=paper, duplex=False, jobs=jobs, progress=progress,
    )  # fmt: skip


def _render_all(
    key: Key,
    dest: Path,
    *,
    worksheets: bool,
    marking: bool,
    solutions: bool,
    paper: str,
    duplex: bool,
    jobs: int | None,
    progress: Callable[[int], None] | None,
    extra: tuple[tuple[str, str], ...] = (),
    print_file: bool = True,
    stages: Callable[[str, int, int], None] | None = None,
) -> list[Path]:
    """Render the documents asked for and merge the print files; returns every path written.

    ``extra``: (name, folder) of plug-in variant writers (generator/writers/), rendered in the
    same pass into <dest>/<folder>/<stem>.pdf. ``print_file``: join the worksheets into
    worksheets.pdf (False when a later writer joins it, e.g. after adding answer sheets).
    ``progress`` counts the variants whose documents are done (the marking key's when it is
    the only output); ``stages`` (stage, done, total) also hears of the marking key's variants.
    """
    from .fonts import warn_missing_glyphs
    from .marking import CHUNK, group_variants
    from .merge import PrintFile

    variants = key.variants
    warn_missing_glyphs(variants)
    stems = unique_stems(variants)
    sheets_dir, solutions_dir, parts_dir = dest / "worksheets", dest / "solutions", dest / PARTS_DIR
    for d, on in ((sheets_dir, worksheets), (solutions_dir, solutions), (parts_dir, marking)):
        if on:
            d.mkdir(parents=True, exist_ok=True)
    header = msgspec.structs.replace(key, variants=[], secret=None)  # what every job shares; never the secret
    for _, folder in extra:
        (dest / folder).mkdir(parents=True, exist_ok=True)
    per_student = worksheets or solutions or bool(extra)
    jobs_list: list[Job | MarkJob] = []
    if marking:
        groups = group_variants(variants)
        chunks = [groups[i : i + CHUNK] for i in range(0, len(groups), CHUNK)]
        for c, chunk in enumerate(chunks):
            jobs_list.append(MarkJob(
                c, chunk, str(parts_dir / f"{c:05d}.pdf"), first=c == 0, total=len(variants),
                advance=sum(len(g) for g in chunk),
            ))  # fmt: skip
    n_marks = len(jobs_list)
    if per_student:
        for i, (v, stem) in enumerate(zip(variants, stems, strict=True)):
            jobs_list.append(Job(
                i, describe(v), v,
                str(sheets_dir / f"{stem}.pdf") if worksheets else None,
                str(solutions_dir / f"{stem}.pdf") if solutions else None,
                extra=tuple((name, str(dest / folder / f"{stem}.pdf")) for name, folder in extra),
            ))  # fmt: skip
    workers = max(1, min(jobs or default_jobs(), len(jobs_list)))

    def bookmark(v: Variant) -> str:
        student = (v.student.name, v.student.id) if v.student else ()
        return " · ".join(s for s in (v.variant, *student) if s)

    # The print files are written while the workers render: each part is appended as soon as
    # it and every part before it are ready, so merging overlaps rendering instead of following it.
    title, pack = key.title, key.pack
    sheets_file = (
        PrintFile(dest / "worksheets.pdf", count=len(variants), duplex=duplex) if worksheets and print_file else None
    )
    key_file = PrintFile(dest / "answer-key.pdf", count=n_marks, tagged=key.printing.tagged) if marking else None
    ready: dict[tuple[bool, int], Done] = {}
    merged = {True: 0, False: 0}
    marked = 0

    def merge_ready(d: Done) -> None:
        nonlocal marked
        if d.marking and per_student:  # the bar counts students; the marking key has its own
            marked += d.advance
            if stages:
                stages("Marking key", marked, len(variants))
        elif progress and d.advance:
            progress(d.advance)
        ready[(d.marking, d.index)] = d
        for is_mark, out in ((True, key_file), (False, sheets_file)):
            while (is_mark, merged[is_mark]) in ready:
                i = merged[is_mark]
                del ready[(is_mark, i)]
                if out is not None and is_mark:
                    mj = jobs_list[i]
                    assert isinstance(mj, MarkJob)
                    out.add(Path(mj.path), mj.groups[0][0].variant)
                elif out is not None:
                    job = jobs_list[n_marks + i]
                    assert isinstance(job, Job)
                    out.add(Path(str(job.worksheet)), bookmark(job.variant))
                merged[is_mark] += 1

    written: list[Path] = []
    try:
        if stages and marking and per_student:
            stages("Marking key", 0, len(variants))
        run_jobs(jobs_list, header, paper, workers, None, on_done=merge_ready, stamp=len(variants) > 1)
        if sheets_file is not None:
            sheets_file.close({"/Title": document_title(title, f"worksheets of {pack}"),
                               "/Subject": "Print file of all worksheets", f"/{METADATA_PACK}": pack})  # fmt: skip
            written.append(sheets_file.target)
        if key_file is not None:
            key_file.close({"/Title": document_title(title, f"marking key of {pack}"),
                            "/Subject": "Final answers and accepted ranges of every variant",
                            f"/{METADATA_PACK}": pack})  # fmt: skip
            written.append(key_file.target)
    except BaseException:
        for f in (sheets_file, key_file):
            if f is not None:
                f.abort()
        raise
    finally:
        shutil.rmtree(parts_dir, ignore_errors=True)
    if worksheets:
        written += [sheets_dir / f"{stem}.pdf" for stem in stems]
    if solutions:
        written += [solutions_dir / f"{stem}.pdf" for stem in stems]
    for _, folder in extra:
        written += [dest / folder / f"{stem}.pdf" for stem in stems]
    return written
