"""Each student's feedback: a context of plain values for templates/grading/feedback.html.j2.

Answers against the key with verdict and diagnosis, then the worked step of each mistake
(with the not-asked steps leading to it), straight from the answer key's steps.
"""

from __future__ import annotations

import math
import re
from typing import Any

import msgspec
from markupsafe import Markup, escape

from ..mathtext import to_html
from ..numbers import fmt, unit
from ..records import Key
from .context import Interval
from .crops import crop_png, data_url
from .display import minus
from .grade import Graded
from .gradebook import percent, points
from .marking import BLANK, CORRECT, ECF, UNREADABLE, WRONG
from .mistakes import explain, label

VERDICT_LABELS = {
    CORRECT: "correct", ECF: "follow-through", WRONG: "wrong", BLANK: "blank", UNREADABLE: "unreadable",
}  # fmt: skip
_BRACED = r"((?:[^{}]|\{[^{}]*\})*)"  # a group's text, with at most one level of braces inside
_FRAC = re.compile(r"\\frac\{" + _BRACED + r"\}\{" + _BRACED + r"\}")
# math in a mistake's explanation: ∂L/∂a_o, a_o, δ_k, e^(−z), a Greek letter, a lone y z w L, f′ or a(…)
_PROSE_MATH = re.compile(
    r"∂L/∂[a-zA-Z](?:_[A-Za-z0-9]+)?|[A-Za-zδσηε]_[A-Za-z0-9]+|e\^\(([−+]?z)\)|[δσηε]|\b[yzwLf]\b|\b[azwf](?=[(′)²])"
    r"|(?<=− )a\b|(?<=of )a\b(?! [a-z])|(?<=ion )a\b"
)


def inline(symbol: str) -> str:
    """A symbol with its fraction set inline, for one-line table rows: ∂L/∂w_{h1→o1}."""
    return _FRAC.sub(lambda m: f"{m[1]}/{m[2]}", symbol)


def prose_math(words: str) -> Markup:
    """A mistake's explanation with its math in the worked steps' notation (italic variables,
    real subscripts); the rest stays text."""
    out, pos = [], 0
    for m in _PROSE_MATH.finditer(words):
        out.append(escape(words[pos : m.start()]))
        tok = m[0]
        if m[1]:
            tok = f"e^{{{m[1]}}}"
        tok = re.sub(r"_([A-Za-z0-9]+)", r"_{\1}", tok)
        out.append(Markup(to_html(tok)))
        pos = m.end()
    out.append(escape(words[pos:]))
    return Markup("").join(out)


def grid_range(iv: Interval, decimals: int) -> str:
    """The values at the key's precision inside ``iv``: '0.5878' or '0.5878 to 0.5879'."""
    lo, hi = iv
    u = unit(decimals)
    first, last = math.ceil(lo / u - 1e-9), math.floor(hi / u + 1e-9)
    if first > last:
        return fmt((lo + hi) / 2, decimals)
    a, b = fmt(first * u, decimals), fmt(last * u, decimals)
    return a if a == b else f"{a} to {b}"


def ecf_words(credit: float) -> str:
    return "full credit" if credit >= 1 else "no credit" if credit <= 0 else f"{points(credit)} of a point"


def _blank_sheet(g: Graded) -> str:
    """The one line that says a student left every answer blank ('' otherwise). From a scan it may be
    digits written in the boxes with no bubble filled: the line says what counts."""
    if not g.marks or g.count(BLANK) < len(g.marks):
        return ""
    if g.submission.crops is not None:
        return "No answer was read: no bubbles were filled on your sheet."
    return "Every answer was left blank."


def feedback_context(g: Graded, key: Key, ecf_credit: float) -> dict[str, Any]:
    """Plain values only: the template formats nothing and computes nothing."""
    d = key.decimals
    vk = g.vk
    worked = vk.worked
    steps = {s.id: s for s in worked.steps}
    labels = {a.id: a for a in worked.answers}
    st = vk.structure
    rows, mistakes = [], []
    for m in g.marks:
        a = labels[m.id]
        own = ""
        key_iv = vk.key_iv[m.id]
        # wrong, and the student's earlier answers lead elsewhere: say where
        if m.own is not None and m.verdict == WRONG and (m.own[1] < key_iv[0] or m.own[0] > key_iv[1]):
            own = grid_range(m.own, d)
        # correct though outside the key's range: exactly what the student's own (correct) earlier
        # answers give; the row says so, and which values those answers allow
        own_correct = (
            m.verdict == CORRECT and m.own is not None and m.entry.value is not None
            and not key_iv[0] <= m.entry.value <= key_iv[1]
        )  # fmt: skip
        row = {
            "id": m.id,
            "symbol": inline(a.symbol),
            "label": a.label,
            # numbers with the typographic minus; an unreadable text is shown exactly as typed
            "submitted": minus(m.entry.text) if m.entry.readable else m.entry.text,
            "expected": minus(a.rounded),
            "accepted": minus(grid_range(vk.key_interval(m.id), d)),
            "verdict": m.verdict,
            "verdict_label": VERDICT_LABELS[m.verdict],
            "points": points(m.points),
            "max_points": points(m.max_points),
            "diagnosis": m.diagnosis,
            "diagnosis_label": label(m.diagnosis) if m.diagnosis else "",
            "diagnosis_words": prose_math(explain(m.diagnosis, st.graph.network.loss)) if m.diagnosis else "",
            "note": m.note,
            "from_own": minus(own),
            "own_correct": own_correct,
            "own_range": minus(grid_range(m.own, d)) if own_correct and m.own is not None else "",
        }
        rows.append(row)
        if m.verdict in (WRONG, BLANK, UNREADABLE):
            chain = [*st.region[m.id], m.id]
            mistakes.append({
                **row,
                # the scanned answer box, if from a scan, where it shows what was read: a wrong or an
                # unreadable answer (a blank one shows an empty grid; a blank sheet, page after page of them)
                "crop": data_url(crop_png(g.submission.crops, m.id)) if m.verdict in (WRONG, UNREADABLE) else "",
                "steps": [
                    {"formula": steps[s].formula, "substituted": steps[s].substituted,
                     "result": minus(steps[s].result), "asked": s == m.id}
                    for s in chain
                ],
            })  # fmt: skip
    counts = [{"verdict": v, "label": VERDICT_LABELS[v], "count": g.count(v)} for v in VERDICT_LABELS]
    kinds = {m["verdict"] for m in mistakes}
    if not kinds:
        heading = ""
    elif WRONG not in kinds:  # only blanks and unreadable answers: nothing to call a mistake
        heading = "The steps you left blank" if kinds == {BLANK} else "The steps you left blank or we could not read"
    elif kinds == {WRONG}:
        heading = "Your mistakes, step by step"
    else:
        heading = "Your mistakes and missing answers, step by step"
    student = g.name or g.student_id or "anonymous"
    return {
        "title": key.title,
        "course": key.course,
        "pack": key.pack,
        "variant": g.code,
        "student": student,
        "student_id": g.student_id,
        "score": points(g.score),
        "max_score": points(g.max_score),
        "percent": percent(g.percent),
        "decimals": d,
        "ecf_credit": ecf_words(ecf_credit),
        "description": msgspec.structs.asdict(worked.description),
        "counts": counts,
        "rows": rows,
        "mistakes": mistakes,
        "mistakes_heading": heading,
        "all_correct": g.count(CORRECT) == len(g.marks),  # nothing to explain: no legend
        "blank_sheet": _blank_sheet(g),
        "any_own_correct": any(r["own_correct"] for r in rows),
    }
