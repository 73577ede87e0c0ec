"""Moodle's Cloze (multianswer) grammar, transcribed from question/type/multianswer/questiontype.php.

The PHP lookbehind ``(?<!\\\\|&|&amp;)`` has alternatives of different widths, which Python's
``re`` does not allow in one lookbehind; three lookbehinds in a row mean the same.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal

FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = f"({FRACTION})?({ANSWER})(#({FEEDBACK}))?"
NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL_ALTERNATIVE = re.compile(f"^({NUMBER})(:{NUMBER})?$", re.S)
TYPE_DEF = (
    r"(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|(SHORTANSWER|SA|MW)|"
    r"(SHORTANSWER_C|SAC|MWC)|(MULTICHOICE_S|MCS)|(MULTICHOICE_VS|MCVS)|(MULTICHOICE_HS|MCHS)|"
    r"(MULTIRESPONSE|MR)|(MULTIRESPONSE_H|MRH)|(MULTIRESPONSE_S|MRS)|(MULTIRESPONSE_HS|MRHS)"
)
START = rf"\{{([0-9]*):({TYPE_DEF}):"
ANSWER_REGEX = re.compile(f"{START}({ALTERNATIVE}(~{ALTERNATIVE})*)\\}}", re.S)
ALTERNATIVES_GROUP = 16  # ANSWER_REGEX_ALTERNATIVES in Moodle
ALT_RE = re.compile(f"~?{ALTERNATIVE}", re.S)


@dataclass
class Alternative:
    fraction: Decimal
    answer: Decimal
    tolerance: Decimal
    feedback: str


@dataclass
class SubQuestion:
    mark: str
    numerical: bool
    alternatives: list[Alternative]


def parse(text: str) -> list[SubQuestion]:
    """Every sub-question of a Cloze question text, as Moodle's qtype_multianswer_extract_question reads it."""
    subs = []
    while True:
        m = ANSWER_REGEX.search(text)
        if not m:
            return subs
        numerical = bool(m.group(3))
        rest = m.group(ALTERNATIVES_GROUP)
        alts = []
        while True:
            a = ALT_RE.match(rest)
            if not a or not a.group(0):
                break
            frac = (
                Decimal(1)
                if a.group(1) == "="
                else Decimal(a.group(2).replace(",", ".")) / 100
                if a.group(2)
                else Decimal(0)
            )
            fb = html.unescape(a.group(5) or "").replace("\\}", "}").replace("\\#", "#")
            n = NUMERICAL_ALTERNATIVE.match(a.group(3))
            assert numerical, "only NUMERICAL sub-questions are written"
            assert n, f"not a numerical alternative: {a.group(3)!r}"
            tol = Decimal(n.group(6).replace(",", ".")) if n.group(6) else Decimal(0)
            alts.append(Alternative(frac, Decimal(n.group(1).replace(",", ".")), tol, fb))
            rest = rest[len(a.group(0)) :]
        assert rest == "", f"unparsed Cloze text: {rest!r}"
        subs.append(SubQuestion(m.group(1), numerical, alts))
        text = text[: m.start()] + f"{{#{len(subs)}}}" + text[m.end() :]
