"""Response reports in the exact shapes Moodle and Canvas download them, for a given key and answers.

Moodle (mod/quiz/report/responses): user columns, State, Started on, Completed, Time taken,
Grade/<max>, then per slot "Question k", "Response k", "Right answer k"; a Cloze response
summary reads "part 1: …; part 2: …"; the last row is "Overall average". Canvas
(Quizzes::QuizStatistics::StudentAnalysis#to_csv): name, id, sis_id, section, section_id,
section_sis_id, submitted, attempt, per question "<id>: <text>" and its points, then
n correct, n incorrect, score; fill-in-blank answers joined with ',' and a typed ',' as '\\,'.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from generator.records import Key

Student = Mapping[str, str]  # first, last, email, idnumber, username, canvas_id, sis_id, section


def _summary(values: Sequence[str]) -> str:
    return "; ".join(f"part {i}: {v}" for i, v in enumerate(values, start=1))


def moodle_rows(key: Key, taken: Sequence[tuple[Student, str, Sequence[str]]]) -> list[list[str]]:
    """``taken``: (student, variant code, typed answers in key order)."""
    n = len(key.structure.answer_ids)
    head = ["Last name", "First name", "ID number", "Email address", "State", "Started on", "Completed",
            "Time taken", f"Grade/{n}.00", "Question 1", "Response 1", "Right answer 1"]  # fmt: skip
    rows = [head]
    by_code = {v.variant: v for v in key.variants}
    for s, code, typed in taken:
        v = by_code[code]
        text = f"Variant {code} The network Given: x1 = 0.35 … net input of h1 _____ activation of h1 _____"
        right = _summary([a.rounded for a in v.problems[0].answers])
        rows.append([s["last"], s["first"], s["idnumber"], s["email"], "Finished", "1 December 2026  09:00 AM",
                     "1 December 2026  09:41 AM", "41 mins 3 secs", "7.00", text, _summary(typed), right])  # fmt: skip
    rows.append(["Overall average", "", "", "", "", "", "", "", "7.00", "", "", ""])
    return rows


def canvas_rows(key: Key, taken: Sequence[tuple[Student, str, Sequence[str]]]) -> list[list[str]]:
    qids = {v.variant: 9000 + i for i, v in enumerate(key.variants)}
    n = len(key.structure.answer_ids)
    head = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted", "attempt"]
    for v in key.variants:
        head += [f"{qids[v.variant]}: Variant {v.variant} The network Given: x1 = 0.35 …", f"{n}.0"]
    head += ["n correct", "n incorrect", "score"]
    rows = [head]
    for s, code, typed in taken:
        row = [s["first"] + " " + s["last"], s["canvas_id"], s["sis_id"], s["section"], "77", "",
               "2026-12-01 09:41:00 UTC", "1"]  # fmt: skip
        for v in key.variants:
            if v.variant == code:
                row += [",".join(t.replace(",", "\\,") for t in typed), "7.0"]
            else:
                row += ["", ""]
        row += ["7", str(n - 7), "7.0"]
        rows.append(row)
    return rows


def to_csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def qti_result(key: Key, student_id: str, code: str, typed: Sequence[str]) -> str:
    """A QTI 2.1 results report (imsqti_result_v2p1) of one candidate, as OpenOlat or TAO write it."""
    from xml.sax.saxutils import escape, quoteattr

    ids = key.structure.answer_ids
    ident = "v-" + code.replace("-", "")
    variables = "".join(
        f'<responseVariable identifier="{aid}" cardinality="single" baseType="float">'
        f"<candidateResponse><value>{escape(t)}</value></candidateResponse></responseVariable>"
        for aid, t in zip(ids, typed, strict=True)
        if t
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<assessmentResult xmlns="http://www.imsglobal.org/xsd/imsqti_result_v2p1">'
        f'<context sourcedId={quoteattr(student_id)}><sessionIdentifier sourceID="lms" identifier="1"/></context>'
        '<testResult identifier="test" datestamp="2026-12-01T09:41:00"/>'
        f'<itemResult identifier="{ident}" datestamp="2026-12-01T09:41:00" sessionStatus="final">'
        f"{variables}</itemResult></assessmentResult>\n"
    )
