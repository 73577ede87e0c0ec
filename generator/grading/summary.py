"""The closing summary on the terminal: what was graded, how it went, what needs a look, what was written."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from .display import plural
from .gradebook import percent, points
from .marking import VERDICTS
from .run import GradeRun

MAX_ROWS = 40  # a class fits; for thousands, the gradebook is the place to look


def print_summary(run: GradeRun, console: Console | None = None) -> None:
    con = console or Console(highlight=False)
    grading = run.grading
    graded = grading.graded
    table = Table(title=f"Graded {plural(len(graded), 'submission')} of '{grading.key.pack}'", title_justify="left")
    for col, just in (("variant", "left"), ("student", "left"), ("score", "right"), ("%", "right"),
                      ("wrong", "right"), ("ecf", "right"), ("blank", "right"), ("mistakes", "left")):  # fmt: skip
        table.add_column(col, justify=just, no_wrap=col != "mistakes")  # type: ignore[arg-type]
    for g in graded[:MAX_ROWS]:
        codes = Counter(m.diagnosis for m in g.marks if m.diagnosis)
        table.add_row(
            g.code, g.name or g.student_id, f"{points(g.score)}/{points(g.max_score)}", percent(g.percent),
            str(g.count("wrong")), str(g.count("ecf")), str(g.count("blank") + g.count("unreadable")),
            ", ".join(c for c, _ in codes.most_common(2)),
        )  # fmt: skip
    con.print(table)
    if len(graded) > MAX_ROWS:
        con.print(f"[dim]... and {len(graded) - MAX_ROWS} more in gradebook.csv[/dim]")
    totals = grading.verdict_totals()
    con.print("Verdicts: " + ", ".join(f"{totals[v]} {v}" for v in VERDICTS))
    mistakes = Counter(m.diagnosis for g in graded for m in g.marks if m.diagnosis)
    if mistakes:
        con.print("Most common mistakes: " + ", ".join(f"{c} ({n})" for c, n in mistakes.most_common(5)))
    if grading.issues:
        con.print(f"[bold yellow]{plural(len(grading.issues), 'issue')}[/bold yellow] (also in issues.csv):")
        for issue in grading.issues[:MAX_ROWS]:
            con.print(f"  - {issue.message}", soft_wrap=True)
        if len(grading.issues) > MAX_ROWS:
            con.print(f"  ... and {len(grading.issues) - MAX_ROWS} more")
    pdfs = sum(1 for f in run.files if f.parent.name == "feedback")
    written = [f.name for f in run.files if f.parent == run.out]
    if pdfs:
        written.append(f"feedback/ ({plural(pdfs, 'PDF')})")
    secs = run.seconds.get("total")
    took = f" in {secs:.1f} s" if secs is not None else ""
    con.print(f"Wrote {run.out}/{took}: " + ", ".join(written), soft_wrap=True)
