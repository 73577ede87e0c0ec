"""Canvas classic quiz, QTI 1.2 (the zip Canvas's "QTI .zip file" import reads; New Quizzes imports it too).

Canvas numerical questions hold one answer each and a question group draws its questions
independently, so a multi-part variant cannot be numerical questions and still be drawn as a
whole. Each variant is therefore ONE fill-in-multiple-blanks question (one blank per asked
answer) in a question group that picks 1. A blank's accepted answers are every
``decimals``-decimal value of the key's accepted range, written out (``0.0185``, ``.0185``,
``0,0185``, ``,0185``): Canvas compares blanks as text, so this is the accepted interval exactly
at the precision students are told to use, and nothing is ever turned into 0 (Canvas's
numerical answers below 1e-4 are; text blanks are not, so no value needs scaling or
scientific form). Canvas cannot show per-mistake feedback on blanks; ``backprop-exam grade``
on the Student Analysis CSV names the mistakes. See docs/lms.md.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Mapping
from decimal import Decimal
from xml.sax.saxutils import quoteattr

from ..records import Key, WorkedAnswer
from .content import esc, image_name, intro, part_label, svg_bytes, worked_solution
from .math import inline_tex
from .model import Item, exact, items

NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
XSD = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"
FILES = "backprop-exam"
MAX_FORMS = 400  # per blank; beyond it only the canonical form of each value is listed


def accepted_strings(lo: str, hi: str, decimals: int) -> list[str]:
    """Every d-decimal value from ``lo`` to ``hi`` (the key's from/to), in the forms people type."""
    step = Decimal(1).scaleb(-decimals)
    a, b = exact(lo), exact(hi)
    values = []
    v = a
    while v <= b:
        values.append(f"{v:.{decimals}f}")
        v += step
    forms = [[s, _no_zero(s), s.replace(".", ","), _no_zero(s).replace(".", ",")] for s in values]
    flat = [f for group in forms for f in dict.fromkeys(group)]
    return flat if len(flat) <= MAX_FORMS else values


def _no_zero(s: str) -> str:
    return s.replace("0.", ".", 1) if s.startswith(("0.", "-0.")) else s


def _blanks(item: Item, answers: Mapping[str, WorkedAnswer], decimals: int) -> Iterator[tuple[str, list[str]]]:
    """Per part: the response_lid element and the idents of its accepted answers."""
    n = 0
    for p in item.parts:
        acc = answers[p.id].accepted
        labels, idents = [], []
        for s in accepted_strings(acc.first, acc.last, decimals):
            n += 1
            idents.append(f"{item.ident}-{n}")
            labels.append(
                f'<response_label ident="{idents[-1]}"><material><mattext texttype="text/plain">{esc(s)}'
                "</mattext></material></response_label>"
            )
        lid = (
            f'<response_lid ident="response_{p.id}"><material><mattext>{p.id}</mattext></material>'
            f"<render_choice>{''.join(labels)}</render_choice></response_lid>"
        )
        yield lid, idents


def item_xml(item: Item, decimals: int) -> str:
    answers = {a.id: a for a in item.problem.answers}
    rows = "".join(
        f"<tr><td>{part_label(p.label, p.symbol, inline_tex)}</td><td>[{p.id}]</td></tr>" for p in item.parts
    )
    text = intro(item, f"$IMS-CC-FILEBASE$/{FILES}/{image_name(item)}", inline_tex, decimals) + f"<table>{rows}</table>"
    blanks = list(_blanks(item, answers, decimals))
    share = f"{100 / len(item.parts):.4f}"
    conds = []
    for p, (_, idents) in zip(item.parts, blanks, strict=True):
        ors = "".join(f'<varequal respident="response_{p.id}">{i}</varequal>' for i in idents)
        conds.append(
            f"<respcondition><conditionvar><or>{ors}</or></conditionvar>"
            f'<setvar varname="SCORE" action="Add">{share}</setvar></respcondition>'
        )
    meta = "".join(
        f"<qtimetadatafield><fieldlabel>{k}</fieldlabel><fieldentry>{v}</fieldentry></qtimetadatafield>"
        for k, v in (("question_type", "fill_in_multiple_blanks_question"), ("points_possible", len(item.parts)))
    )
    return (
        f"<item ident={quoteattr(item.ident)} title={quoteattr(item.name)}>"
        f"<itemmetadata><qtimetadata>{meta}</qtimetadata></itemmetadata>"
        f'<presentation><material><mattext texttype="text/html">{esc(text)}</mattext></material>'
        + "".join(b for b, _ in blanks) + "</presentation>"
        '<resprocessing><outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>'
        + "".join(conds) + "</resprocessing>"
        f'<itemfeedback ident="general_fb"><flow_mat><material><mattext texttype="text/html">'
        f"{esc(worked_solution(item.problem, decimals, inline_tex))}</mattext></material></flow_mat></itemfeedback>"
        "</item>"
    )  # fmt: skip


def assessment_xml(key: Key, its: list[Item]) -> str:
    d = key.decimals
    points = len(its[0].parts) if its else 0
    title = quoteattr(key.title or key.pack)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<questestinterop xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{NS} {XSD}">'
        f'<assessment ident="quiz-{esc(key.pack)}" title={title}>'
        "<qtimetadata><qtimetadatafield><fieldlabel>cc_maxattempts</fieldlabel><fieldentry>1</fieldentry>"
        "</qtimetadatafield></qtimetadata>"
        '<section ident="root_section">'
        f'<section ident="group-{esc(key.pack)}" title="Variants (pick 1)">'
        "<selection_ordering><selection><selection_number>1</selection_number><selection_extension>"
        f"<points_per_item>{points}</points_per_item></selection_extension></selection></selection_ordering>"
        + "".join(item_xml(i, d) for i in its)
        + "</section></section></assessment></questestinterop>\n"
    )


def manifest_xml(key: Key, its: list[Item]) -> str:
    quiz = f"quiz-{key.pack}"
    files = "".join(
        f'<resource identifier="img-{i.ident}" type="webcontent" href="{FILES}/{image_name(i)}">'
        f'<file href="{FILES}/{image_name(i)}"/></resource>'
        for i in its
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest identifier="man-' + esc(key.pack) + '" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1">'
        "<metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata>"
        "<organizations/><resources>"
        f'<resource identifier="{esc(quiz)}" type="imsqti_xmlv1p2" href="{esc(quiz)}/{esc(quiz)}.xml">'
        f'<file href="{esc(quiz)}/{esc(quiz)}.xml"/></resource>' + files + "</resources></manifest>\n"
    )


def canvas_zip(key: Key) -> bytes:
    its = list(items(key))
    quiz = f"quiz-{key.pack}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("imsmanifest.xml", manifest_xml(key, its))
        z.writestr(f"{quiz}/{quiz}.xml", assessment_xml(key, its))
        for i in its:
            z.writestr(f"{FILES}/{image_name(i)}", svg_bytes(i))
    return buf.getvalue()
