"""The formula notation of answer keys, as HTML and as plain text."""

from __future__ import annotations

from generator.mathtext import to_html, to_text


def test_subscripts_fractions_and_italic_variables() -> None:
    html = to_html(r"\frac{∂L}{∂w_{x1→h1}} = δ_{h1} · x_{1}")
    assert html == (
        '<span class="frac"><span class="num">∂<i>L</i></span>'
        '<span class="den">∂<i>w</i><sub>x1→h1</sub></span></span>'
        " = <i>δ</i><sub>h1</sub> · <i>x</i><sub>1</sub>"
    )


def test_words_stay_upright_and_superscripts_work() -> None:
    assert to_html("max(0, z_{h1})") == "max(0, <i>z</i><sub>h1</sub>)"
    assert to_html("1 − a_{h1}^{2}") == "1 − <i>a</i><sub>h1</sub><sup>2</sup>"
    assert to_html("w_{h1→o1}^{new}") == "<i>w</i><sub>h1→o1</sub><sup>new</sup>"


def test_html_is_escaped() -> None:
    out = to_html('<img src="file:///etc/passwd"> & x_{<b>}')
    assert "<img" not in out
    assert "<b>" not in out
    assert "&lt;img" in out
    assert "&amp;" in out


def test_plain_text() -> None:
    assert to_text(r"\frac{∂L}{∂a_{o1}} = a_{o1} − y_{1}") == "∂L/∂a_o1 = a_o1 − y_1"
    assert to_text(r"\frac{1}{1 + e^{−0.3775}}") == "1/(1 + e^−0.3775)"
    assert to_text("(a_{o1} − y_{1})^{2}") == "(a_o1 − y_1)²"
