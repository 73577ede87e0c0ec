"""grade_files: key + submission files -> the --out folder, written all at once or not at all.

Everything is written into a staging folder next to --out and swapped into place at the end
(generator/transaction.py), so an error, Ctrl-C or SIGTERM never leaves half a gradebook; an
existing --out is only replaced with ``force``, and only when it holds nothing but what
backprop-exam wrote there.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from ..answer_key import read_key
from ..errors import OutputExists, UserError
from ..lms.gradebooks import FILES as LMS_FILES
from ..lms.gradebooks import write as lms_gradebook
from ..lms.responses import read_lms_files
from ..network import SpecError
from .feedback import feedback_context
from .grade import Graded, Grading, grade_key
from .gradebook import answers_csv, gradebook_csv, issues_csv
from .report import report_context
from .submissions import read_all

Progress = Callable[[int, int], None]  # (done, total) while rendering feedback PDFs


class NothingGraded(UserError):
    """No submission could be graded; the message names the first problems."""


@dataclass
class GradeRun:
    grading: Grading
    out: Path
    files: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    gradebooks: tuple[str, ...] = ()  # LMS gradebook files to write too: canvas, moodle
    assignment: str = ""


# What earlier versions wrote into --out (before manifests): --force may replace these.
LEGACY_GRADE_FILES = (
    "gradebook.csv", "answers.csv", "issues.csv", "report.pdf", "feedback/*.pdf", "gradebook-*.csv",
)  # fmt: skip


def check_out(out: Path, force: bool) -> None:
    """Refuse early (before any work) to replace an existing, non-empty --out without --force.

    Even with --force only a folder that holds nothing but what backprop-exam wrote there
    (its manifest, generator/transaction.py) is replaced: a mistyped --out never deletes a
    teacher's files.
    """
    from ..transaction import check_replaceable

    if out.exists() and not out.is_dir() and not out.is_symlink():
        raise OutputExists(f"{out} is a file; give a folder for --out")
    check_replaceable(out, force=force, option="--out", legacy=LEGACY_GRADE_FILES, kind="grades")


def grade_files(
    key_path: str | Path,
    submissions: Sequence[str | Path],
    out: str | Path,
    *,
    ecf_credit: float = 1.0,
    force: bool = False,
    pdf: bool = True,
    jobs: int | None = None,
    progress: Progress | None = None,
    gradebooks: Sequence[str] = (),
    assignment: str = "",
    decimal_comma: bool | None = None,
    paper: str | None = None,
    stages: Callable[[str, int, int], None] | None = None,
) -> GradeRun:
    """Grade every submission in ``submissions`` (files or folders) and write the --out folder.

    ``progress`` (done, total) counts the feedback PDFs; ``stages`` (stage, done, total) hears
    of the report: total 0 while it renders, then 1 of 1.

    ``decimal_comma``: the feedback and report PDFs print numbers 0,5450 (True) or 0.5450
    (False); None: as the pack's worksheets were printed (the key's ``print``). ``paper``: a4 or
    letter for those PDFs; None: the pack's paper.
    """
    if paper not in (None, "a4", "letter"):
        raise SpecError(f"unknown paper {paper!r}; use a4 or letter")
    if not 0.0 <= ecf_credit <= 1.0:
        raise SpecError(f"--ecf-credit {ecf_credit} is outside 0..1; use e.g. 1 (full) or 0.5 (half)")
    out = Path(out)
    check_out(out, force)
    t0 = time.perf_counter()
    key = read_key(key_path)
    t_key = time.perf_counter()
    lms_subs, lms_issues, rest = read_lms_files(submissions, key)
    subs, read_issues = read_all(rest) if rest else ([], [])
    subs[:0], read_issues[:0] = lms_subs, lms_issues
    grading = grade_key(key, subs, ecf_credit)  # reads typed numbers as the worksheets were printed
    if decimal_comma is not None and decimal_comma != key.printing.decimal_comma:  # the PDFs print otherwise
        grading.key = msgspec.structs.replace(
            key, printing=msgspec.structs.replace(key.printing, decimal_comma=decimal_comma)
        )
    if paper is not None and paper != grading.key.printing.paper:
        grading.key = msgspec.structs.replace(
            grading.key,
            printing=msgspec.structs.replace(grading.key.printing, paper="letter" if paper == "letter" else "a4"),
        )
    grading.issues[:0] = read_issues
    t_grade = time.perf_counter()
    if not grading.graded:
        first = "; ".join(i.message for i in grading.issues[:3]) or "the files hold no submissions (only headers?)"
        raise NothingGraded(f"nothing could be graded: {first}")
    run = GradeRun(grading, out, gradebooks=tuple(gradebooks), assignment=assignment or key.title or key.pack)
    write_outputs(run, force=force, pdf=pdf, jobs=jobs, progress=progress, stages=stages)
    run.seconds = {
        "key": t_key - t0, "grading": t_grade - t_key, "writing": time.perf_counter() - t_grade,
        "total": time.perf_counter() - t0,
    }  # fmt: skip
    return run


def write_outputs(
    run: GradeRun,
    *,
    force: bool,
    pdf: bool = True,
    jobs: int | None = None,
    progress: Progress | None = None,
    stages: Callable[[str, int, int], None] | None = None,
) -> None:
    """gradebook.csv, answers.csv, issues.csv (when there are issues), feedback/*.pdf and report.pdf."""
    from ..transaction import Staging, write_manifest

    out, grading = run.out, run.grading
    check_out(out, force)
    with Staging(out.parent, out.name) as staging:
        tmp = staging.path(out.name)
        tmp.mkdir()
        (tmp / "gradebook.csv").write_text(gradebook_csv(grading), encoding="utf-8")
        (tmp / "answers.csv").write_text(answers_csv(grading), encoding="utf-8")
        for which in run.gradebooks:
            (tmp / LMS_FILES[which]).write_text(lms_gradebook(grading, which, run.assignment), encoding="utf-8")
        if grading.issues:
            (tmp / "issues.csv").write_text(issues_csv(grading.issues), encoding="utf-8")
        if pdf:
            warn_missing_glyphs(grading)  # names print in the feedback and the report
            render_feedback(grading, tmp / "feedback", jobs=jobs, progress=progress)
            if stages:
                stages("Report", 0, 0)
            (tmp / "report.pdf").write_bytes(report_pdf(grading))
            if stages:
                stages("Report", 1, 1)
        names = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
        write_manifest(tmp, "grades")
        check_out(out, force)  # again: the folder may have changed while we graded
        staging.replace(tmp, out)
        staging.commit()
    run.files = [out / n for n in names]


def _html_pdf(
    template: str, ctx: dict[str, Any], keep: Sequence[str] | None = None, tagged: bool = False, paper: str = "a4"
) -> bytes:
    from ..render.numberstyle import decimal_comma
    from ..render.pdf import html_to_pdf
    from ..render.templating import render_template

    html = render_template(template, **ctx)
    return html_to_pdf(html if keep is None else decimal_comma(html, keep), forms=False, tagged=tagged, paper=paper)


def feedback_pdf(
    ctx: dict[str, Any], keep: Sequence[str] | None = None, tagged: bool = False, paper: str = "a4"
) -> bytes:
    """One student's feedback PDF; with ``keep`` (not None) every number has a decimal comma, but
    not the ``keep`` strings (names, ids, what the student typed: render/numberstyle.py);
    ``tagged``: tagged PDF/UA-1, and ``paper``, as the pack's worksheets (the key's ``print``)."""
    return _html_pdf("grading/feedback.html.j2", ctx, keep, tagged, paper)


def report_pdf(grading: Grading) -> bytes:
    ctx = report_context(grading)
    printing = grading.key.printing
    return _html_pdf("grading/report.html.j2", ctx, _report_keep(grading), printing.tagged, printing.paper)


def _feedback_keep(grading: Grading, g: Graded) -> tuple[str, ...] | None:
    """What a decimal-comma feedback PDF must print as it is; None: the pack prints a decimal point."""
    from ..render.numberstyle import people_text

    key = grading.key
    if not key.printing.decimal_comma:
        return None
    typed = [m.entry.text for m in g.marks if not m.entry.readable]  # shown exactly as typed
    return (*people_text(key), g.code, g.student_id or "", g.name or "", *typed)


def _report_keep(grading: Grading) -> tuple[str, ...] | None:
    from ..render.numberstyle import people_text

    key = grading.key
    if not key.printing.decimal_comma:
        return None
    people = [s for g in grading.graded for s in (g.code, g.student_id or "", g.name or "")]
    return (*people_text(key), *people, *(i.message for i in grading.issues))


def warn_missing_glyphs(grading: Grading) -> list[str]:
    """One warning line (stderr) per graded student whose name or id no installed font can draw."""
    from ..render.fonts import warn_names

    return warn_names(
        (f"student {g.name} ({g.student_id})" if g.student_id else f"variant {g.code}", f"{g.name}{g.student_id}")
        for g in grading.graded
    )


def render_feedback(grading: Grading, dest: Path, *, jobs: int | None = None, progress: Progress | None = None) -> None:
    """One PDF per graded submission, rendered in ``jobs`` processes (default: all cores)."""
    dest.mkdir(parents=True, exist_ok=True)
    names = _unique_names(grading)
    if progress:  # the bar shows (and its clock runs) while the workers start, before the first PDF
        progress(0, len(names))
    contexts = [feedback_context(g, grading.key, grading.ecf_credit) for g in grading.graded]
    keeps = [_feedback_keep(grading, g) for g in grading.graded]
    tagged = [grading.key.printing.tagged] * len(contexts)
    papers = [grading.key.printing.paper] * len(contexts)
    # A worker pays about a second to start WeasyPrint; without --jobs, use one per 8 PDFs at most.
    workers = min(jobs, len(contexts)) if jobs else min(os.cpu_count() or 1, len(contexts) // 8)
    if workers <= 1:
        _write_all(dest, names, map(feedback_pdf, contexts, keeps, tagged, papers), progress)
        return
    from ..processes import worker_started

    pool = ProcessPoolExecutor(max_workers=workers, initializer=worker_started)
    try:
        chunk = max(1, min(16, len(contexts) // (4 * workers)))
        _write_all(dest, names, pool.map(feedback_pdf, contexts, keeps, tagged, papers, chunksize=chunk), progress)
    except BaseException:  # Ctrl-C, SIGTERM, a full disk: drop the queued PDFs, end the workers
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _write_all(dest: Path, names: list[str], results: Iterable[bytes], progress: Progress | None) -> None:
    for i, (name, data) in enumerate(zip(names, results, strict=True), start=1):
        (dest / f"{name}.pdf").write_bytes(data)
        if progress:
            progress(i, len(names))


def _unique_names(grading: Grading) -> list[str]:
    """feedback/<student>.pdf: the one naming function of every output (generator/naming.py)."""
    from ..naming import unique_file_stems

    return unique_file_stems([(g.student_id or "", g.code) for g in grading.graded])
