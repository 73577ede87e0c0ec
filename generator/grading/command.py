"""The 'grade' command: parse options, call grade_files, print the summary."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
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
@click.option("--force", is_flag=True, help="Replace an existing --out folder.")
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
def grade(
    key_file: str, submissions: tuple[str, ...], out_dir: str | None, ecf_credit: float, force: bool,
    no_pdf: bool, jobs: int | None, gradebooks: tuple[str, ...], assignment: str,
) -> None:  # fmt: skip
    """Grade SUBMISSIONS (CSV, JSON, filled PDF worksheets, LMS response reports, or folders) against KEY_FILE.

    Writes gradebook.csv, answers.csv, feedback/<student>.pdf and report.pdf to --out.
    An answer within its accepted interval is correct; one computed correctly from the
    student's own wrong earlier answers is follow-through (ecf); wrong answers get a
    diagnosed mistake where one fits. See docs/grading.md.

    \b
    Examples:
      backprop-exam grade answer_keys/midterm.json responses.csv --out grades/midterm
      backprop-exam grade answer_keys/midterm.json scans/ --out grades/midterm --ecf-credit 0.5 --force
      backprop-exam grade answer_keys/midterm.json quiz-responses.xlsx --gradebook moodle --out grades/quiz
    """
    from ..cli import fail
    from ..network import SpecError
    from .run import grade_files
    from .summary import print_summary

    out = Path(out_dir) if out_dir else Path("grades") / Path(key_file).stem
    try:
        run = grade_files(
            key_file, submissions, out, ecf_credit=ecf_credit, force=force, pdf=not no_pdf, jobs=jobs,
            gradebooks=gradebooks, assignment=assignment,
        )  # fmt: skip
    except SpecError as e:
        fail(str(e))
    except FileExistsError as e:
        fail(str(e))
    except OSError as e:
        fail(f"{e.strerror or e}: {e.filename}" if getattr(e, "filename", None) else str(e))
    print_summary(run)
