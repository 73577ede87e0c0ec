"""Each student's feedback: a context of plain values for templates/grading/feedback.html.j2.

Answers against the key with verdict and diagnosis, then the worked step of each mistake
(with the not-asked steps leading to it), straight from the answer key's steps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..numbers import fmt, unit
from .context import Interval
from .display import minus
from .grade import Graded
from .gradebook import percent, points
from .marking import BLANK, CORRECT, ECF, UNREADABLE, WRONG
from .mistakes import explain, label

VERDICT_LABELS = {
    CORRECT: "correct", ECF: "follow-through", WRONG: "wrong", BLANK: "blank", UNREADABLE: "unreadable",
}  # fmt: skip


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


def feedback_context(g: Graded, key: Mapping[str, Any], ecf_credit: float) -> dict[str, Any]:
    """Plain values only: the template formats nothing and computes nothing."""
    d = int(key["decimals"])
    vk = g.vk
    steps = {s["id"]: s for s in vk.problem["steps"]}
    st = vk.structure
    rows, mistakes = [], []
    for m in g.marks:
        a = vk.answers[m.id]
        own = ""
        if m.own is not None and m.verdict == WRONG:
            key_iv = vk.key_iv[m.id]
            if m.own[1] < key_iv[0] or m.own[0] > key_iv[1]:  # the student's earlier answers lead elsewhere
                own = grid_range(m.own, d)
        row = {
            "id": m.id,
            "symbol": a["symbol"],
            "label": a["label"],
            # numbers with the typographic minus; an unreadable text is shown exactly as typed
            "submitted": minus(m.entry.text) if m.entry.readable else m.entry.text,
            "expected": minus(a["rounded"]),
            "accepted": minus(grid_range(vk.key_interval(m.id), d)),
            "verdict": m.verdict,
            "verdict_label": VERDICT_LABELS[m.verdict],
            "points": points(m.points),
            "max_points": points(m.max_points),
            "diagnosis": m.diagnosis,
            "diagnosis_label": label(m.diagnosis) if m.diagnosis else "",
            "diagnosis_words": explain(m.diagnosis),
            "note": m.note,
            "from_own": minus(own),
        }
        rows.append(row)
        if m.verdict in (WRONG, BLANK, UNREADABLE):
            chain = [*st.region[m.id], m.id]
            mistakes.append({
                **row,
                "steps": [
                    {"formula": steps[s]["formula"], "substituted": steps[s]["substituted"],
                     "result": minus(steps[s]["result"]), "asked": s == m.id}
                    for s in chain
                ],
            })  # fmt: skip
    counts = [{"verdict": v, "label": VERDICT_LABELS[v], "count": g.count(v)} for v in VERDICT_LABELS]
    student = g.name or g.student_id or "anonymous"
    return {
        "title": key.get("title", ""),
        "course": key.get("course", ""),
        "pack": key["pack"],
        "variant": g.code,
        "student": student,
        "student_id": g.student_id,
        "score": points(g.score),
        "max_score": points(g.max_score),
        "percent": percent(g.percent),
        "decimals": d,
        "ecf_credit": ecf_words(ecf_credit),
        "description": dict(vk.problem.get("description", {})),
        "counts": counts,
        "rows": rows,
        "mistakes": mistakes,
    }
