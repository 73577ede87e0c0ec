"""The closing summary on the terminal: what was graded, how it went, what needs a look, what was written.

Every student-supplied string (names, ids, file names, issue messages quoting them) is printed
as plain text (``terminal.plain``), never as rich markup. Mistake codes stay whole: when the
table with the codes written out is wider than the terminal, the column shows numbers and a
legend below names them.
"""

from __future__ import annotations

from collections import Counter

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..terminal import plain
from .display import plural
from .gradebook import percent, points
from .marking import VERDICTS
from .run import GradeRun

MAX_ROWS = 40  # a class fits; for thousands, the gradebook is the place to look
COUNTS = ("wrong", "ecf", "blank", "unreadable")


def print_summary(run: GradeRun, console: Console | None = None) -> None:
    con = console or Console(highlight=False)
    grading = run.grading
    graded = grading.graded
    mistakes = Counter(m.diagnosis for g in graded for m in g.marks if m.diagnosis)
    title = Text(f"Graded {plural(len(graded), 'submission')} of '{plain(grading.key.pack)}'")
    table = _table(run, title, legend=None)
    if Measurement.get(con, con.options.update_width(10_000), table).minimum > con.width:
        legend = {code: str(i) for i, (code, _) in enumerate(mistakes.most_common(), start=1)}
        table = _table(run, title, legend)
    else:
        legend = None
    con.print(table)
    if len(graded) > MAX_ROWS:
        con.print(Text(f"... and {len(graded) - MAX_ROWS} more in gradebook.csv", style="dim"))
    if grading.absent:
        shown = ", ".join(a.name or a.student_id for a in grading.absent[:5])
        more = f" and {len(grading.absent) - 5} more" if len(grading.absent) > 5 else ""
        con.print(Text(plain(
            f"Absent: {plural(len(grading.absent), 'roster student')} handed nothing in ({shown}{more}); "
            "listed in gradebook.csv with status absent and no score"
        )), soft_wrap=True)  # fmt: skip
    totals = grading.verdict_totals()
    con.print("Verdicts: " + ", ".join(f"{totals[v]} {v}" for v in VERDICTS))
    if legend:
        con.print("Mistakes: " + ", ".join(f"{legend[c]} = {c} ({n})" for c, n in mistakes.most_common()))
    elif mistakes:
        con.print("Most common mistakes: " + ", ".join(f"{c} ({n})" for c, n in mistakes.most_common(5)))
    if grading.issues:
        con.print(f"[bold yellow]{plural(len(grading.issues), 'issue')}[/bold yellow] (also in issues.csv):")
        for issue in grading.issues[:MAX_ROWS]:
            con.print(Text(f"  - {plain(issue.message)}"), soft_wrap=True)
        if len(grading.issues) > MAX_ROWS:
            con.print(f"  ... and {len(grading.issues) - MAX_ROWS} more")
    pdfs = sum(1 for f in run.files if f.parent.name == "feedback")
    written = [f.name for f in run.files if f.parent == run.out]
    if pdfs:
        written.append(f"feedback/ ({plural(pdfs, 'PDF')})")
    secs = run.seconds.get("total")
    took = f" in {secs:.1f} s" if secs is not None else ""
    con.print(Text(plain(f"Wrote {run.out}/{took}: " + ", ".join(written))), soft_wrap=True)


def _table(run: GradeRun, title: Text, legend: dict[str, str] | None) -> Table:
    """The per-student table; ``legend`` maps mistake codes to the numbers shown instead of them."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("variant", no_wrap=True)
    table.add_column("student", max_width=24, overflow="fold")
    for col in ("score", "%", *COUNTS):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("mistakes", no_wrap=legend is None)  # codes whole, or numbers that may wrap
    for g in run.grading.graded[:MAX_ROWS]:
        codes = [c for c, _ in Counter(m.diagnosis for m in g.marks if m.diagnosis).most_common(None if legend else 2)]
        shown = ", ".join(legend[c] for c in codes) if legend else ", ".join(codes)
        table.add_row(
            Text(plain(g.code)), Text(plain(g.name or g.student_id)),
            f"{points(g.score)}/{points(g.max_score)}", percent(g.percent),
            *(str(g.count(c)) for c in COUNTS), Text(shown),
        )  # fmt: skip
    return table
