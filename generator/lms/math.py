"""The key's formula notation (a TeX subset with Unicode symbols) as real TeX or as MathML.

Moodle and Canvas render TeX between ``\\(`` and ``\\)`` (Moodle's MathJax filter, Canvas's
built-in MathJax); QTI 2.1 allows MathML inside item bodies. Every character that is not
markup is escaped for HTML/XML by the caller (TeX) or here (MathML).
"""

from __future__ import annotations

import html
import re

from ..mathtext import Node, parse

_TEX = {
    "σ": r"\sigma ", "δ": r"\delta ", "η": r"\eta ", "ε": r"\varepsilon ", "α": r"\alpha ", "∂": r"\partial ",
    "−": "-", "·": r"\cdot ", "→": r"\to ", "←": r"\leftarrow ", "≈": r"\approx ", "′": "'", "½": r"\tfrac12 ",
    "Σ": r"\sum ", "∑": r"\sum ", "×": r"\times ", "≤": r"\le ", "≥": r"\ge ", "…": r"\dots ", "ŷ": r"\hat y ",
    "%": r"\%", "#": r"\#", "&": r"\&", "$": r"\$", "~": r"\sim ",
}  # fmt: skip
_TEX_WORDS = re.compile(r"\b(ln|tanh|max|exp|if|else|new|ReLU)\b")


def to_tex(text: str) -> str:
    """'a_{h1} = σ(z_{h1})' -> 'a_{h1} = \\sigma (z_{h1})' (TeX, not yet HTML-escaped)."""
    out = "".join(_TEX.get(ch, ch) for ch in text)
    return _TEX_WORDS.sub(lambda m: rf"\operatorname{{{m.group(1)}}}", out)


def inline_tex(text: str) -> str:
    """Inline math for Moodle's and Canvas's MathJax, HTML-escaped."""
    return html.escape(r"\(" + to_tex(text) + r"\)", quote=False)


_MATHML_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)?|[A-Za-z]+|\s+|.")


def _tokens(text: str) -> list[str]:
    out = []
    for tok in _MATHML_TOKEN.findall(text):
        e = html.escape(tok, quote=False)
        if tok.isspace():
            continue
        if tok[0].isdigit():
            out.append(f"<m:mn>{e}</m:mn>")
        elif tok.isalpha() or tok in "σδηεα":
            out.append(f"<m:mi>{e}</m:mi>")
        else:
            out.append(f"<m:mo>{e}</m:mo>")
    return out


def _row(items: list[str]) -> str:
    return items[0] if len(items) == 1 else "<m:mrow>" + "".join(items) + "</m:mrow>"


def _mathml(nodes: list[Node]) -> list[str]:
    out: list[str] = []
    for n in nodes:
        if isinstance(n, str):
            out.extend(_tokens(n))
            continue
        kind, a, b = n
        if kind == "frac":
            out.append(f"<m:mfrac>{_row(_mathml(a) or ['<m:mrow/>'])}{_row(_mathml(b) or ['<m:mrow/>'])}</m:mfrac>")
        elif kind == "hat":
            out.append(f'<m:mover accent="true">{_row(_mathml(a) or ["<m:mrow/>"])}<m:mo>^</m:mo></m:mover>')
        else:  # sub or sup attaches to the previous token
            base = out.pop() if out else "<m:mrow/>"
            tag = "m:msub" if kind == "sub" else "m:msup"
            out.append(f"<{tag}>{base}{_row(_mathml(a) or ['<m:mrow/>'])}</{tag}>")
    return out


MATHML_NS = "http://www.w3.org/1998/Math/MathML"


def to_mathml(text: str) -> str:
    """The formula as a MathML ``<m:math>`` element (prefix ``m`` bound on the element itself)."""
    return f'<m:math xmlns:m="{MATHML_NS}">{_row(_mathml(parse(text)) or ["<m:mrow/>"])}</m:math>'
