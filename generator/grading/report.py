"""The teacher's report: a context of plain values for templates/grading/report.html.j2, with two plots.

Plots are drawn with matplotlib's object API into SVG and embedded inline: the PDF engine
loads nothing but templates/ files, so a data: URI would be refused. Their text is set in
the document's typeface (the bundled templates/fonts/NotoSans-Regular.ttf, "Exam Sans" to
WeasyPrint), registered with matplotlib, and written into the SVG as paths.
"""

from __future__ import annotations

import html
import io
import itertools
import statistics
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from ..mathtext import Node, parse, text_html
from .display import plural
from .feedback import VERDICT_LABELS, ecf_words, inline, prose_math
from .grade import Graded, Grading
from .gradebook import percent, points
from .items import grading_items
from .marking import BLANK, CORRECT, ECF, UNREADABLE, WRONG
from .mistakes import explain, label

ATTENTION_PERCENT = 50.0  # below this score a student is listed for the teacher
ATTENTION_BLANK_SHARE = 0.25  # or when this share of the answers is blank or unreadable
# Fill, hatch, edge per verdict: five clearly different lightnesses (dark green, mid red, light green, white,
# mid-dark grey) AND five different hatches, so the chart reads the same printed in black and white.
BAR_STYLES: dict[str, tuple[str, str, str]] = {
    CORRECT: ("#1b5e20", "", "#1b5e20"),
    ECF: ("#c5e1a5", "////", "#33691e"),
    WRONG: ("#e57373", "xxx", "#7f0000"),
    BLANK: ("#ffffff", "...", "#616161"),
    UNREADABLE: ("#616161", "\\\\\\", "#000000"),
}
COLORS = {v: style[0] for v, style in BAR_STYLES.items()}
# A dot hatch is hundreds of tiny circles per pattern tile, which WeasyPrint draws again for every
# bar: 6 s CPU of a 28-question report's 8 s, and 670 of its 730 KB. Bars with it are drawn as
# pixels at RASTER_DPI (the same dots on paper); everything else in the chart stays vector.
RASTER_HATCHES = frozenset({"..."})
RASTER_DPI = 300


FONT_FILES = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSans-Italic.ttf", "NotoSansMath-Regular.ttf")
FONT_FAMILY = "Noto Sans"  # the family name inside those files
_registered: list[str] = []


def _register_font() -> None:
    """Make the bundled Noto Sans known to matplotlib (once per process; an OSError if it is missing)."""
    if _registered:
        return
    from matplotlib import font_manager

    from ..render.templating import templates_dir

    fm = font_manager.fontManager
    paths = [str(templates_dir() / "fonts" / name) for name in FONT_FILES]
    for path in paths:
        fm.addfont(path)
    # A system-wide Noto Sans has the same family name: put the bundled files first, so they win the tie.
    fm.ttflist.sort(key=lambda entry: entry.fname not in paths)
    clear = getattr(fm, "_findfont_cached", None)
    if clear is not None:
        clear.cache_clear()
    _registered.append(FONT_FAMILY)


@contextmanager
def _plot_style() -> Iterator[None]:
    """The document's typeface and minus sign for the figures drawn inside (no global rcParams change)."""
    import matplotlib

    _register_font()
    with matplotlib.rc_context({
        "font.family": "sans-serif", "font.sans-serif": [FONT_FAMILY], "svg.fonttype": "path",
        "axes.unicode_minus": True, "hatch.linewidth": 0.6,
        # tick labels in the tables' notation: the same Noto Sans Math italic letters (see chart_label)
        # (every mathtext family set to a bundled file: a missing one prints a findfont warning on the terminal)
        "mathtext.fontset": "custom", "mathtext.rm": "Noto Sans Math", "mathtext.it": "Noto Sans:italic",
        "mathtext.bf": "Noto Sans:bold", "mathtext.bfit": "Noto Sans:italic", "mathtext.sf": "Noto Sans",
        "mathtext.cal": "Noto Sans", "mathtext.tt": "Noto Sans",
    }):  # fmt: skip
        yield


def _svg(fig: Any) -> Markup:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None}, dpi=RASTER_DPI)
    text = buf.getvalue()
    return Markup(text[text.index("<svg") :])  # our own drawing, without the XML prologue


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure  # the object API: no pyplot state, no GUI backend

    fig = Figure(figsize=(width, height))
    fig.set_layout_engine("constrained")
    return fig


