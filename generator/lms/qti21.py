"""IMS QTI 2.1 content package (OpenOlat, ILIAS, TAO): one item per variant, a test that draws one.

Each asked answer is a float ``textEntryInteraction``; its accepted interval [lo, hi] is the
key value v with ``<equal toleranceMode="absolute" tolerance="v−lo hi−v">`` and the correct
response as the FIRST operand (QTI 2.1: the first expression x is equal to y when
x − t0 ≤ y ≤ x + t1; TAO's scoring engine reads it the same way). Each nameable mistake is a
second, else-if comparison whose modal feedback names it. Math is MathML, which QTI 2.1 allows
in item bodies.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import quoteattr

from ..records import Key
from .content import esc, image_name, intro, part_label, svg_bytes, worked_solution
from .math import to_mathml
from .model import Item, exact, items, plain

NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_XSD = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
_HEAD = f'xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="{NS} {XSD}"'


def _mistake_id(aid: str, n: int) -> str:
    return f"{aid}-M{n}"


def item_xml(item: Item, decimals: int) -> str:
    decl, body, rules, feedback = [], [], [], []
    for p in item.parts:
        v = exact(p.value)
        t0, t1 = v - p.accepted.lo, p.accepted.hi - v
        decl.append(
            f'<responseDeclaration identifier="{p.id}" cardinality="single" baseType="float">'
            f"<correctResponse><value>{p.value}</value></correctResponse></responseDeclaration>"
        )
        body.append(
            f"<p>{part_label(p.label, p.symbol, to_mathml)} "
            f'<textEntryInteraction responseIdentifier="{p.id}" expectedLength="{decimals + 4}"/></p>'
        )
        branches = [
            f'<responseIf><equal toleranceMode="absolute" tolerance="{plain(t0)} {plain(t1)}">'
            f'<correct identifier="{p.id}"/><variable identifier="{p.id}"/></equal>'
            '<setOutcomeValue identifier="SCORE"><sum><variable identifier="SCORE"/>'
            '<baseValue baseType="float">1</baseValue></sum></setOutcomeValue></responseIf>'
        ]
        for n, m in enumerate(p.mistakes, start=1):
            fid = _mistake_id(p.id, n)
            branches.append(
                f'<responseElseIf><equal toleranceMode="absolute" tolerance="{plain(m.range.half)} '
                f'{plain(m.range.half)}"><baseValue baseType="float">{plain(m.range.mid)}</baseValue>'
                f'<variable identifier="{p.id}"/></equal>'
                '<setOutcomeValue identifier="FEEDBACK"><multiple><variable identifier="FEEDBACK"/>'
                f'<baseValue baseType="identifier">{fid}</baseValue></multiple></setOutcomeValue></responseElseIf>'
            )
            feedback.append(
                f'<modalFeedback outcomeIdentifier="FEEDBACK" identifier="{fid}" showHide="show">'
                f"{esc(p.label)}: {esc(m.label)}. {esc(m.words)}</modalFeedback>"
            )
        rules.append("<responseCondition>" + "".join(branches) + "</responseCondition>")
    outcomes = (
        '<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float">'
        "<defaultValue><value>0</value></defaultValue></outcomeDeclaration>"
        '<outcomeDeclaration identifier="MAXSCORE" cardinality="single" baseType="float">'
        f"<defaultValue><value>{len(item.parts)}</value></defaultValue></outcomeDeclaration>"
        '<outcomeDeclaration identifier="FEEDBACK" cardinality="multiple" baseType="identifier"/>'
    )
    solution = (
        f'<modalFeedback outcomeIdentifier="FEEDBACK" identifier="SOLUTION" showHide="hide">'
        f"<div>{worked_solution(item.problem, decimals, to_mathml)}</div></modalFeedback>"
    )
    head = intro(item, image_name(item), to_mathml, decimals)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<assessmentItem {_HEAD} identifier={quoteattr(item.ident)} title={quoteattr(item.name)} "
        'adaptive="false" timeDependent="false">'
        + "".join(decl) + outcomes
        + f"<itemBody><div>{head}</div>{''.join(body)}</itemBody>"
        + "<responseProcessing>" + "".join(rules) + "</responseProcessing>"
        + "".join(feedback) + solution + "</assessmentItem>\n"
    )  # fmt: skip


def test_xml(key: Key, its: list[Item]) -> str:
    refs = "".join(f'<assessmentItemRef identifier="{i.ident}" href="items/{i.ident}.xml"/>' for i in its)
    title = quoteattr(key.title or key.pack)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<assessmentTest {_HEAD} identifier="test-{esc(key.pack)}" title={title}>'
        '<testPart identifier="part1" navigationMode="nonlinear" submissionMode="simultaneous">'
        f'<assessmentSection identifier="variants" title={title} visible="true">'
        '<selection select="1"/>' + refs + "</assessmentSection></testPart></assessmentTest>\n"
    )


def manifest_xml(key: Key, its: list[Item]) -> str:
    res = [
        '<resource identifier="res-test" type="imsqti_test_xmlv2p1" href="test.xml"><file href="test.xml"/>'
        + "".join(f'<dependency identifierref="res-{i.ident}"/>' for i in its)
        + "</resource>"
    ]
    for i in its:
        res.append(
            f'<resource identifier="res-{i.ident}" type="imsqti_item_xmlv2p1" href="items/{i.ident}.xml">'
            f'<file href="items/{i.ident}.xml"/><file href="items/{image_name(i)}"/></resource>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<manifest xmlns="{CP_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{CP_NS} {CP_XSD}" identifier="man-{esc(key.pack)}">'
        "<metadata><schema>IMS Content</schema><schemaversion>1.1</schemaversion></metadata>"
        "<organizations/><resources>" + "".join(res) + "</resources></manifest>\n"
    )


def qti21_zip(key: Key) -> bytes:
    d = key.decimals
    its = list(items(key))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("imsmanifest.xml", manifest_xml(key, its))
        z.writestr("test.xml", test_xml(key, its))
        for i in its:
            z.writestr(f"items/{i.ident}.xml", item_xml(i, d))
            z.writestr(f"items/{image_name(i)}", svg_bytes(i))
    return buf.getvalue()
