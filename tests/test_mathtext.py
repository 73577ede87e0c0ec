"""The formula notation of answer keys, as HTML and as plain text."""

from __future__ import annotations

from generator.mathtext import to_html, to_text


def test_subscripts_fractions_and_italic_variables() -> None:
    html = to_html(r"\frac{∂L}{∂w_{x1→h1}} = δ_{h1} · x_{1}")
    # variables are Unicode mathematical (sans-serif) italic letters (U+1D613 L, w, 𝛿, x), not <i> elements
    assert html == (
        '<span class="frac"><span class="num">∂\U0001d613</span>'
        '<span class="den">∂\U0001d638<sub>x1→h1</sub></span></span>'
        " = \U0001d6ff<sub>h1</sub> · \U0001d639<sub>1</sub>"
    )


def test_words_stay_upright_and_superscripts_work() -> None:
    assert to_html("max(0, z_{h1})") == "max(0, \U0001d63b<sub>h1</sub>)"
    assert to_html("1 − a_{h1}^{2}") == "1 − \U0001d622<sub>h1</sub><sup>2</sup>"
    assert to_html("w_{h1→o1}^{new}") == "\U0001d638<sub>h1→o1</sub><sup>new</sup>"
    assert to_html("tanh(h) + η·σ′(z)") == "tanh(\U0001d629) + 𝜂·𝜎′(\U0001d63b)"  # words stay upright


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