def _style(ax: Any) -> None:
    ax.tick_params(labelsize=7)
    ax.xaxis.label.set_size(8)
    ax.yaxis.label.set_size(8)
    ax.spines[["top", "right"]].set_visible(False)


def score_plot(percents: list[float]) -> Markup:
    with _plot_style():
        return _score_plot(percents)


def _mt_text(s: str, italic: bool) -> str:
    return "".join(
        "\\ " if ch == " " else f"\\{ch}" if ch in "{}$\\%#&" else ch for ch in html.unescape(text_html(s, italic))
    )


def _mt(nodes: list[Node], italic: bool = True) -> str:
    out = []
    for n in nodes:
        if isinstance(n, str):
            out.append(f"\\mathrm{{{_mt_text(n, italic)}}}")
            continue
        kind, a, b = n
        if kind == "frac":  # set inline in a bar label: ∂L/∂w
            out.append(f"{_mt(a)}\\mathrm{{/}}{_mt(b)}")
        elif kind == "hat":
            out.append(f"\\hat{{{_mt(a)}}}")
        else:
            out.append(f"{'_' if kind == 'sub' else '^'}{{{_mt(a, italic=False)}}}")
    return "".join(out)


def chart_label(symbol: str) -> str:
    """A matplotlib mathtext label in the tables' notation: the same Unicode math-italic letters
    (templates' Noto Sans Math), sub- and superscripts, a fraction set inline."""
    return f"${_mt(parse(symbol))}$"


def question_plot(
    ids: list[str], shares: dict[str, list[float]], labels: list[str] | None = None, legend: bool = True
) -> Markup:
    """One horizontal stacked bar per answer: shares of correct, follow-through, wrong, blank, unreadable.

    ``labels`` are the answers' symbols in the key's notation (the answer ids when not given)."""
    with _plot_style():
        return _question_plot([chart_label(s) for s in labels] if labels else ids, shares, legend)


CHART_ROWS = 16  # bars per piece of the chart: a piece fits under a page's end of the table above it


