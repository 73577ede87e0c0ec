"""The 'grade' command: parse options, call grade_files, print the summary."""

from __future__ import annotations

from pathlib import Path

import click

from ..clickbase import Command
from ..errors import UserError


def check_argument_order(key_file: str, submissions: tuple[str, ...]) -> None:
    """A CSV, PDF or folder given as KEY_FILE: say the arguments are swapped, not that the key is bad."""
    if not (key_file.lower().endswith((".csv", ".pdf")) or Path(key_file).is_dir()):
        return
    keys = [s for s in submissions if s.lower().endswith(".json")]
    first = keys[0] if keys else "answer_keys/<pack>.json"
    raise UserError(
        f"{key_file} is a submission, not an answer key: the key comes first "
        f"(backprop-exam grade {first} {key_file}{' ...' if len(submissions) > 1 else ''})"
    )


@click.command(cls=Command)
@click.argument("key_file", type=click.Path(dir_okay=False))
@click.argument("submissions", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder [grades/<pack>].")
@click.option(
    "--ecf-credit",
    type=click.FloatRange(0, 1),
    default=1.0,
    show_default=True,
    help="Points for an answer computed correctly from the student's own wrong earlier answers.",
)
@click.option("--force", is_flag=True, help="Replace an earlier --out folder (only files backprop-exam wrote).")
@click.option("--no-pdf", is_flag=True, help="Write only the CSV files (no feedback PDFs, no report.pdf).")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    help="Processes rendering feedback PDFs [one per 8 students, up to all cores].",
)
@click.option(
    "--gradebook", "gradebooks", multiple=True, type=click.Choice(["canvas", "moodle"]),
    help="Also write gradebook-canvas.csv / gradebook-moodle.csv for the LMS's grade import (repeatable).",
)  # fmt: skip
@click.option(
    "--assignment", default="", help="Grade column name in LMS gradebooks, e.g. 'Midterm (1234)' [key title]."
)
@click.option(
    "--decimal-comma/--decimal-point", default=None,
    help="Feedback and report print numbers 0,5450 or 0.5450 [as the pack's worksheets].",
)  # fmt: skip
@click.option(
    "--paper", type=click.Choice(["a4", "letter"]), default=None,
    help="Paper size of the feedback and report PDFs [the pack's].",
)  # fmt: skip
def grade(
    key_file: str, submissions: tuple[str, ...], out_dir: str | None, ecf_credit: float, force: bool,
    no_pdf: bool, jobs: int | None, gradebooks: tuple[str, ...], assignment: str, decimal_comma: bool | None,
    paper: str | None,
) -> None:  # fmt: skip
    """Grade SUBMISSIONS (CSV, JSON, filled PDF worksheets, LMS response reports, or folders) against KEY_FILE.

    Writes gradebook.csv, answers.csv, feedback/<student>.pdf and report.pdf to --out.
    An answer within its accepted interval is correct; one computed correctly from the
    student's own wrong earlier answers is follow-through (ecf); wrong answers get a
    diagnosed mistake where one fits. See docs/grading.md.

    \b
    Examples:
      backprop-exam grade answer_keys/midterm.json responses.csv --out grades/midterm
      backprop-exam grade answer_keys/midterm.json filled-pdfs/ --out grades/midterm --ecf-credit 0.5 --force
      backprop-exam grade answer_keys/midterm.json quiz-responses.xlsx --gradebook moodle --out grades/quiz
    """
    from ..progress import StageBars
    from .run import grade_files
    from .summary import print_summary

    check_argument_order(key_file, submissions)
    out = Path(out_dir) if out_dir else Path("grades") / Path(key_file).stem
    with StageBars() as bars:  # the feedback PDFs take minutes for a large class: show them coming
        run = grade_files(
            key_file, submissions, out, ecf_credit=ecf_credit, force=force, pdf=not no_pdf, jobs=jobs,
            gradebooks=gradebooks, assignment=assignment, decimal_comma=decimal_comma,
            paper=paper, progress=lambda done, total: bars("Feedback PDFs", done, total), stages=bars,
        )  # fmt: skip
    print_summary(run)
