"""The terminal: user text made harmless, and the worked solution as aligned tables.

Every string a user supplied (names, ids, column headers, file names, pack names, messages
quoting them) goes through ``plain`` before it reaches a terminal, and through ``safe`` when
rich prints it with markup: no escape sequence, no OSC 8 hyperlink, no rich markup from a file.
"""

from __future__ import annotations

import re
import unicodedata

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .mathtext import to_text
from .numbers import minus
from .records import WorkedProblem

# C0 and C1 controls (ESC starts every escape sequence; CSI is U+009B), DEL, and the bidi
# overrides and isolates that make a terminal show text in another order than it is stored.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: object) -> str:
    """User text fit for a terminal: controls become "?", line breaks a space; joiners (ZWJ, ZWNJ) stay."""
    s = str(text).replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    s = _CONTROL.sub("?", s)
    if not s.isprintable():  # other unassigned or format characters
        s = "".join(ch if ch.isprintable() or unicodedata.category(ch) in ("Zs", "Cf") else "?" for ch in s)
    return s


def safe(text: object) -> str:
    """``plain`` text escaped for rich markup: '[/bold]' and '[link=...]' print as written."""
    return escape(plain(text))


GROUP_TITLES = {
    "forward": "Forward pass",
    "loss": "Loss",
    "backward": "Backward pass (chain rule, deltas, gradients)",
    "update": "Updates",
}


def print_solution(problem: WorkedProblem, decimals: int, console: Console | None = None) -> None:
    con = console or Console(highlight=False)
    d = problem.description
    con.print(f"[bold]Network {d.architecture}[/bold]: {d.activation}; {d.bias}.")
    con.print(f"Loss: {d.loss}. Update: {d.update}.")
    given = Table(title="Given", title_justify="left", show_header=False, box=None, pad_edge=False)
    row: list[str] = []
    for g in problem.given:
        row.append(f"{to_text(g.symbol)} = {g.value}")
    for i in range(0, len(row), 4):
        given.add_row(*row[i : i + 4])
    con.print(given)
    asked = {a.id for a in problem.answers}
    for group, title in GROUP_TITLES.items():
        steps = [s for s in problem.steps if s.group == group]
        if not steps:
            continue
        t = Table(title=title, title_justify="left", title_style="bold", expand=False)
        t.add_column("answer id", style="cyan", no_wrap=True)
        t.add_column("formula")
        t.add_column("with numbers")
        t.add_column("result", justify="right", no_wrap=True)
        for s in steps:
            res = minus(s.result) + ("" if s.id in asked else " ·")
            sub = to_text(s.substituted) + (f"\n[dim]{s.note}[/dim]" if s.note else "")
            t.add_row(s.id, to_text(s.formula), sub, res)
        con.print(t)
    table = Table(title="Updated parameters", title_justify="left", title_style="bold")
    for col in ("parameter", "old", "gradient", "η × gradient", "new", "change"):
        table.add_column(col, justify="left" if col == "parameter" else "right")
    arrow = {"up": "↑", "down": "↓", "same": "="}
    for u in problem.updates:
        cells = [minus(v) for v in (u.old, u.gradient, u.step, u.new)]
        table.add_row(to_text(u.symbol), *cells, arrow[u.direction])
    con.print(table)
    con.print(f"[dim]Values rounded to {decimals} decimals, half away from zero. "
              "'·' marks a step that is not asked on the worksheet.[/dim]")  # fmt: skip
