"""The formula notation of answer keys -> HTML (print) or plain text (terminal).

The notation is a tiny TeX subset: ``x_{1}`` subscript, ``a^{2}`` superscript,
``\\frac{num}{den}`` fraction, ``\\hat{y}`` hat. Everything else is literal Unicode text.
Single Latin letters and Greek letters are variables and set in italics; longer words
(ln, max, tanh, new, if) stay upright.
"""

from __future__ import annotations

import html
import re

_TOKEN = re.compile(r"\\frac|\\hat|[_^{}]|[^\\_^{}]+")
_GREEK_VARS = set("δσηεα")
# mathematical italic δ σ η ε α (Unicode has no sans-serif italic Greek that is not bold)
_GREEK_ITALIC = {"δ": "\U0001d6ff", "σ": "\U0001d70e", "η": "\U0001d702", "ε": "\U0001d700", "α": "\U0001d6fc"}
_WORD = re.compile(r"[A-Za-z]+|[^A-Za-z]+")

Node = str | tuple[str, list["Node"], list["Node"]]


def parse(text: str) -> list[Node]:
    tokens = _TOKEN.findall(text)
    pos = 0

    def group() -> list[Node]:
        nonlocal pos
        if pos < len(tokens) and tokens[pos] == "{":
            pos += 1
            out = seq(closing=True)
            pos += 1  # the closing brace
            return out
        if pos < len(tokens):  # a bare token (x^2)
            tok = tokens[pos]
            pos += 1
            return [tok[0]] + ([tok[1:]] if len(tok) > 1 else [])
        return []

    def seq(closing: bool = False) -> list[Node]:
        nonlocal pos
        out: list[Node] = []
        while pos < len(tokens):
            tok = tokens[pos]
            if tok == "}" and closing:
                return out
            pos += 1
            if tok == "\\frac":
                num = group()
                den = group()
                out.append(("frac", num, den))
            elif tok == "\\hat":
                out.append(("hat", group(), []))
            elif tok == "_":
                out.append(("sub", group(), []))
            elif tok == "^":
                out.append(("sup", group(), []))
            elif tok == "{":
                out.extend(seq(closing=True))
                pos += 1
            else:
                out.append(tok)
        return out

    return seq()


def _math_italic(ch: str) -> str:
    """The Unicode mathematical sans-serif italic letter of Latin ``ch`` (U+1D608…, matching Noto Sans
    Italic), or the mathematical italic of a Greek variable; both from the bundled Noto Sans Math."""
    if "a" <= ch <= "z":
        return chr(0x1D622 + ord(ch) - ord("a"))
    if "A" <= ch <= "Z":
        return chr(0x1D608 + ord(ch) - ord("A"))
    return _GREEK_ITALIC.get(ch, ch)


def text_html(s: str, italic: bool) -> str:
    out = []
    for part in _WORD.findall(s):
        if italic and part.isascii() and part.isalpha() and len(part) == 1:
            out.append(_math_italic(part))
        else:
            for ch in html.escape(part):
                out.append(_math_italic(ch) if italic and ch in _GREEK_VARS else ch)
    return "".join(out)


def _html(nodes: list[Node], italic: bool = True) -> str:
    out = []
    for n in nodes:
        if isinstance(n, str):
            out.append(text_html(n, italic))
            continue
        kind, a, b = n
        if kind == "frac":
            out.append(
                f'<span class="frac"><span class="num">{_html(a)}</span><span class="den">{_html(b)}</span></span>'
            )
        elif kind == "hat":
            out.append(f'<span class="hat">{_html(a)}</span>')
        elif kind == "sub":
            out.append(f"<sub>{_html(a, italic=False)}</sub>")
        else:
            out.append(f"<sup>{_html(a, italic=False)}</sup>")
    return "".join(out)


def to_html(text: str) -> str:
    """HTML with <sub>, <sup> and CSS fractions (class frac/num/den); input is escaped.

    Variables are Unicode mathematical italic letters rather than <i> elements: WeasyPrint's
    layout time grows with the number of elements, and an answer key has hundreds of variables.
    """
    return _html(parse(text))


_SUP = str.maketrans("0123456789+-−()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁽⁾ⁿ")


def _wrap(s: str) -> str:
    return f"({s})" if any(c in s for c in " +−-") else s


def _text(nodes: list[Node]) -> str:
    out = []
    for n in nodes:
        if isinstance(n, str):
            out.append(n)
            continue
        kind, a, b = n
        if kind == "frac":
            num, den = _text(a), _text(b)
            out.append(f"{_wrap(num)}/{_wrap(den)}")
        elif kind == "hat":
            out.append(_text(a) + "\u0302")
        elif kind == "sub":
            out.append(_text(a))
        else:
            s = _text(a)
            out.append(s.translate(_SUP) if all(c in "0123456789+-−()" for c in s) else f"^{s}")
    return "".join(out)


def to_text(text: str) -> str:
    """Plain Unicode for terminals and CSV; subscripts keep their underscore (z_{h1} -> z_h1)."""
    return _text(parse(text.replace("_{", "_{\x00"))).replace("\x00", "_")
