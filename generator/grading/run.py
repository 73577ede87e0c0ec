"""grade_files: key + submission files -> the --out folder, written all at once or not at all.

Everything is written into a hidden temporary folder next to --out and renamed into place
at the end, so an error (or Ctrl-C) never leaves half a gradebook; an existing --out is only
replaced with ``force``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..answer_key import read_key
from ..lms.gradebooks import FILES as LMS_FILES
from ..lms.gradebooks import write as lms_gradebook
from ..lms.responses import read_lms_files
from ..network import SpecError
from .feedback import feedback_context, file_stem
from .grade import Grading, grade_key
from .gradebook import answers_csv, gradebook_csv, issues_csv
from .report import report_context
from .submissions import read_all

Progress = Callable[[int, int], None]  # (done, total) while rendering feedback PDFs


class NothingGraded(SpecError):
    """No submission could be graded; the message names the first problems."""


@dataclass
class GradeRun:
    grading: Grading
    out: Path
    files: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    gradebooks: tuple[str, ...] = ()  # LMS gradebook files to write too: canvas, moodle
    assignment: str = ""


def check_out(out: Path, force: bool) -> None:
    """Refuse early (before any work) to replace an existing, non-empty --out without --force.

    Even with --force only an earlier grading output (it has a gradebook.csv) is replaced:
    a mistyped --out must never delete an unrelated folder.
    """
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file; give a folder for --out")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise FileExistsError(f"{out} exists and is not empty; pass --force to replace it or choose another --out")
        if not (out / "gradebook.csv").is_file() or out.resolve() in (Path.cwd().resolve(), Path.home().resolve()):
            raise FileExistsError(f"{out} is not an earlier grading output (no gradebook.csv); choose another --out")


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
) -> GradeRun:
    """Grade every submission in ``submissions`` (files or folders) and write the --out folder."""
    if not 0.0 <= ecf_credit <= 1.0:
        raise SpecError(f"--ecf-credit {ecf_credit} is outside 0..1; use e.g. 1 (full) or 0.5 (half)")
    out = Path(out)
    check_out(out, force)
    t0 = time.perf_counter()
    key = read_key(key_path, part="grading")
    t_key = time.perf_counter()
    lms_subs, lms_issues, rest = read_lms_files(submissions, key)
    subs, read_issues = read_all(rest) if rest else ([], [])
    subs[:0], read_issues[:0] = lms_subs, lms_issues
    grading = grade_key(key, subs, ecf_credit)
    grading.issues[:0] = read_issues
    t_grade = time.perf_counter()
    if not grading.graded:
        first = "; ".join(i.message for i in grading.issues[:3]) or "the files hold no submissions (only headers?)"
        raise NothingGraded(f"nothing could be graded: {first}")
    run = GradeRun(
        grading, out, gradebooks=tuple(gradebooks), assignment=assignment or str(key.get("title") or key["pack"])
    )
    write_outputs(run, force=force, pdf=pdf, jobs=jobs, progress=progress)
    run.seconds = {
        "key": t_key - t0, "grading": t_grade - t_key, "writing": time.perf_counter() - t_grade,
        "total": time.perf_counter() - t0,
    }  # fmt: skip
    return run


def write_outputs(
    run: GradeRun, *, force: bool, pdf: bool = True, jobs: int | None = None, progress: Progress | None = None
) -> None:
    """gradebook.csv, answers.csv, issues.csv (when there are issues), feedback/*.pdf and report.pdf."""
    out, grading = run.out, run.grading
    check_out(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the gradebook folder is an ordinary one
    try:
        (tmp / "gradebook.csv").write_text(gradebook_csv(grading), encoding="utf-8")
        (tmp / "answers.csv").write_text(answers_csv(grading), encoding="utf-8")
        for which in run.gradebooks:
            (tmp / LMS_FILES[which]).write_text(lms_gradebook(grading, which, run.assignment), encoding="utf-8")
        if grading.issues:
            (tmp / "issues.csv").write_text(issues_csv(grading.issues), encoding="utf-8")
        if pdf:
            render_feedback(grading, tmp / "feedback", jobs=jobs, progress=progress)
            (tmp / "report.pdf").write_bytes(report_pdf(grading))
        names = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    run.files = [out / n for n in names]


def _swap_in(tmp: Path, final: Path) -> None:
    """Replace ``final`` by the finished ``tmp`` folder with renames only."""
    old: Path | None = None
    if final.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old.", dir=final.parent))
        final.rename(old / final.name)
    tmp.rename(final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _html_pdf(template: str, ctx: dict[str, Any]) -> bytes:
    from ..render.pdf import html_to_pdf
    from ..render.templating import render_template

    return html_to_pdf(render_template(template, **ctx), forms=False)


def feedback_pdf(ctx: dict[str, Any]) -> bytes:
    return _html_pdf("grading/feedback.html.j2", ctx)


def report_pdf(grading: Grading) -> bytes:
    return _html_pdf("grading/report.html.j2", report_context(grading))


def render_feedback(grading: Grading, dest: Path, *, jobs: int | None = None, progress: Progress | None = None) -> None:
    """One PDF per graded submission, rendered in ``jobs`` processes (default: all cores)."""
    dest.mkdir(parents=True, exist_ok=True)
    names = _unique_names(grading)
    contexts = [feedback_context(g, grading.key, grading.ecf_credit) for g in grading.graded]
    # A worker pays about a second to start WeasyPrint; without --jobs, use one per 8 PDFs at most.
    workers = min(jobs, len(contexts)) if jobs else min(os.cpu_count() or 1, len(contexts) // 8)
    if workers <= 1:
        _write_all(dest, names, map(feedback_pdf, contexts), progress)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        chunk = max(1, min(16, len(contexts) // (4 * workers)))
        _write_all(dest, names, pool.map(feedback_pdf, contexts, chunksize=chunk), progress)


def _write_all(dest: Path, names: list[str], results: Iterable[bytes], progress: Progress | None) -> None:
    for i, (name, data) in enumerate(zip(names, results, strict=True), start=1):
        (dest / f"{name}.pdf").write_bytes(data)
        if progress:
            progress(i, len(names))


def _unique_names(grading: Grading) -> list[str]:
    seen: set[str] = set()
    out = []
    for g in grading.graded:
        name = file_stem(g)
        if name.lower() in seen:
            name = f"{name}-{g.code}"
        seen.add(name.lower())
        out.append(name)
    return out
