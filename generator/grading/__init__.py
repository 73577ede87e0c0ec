"""Grading submissions against an answer key: fair within rounding, follow-through, mistake diagnosis.

Library API (the CLI's `grade` is a thin call of ``grade_files``):

- ``grade_files(key_path, paths, out, ecf_credit=1.0, force=False, pdf=True, jobs=None)``:
  read, grade, write the --out folder; returns a ``GradeRun``.
- ``grade_key(key, submissions, ecf_credit)``: mark already-read ``Submission``s against a loaded key.
- ``read_all(paths)``: CSV/JSON/PDF files and folders -> submissions and issues.
- ``parse_number(text)``: a typed number -> ``Entry`` (value, or blank / unreadable).
- ``RULES``: the mistake rules, each with its stable code and plain-words explanation.
"""

from .grade import Graded, Grading, grade_key
from .marking import VERDICTS, Mark, mark_submission
from .mistakes import RULES, explain
from .numbers import Entry, parse_number
from .run import GradeRun, NothingGraded, grade_files
from .submissions import Issue, Submission, read_all

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