def chart_pieces(n: int, most: int = CHART_ROWS) -> list[range]:
    """The chart in pieces of at most ``most`` bars, as even as possible: each piece is kept whole
    on a page, so a long chart no longer leaves the page before it half empty."""
    count = -(-n // most) if n else 0
    bounds = [round(i * n / count) for i in range(count + 1)] if count else [0]
    return [range(a, b) for a, b in itertools.pairwise(bounds)]


def question_plots(ids: list[str], shares: dict[str, list[float]], labels: list[str]) -> list[Markup]:
    """The correctness chart in pieces (chart_pieces), each with its legend (pieces may sit on different pages)."""
    return [
        question_plot([ids[i] for i in r], {v: [s[i] for i in r] for v, s in shares.items()}, [labels[i] for i in r])
        for r in chart_pieces(len(ids))
    ]


def _score_plot(percents: list[float]) -> Markup:
    fig = _figure(7.0, 1.9)
    ax = fig.add_subplot()
    _style(ax)
    ax.hist(percents, bins=[i * 10 for i in range(11)], color="#1565c0", edgecolor="white")
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (%)")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _svg(fig)


def _question_plot(ids: list[str], shares: dict[str, list[float]], legend: bool = True) -> Markup:
    fig = _figure(7.0, (0.9 if legend else 0.6) + 0.17 * len(ids))
    ax = fig.add_subplot()
    _style(ax)
    ys = list(range(len(ids)))
    left = [0.0] * len(ids)
    for verdict, (color, hatch, edge) in BAR_STYLES.items():
        vals = shares[verdict]
        ax.barh(ys, vals, left=left, color=color, hatch=hatch, edgecolor=edge, linewidth=0.4,
                label=VERDICT_LABELS[verdict], height=0.8, rasterized=hatch in RASTER_HATCHES)  # fmt: skip
        left = [a + b for a, b in zip(left, vals, strict=True)]
    ax.set_yticks(ys, ids, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of students (%)")
    if legend:
        ax.legend(ncols=5, fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return _svg(fig)


def _attention(g: Graded) -> str:
    """Why a student is listed, or '' when they are not."""
    n = len(g.marks) or 1
    missing = g.count(BLANK) + g.count(UNREADABLE)
    reasons = []
    if g.percent < ATTENTION_PERCENT:
        reasons.append(f"score below {ATTENTION_PERCENT:.0f} %")
    if missing / n >= ATTENTION_BLANK_SHARE:
        reasons.append(f"{missing} of {plural(n, 'answer')} blank or unreadable")
    return "; ".join(reasons)


def report_context(grading: Grading) -> dict[str, Any]:
    key = grading.key
    ids = grading.answer_ids
    graded = grading.graded
    n = len(graded)
    pcts = [g.percent for g in graded]
    per_q: dict[str, Counter[str]] = {i: Counter() for i in ids}
    diag_total: Counter[str] = Counter()
    diag_students: dict[str, set[str]] = {}
    diag_questions: dict[str, Counter[str]] = {}
    for g in graded:
        for m in g.marks:
            per_q[m.id][m.verdict] += 1
            if m.diagnosis:
                diag_total[m.diagnosis] += 1
                diag_students.setdefault(m.diagnosis, set()).add(g.code)
                diag_questions.setdefault(m.diagnosis, Counter())[m.id] += 1
    shares = {v: [100.0 * per_q[i][v] / n for i in ids] for v in COLORS}
    symbols = {a.id: a.symbol for a in graded[0].vk.worked.answers} if graded else {}
    questions = []
    items = {it.id: it for it in grading_items(grading)}
    for i in ids:
        c = per_q[i]
        it = items[i]
        questions.append({
            "id": i, "symbol": inline(symbols[i]) if i in symbols else i,
            "correct": percent(100.0 * c[CORRECT] / n), "ecf": percent(100.0 * c[ECF] / n),
            "wrong": percent(100.0 * c[WRONG] / n), "missing": percent(100.0 * (c[BLANK] + c[UNREADABLE]) / n),
            "facility": f"{it.facility:.2f}",
            "discrimination": "—" if it.discrimination is None else f"{it.discrimination:.2f}".replace("-", "−"),
            "mistake": it.mistake, "mistake_label": label(it.mistake) if it.mistake else "",
            "mistake_count": it.mistake_count,
        })  # fmt: skip
    loss = graded[0].vk.structure.graph.network.loss if graded else ""
    mistakes = [
        {"code": code, "label": label(code), "words": prose_math(explain(code, loss)), "count": count,
         "students": len(diag_students[code]),
         "questions": ", ".join(q for q, _ in diag_questions[code].most_common(3))}
        for code, count in diag_total.most_common()
    ]  # fmt: skip
    attention = []
    for g in sorted(graded, key=lambda g: g.percent):
        why = _attention(g)
        if why:
            top = Counter(m.diagnosis for m in g.marks if m.diagnosis).most_common(1)
            attention.append({
                "variant": g.code, "student_id": g.student_id, "name": g.name, "percent": percent(g.percent),
                "reason": why, "mistake": top[0][0] if top else "", "mistake_label": label(top[0][0]) if top else "",
            })  # fmt: skip
    # roster students who handed nothing in: named for the teacher, after the graded ones
    absent = [{"variant": a.code, "student_id": a.student_id, "name": a.name} for a in grading.absent]
    totals = grading.verdict_totals()
    return {
        "title": key.title,
        "course": key.course,
        "pack": key.pack,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "architecture": "-".join(str(x) for x in key.structure.layers),
        "n_graded": n,
        "graded": plural(n, "submission"),
        "n_answers": len(ids),
        "answers_per_student": plural(len(ids), "answer"),
        "ecf_credit": ecf_words(grading.ecf_credit),
        "mean": percent(statistics.fmean(pcts)) if pcts else "",
        "median": percent(statistics.median(pcts)) if pcts else "",
        "lowest": percent(min(pcts)) if pcts else "",
        "highest": percent(max(pcts)) if pcts else "",
        "full_marks": sum(1 for g in graded if g.score == g.max_score),
        "totals": [{"label": VERDICT_LABELS[v], "count": c} for v, c in totals.items()],
        "score_plot": score_plot(pcts),
        "question_plots": question_plots(ids, shares, [str(q["symbol"]) for q in questions]),
        "questions": questions,
        "mistakes": mistakes,
        "attention": attention,
        "absent": absent,
        "n_absent": plural(len(absent), "roster student"),
        "attention_rule": f"score below {ATTENTION_PERCENT:.0f} %, or at least "
        f"{points(ATTENTION_BLANK_SHARE * 100)} % of the answers blank or unreadable",
        "issues": [i.message for i in grading.issues],
    }
