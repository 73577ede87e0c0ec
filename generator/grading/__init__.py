"""Grading submissions against an answer key: fair within rounding, follow-through, mistake diagnosis.

Library API (the CLI's `grade` is a thin call of ``grade_files``):

- ``grade_files(key_path, paths, out, ecf_credit=1.0, force=False, pdf=True, jobs=None)``:
  read, grade, write the --out folder; returns a ``GradeRun``.
- ``grade_key(key, submissions, ecf_credit)``: mark already-read ``Submission``s against a loaded key.
- ``read_all(paths)``: CSV/JSON/PDF files and folders -> submissions and issues.
- ``parse_number(text)``: a typed number -> ``Entry`` (value, or blank / unreadable).
- ``RULES``: the mistake rules, each with its stable code and plain-words explanation.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .grade import Graded, Grading, grade_key
    from .marking import VERDICTS, Mark, mark_submission
    from .mistakes import RULES, explain
    from .numbers import Entry, parse_number
    from .run import GradeRun, NothingGraded, grade_files
    from .submissions import Issue, Submission, read_all

# Loaded on first use, so that the CLI (which imports grading.command) starts without the grader.
_HOMES = {
    "Graded": "grade", "Grading": "grade", "grade_key": "grade",
    "VERDICTS": "marking", "Mark": "marking", "mark_submission": "marking",
    "RULES": "mistakes", "explain": "mistakes",
    "Entry": "numbers", "parse_number": "numbers",
    "GradeRun": "run", "NothingGraded": "run", "grade_files": "run",
    "Issue": "submissions", "Submission": "submissions", "read_all": "submissions",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "RULES",
    "VERDICTS",
    "Entry",
    "GradeRun",
    "Graded",
    "Grading",
    "Issue",
    "Mark",
    "NothingGraded",
    "Submission",
    "explain",
    "grade_files",
    "grade_key",
    "mark_submission",
    "parse_number",
    "read_all",
]
