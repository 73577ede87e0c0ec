"""Moodle XML: one Cloze (multianswer) question per variant, all in one category.

Each asked answer is a NUMERICAL sub-question ``{1:NUMERICAL:=0.5523:0#…~%100%0.55232:0.00019#…~%0%…#…}``:
the printed key value first with tolerance 0 (Moodle shows the first 100 % answer as "the
correct answer"), then the accepted interval [lo, hi] as midpoint:half-width at 100 %, then
each nameable mistake's interval at 0 % with feedback naming it. Moodle tries the answers in
order and takes the first that matches, as the grader names the first rule that fits.
The grammar is Moodle's own (question/type/multianswer/questiontype.php, ANSWER_REGEX); see
docs/lms.md.
"""

from __future__ import annotations

import base64
import html
import xml.etree.ElementTree as ET

from ..records import Key
from .content import image_name, intro, part_label, svg_bytes, worked_solution
from .math import inline_tex
from .model import Item, Part, items, plain

PENALTY = "0.3333333"


def feedback(text: str) -> str:
    """Cloze feedback that Moodle shows as ``text``, whatever it holds.

    Moodle ends a feedback at an unescaped ``~`` or ``}``, then entity-decodes it once, then
    unescapes ``\\}`` and ``\\#``, and shows the result as HTML. So the text is HTML-escaped twice
    and ``\\ { } ~ #`` and line breaks become character references: the parser never sees them, and after the one
    decoding they are references that display as the characters themselves.
    """
    out = html.escape(html.escape(text, quote=False), quote=False)
    return "".join(_HIDDEN.get(ch, ch) for ch in out)


_HIDDEN = {ch: f"&amp;#{ord(ch)};" for ch in "\\{}~#\n\r"}  # a newline would end the alternatives early


def cloze(part: Part, mark: int = 1) -> str:
    alts = [f"={part.value}:0#Correct."]
    a = part.accepted
    alts.append(f"%100%{plain(a.mid)}:{plain(a.half)}#Correct (within the rounding the key accepts).")
    for m in part.mistakes:
        named = f"{m.label[:1].upper()}{m.label[1:]}: {m.words}"
        alts.append(f"%0%{plain(m.range.mid)}:{plain(m.range.half)}#{feedback(named)}")
    return "{" + f"{mark}:NUMERICAL:" + "~".join(alts) + "}"


def question_html(item: Item, decimals: int) -> str:
    rows = "".join(
        f"<tr><td>{part_label(p.label, p.symbol, inline_tex)}</td><td>{cloze(p)}</td></tr>" for p in item.parts
    )
    return intro(item, f"@@PLUGINFILE@@/{image_name(item)}", inline_tex, decimals) + f"<table>{rows}</table>"


def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(el, "text").text = text
    return el


def moodle_xml(key: Key) -> bytes:
    quiz = ET.Element("quiz")
    cat = ET.SubElement(quiz, "question", {"type": "category"})
    _text(cat, "category", f"$course$/top/backprop-exam/{key.pack}")
    _text(cat, "info", f"All variants of {key.pack}: draw one at random per attempt.", "html")
    d = key.decimals
    for item in items(key):
        q = ET.SubElement(quiz, "question", {"type": "cloze"})
        _text(q, "name", item.name)
        qt = _text(q, "questiontext", question_html(item, d), "html")
        f = ET.SubElement(qt, "file", {"name": image_name(item), "path": "/", "encoding": "base64"})
        f.text = base64.b64encode(svg_bytes(item)).decode("ascii")
        _text(q, "generalfeedback", worked_solution(item.problem, d, inline_tex), "html")
        ET.SubElement(q, "penalty").text = PENALTY
        ET.SubElement(q, "hidden").text = "0"
        ET.SubElement(q, "idnumber").text = f"{key.pack}-{item.code}"
    ET.indent(quiz, space=" ")
    body: bytes = ET.tostring(quiz, encoding="utf-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"
