"""--decimal-comma: every printed number gets a comma; tags, attributes and styles keep their points."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from generator.render.numberstyle import decimal_comma

number = st.builds(
    lambda sign, a, b: f"{sign}{a}.{b}", st.sampled_from(["", "−", "-"]), st.integers(0, 999), st.integers(0, 99999)
)


@given(st.lists(number, min_size=1, max_size=8), st.sampled_from([" = ", " + ", "·", " to "]))
def test_numbers_in_text_get_a_comma_and_markup_keeps_its_points(numbers: list[str], sep: str) -> None:
    text = sep.join(numbers)
    html = f'<td class="b" style="padding-top: 12.5mm"><text x="10.5">{text}</text></td>'
    html += "<style>a { width: 7.5pt }</style>"
    out = decimal_comma(html)
    assert 'style="padding-top: 12.5mm"' in out
    assert 'x="10.5"' in out
    assert "width: 7.5pt" in out
    assert sep.join(n.replace(".", ",") for n in numbers) in out


def test_words_and_ids_are_left_alone() -> None:
    assert decimal_comma("<p>v1.2.3, e.g. 3. and grad_w_h1.o1</p>") == "<p>v1.2.3, e.g. 3. and grad_w_h1.o1</p>"


def test_a_worksheet_and_a_marking_key_print_commas() -> None:
    from generator.pack import build_pack
    from generator.render.batch import DECIMAL_COMMA, _numbers
    from generator.render.context import worksheet_context
    from generator.render.templating import render_template
    from generator.spec import load_builtin

    key = build_pack(load_builtin("profile", "standard"), pack="c", count=1, seed="1")
    v = key["variants"][0]
    html = _numbers({**key, DECIMAL_COMMA: True}, render_template("worksheet.html.j2", **worksheet_context(key, v)))
    text = re.sub(r"<[^>]*>", " ", html)
    assert not re.search(r"\d\.\d", text)
    for g in v["problems"][0]["given"]:
        assert g["value"].replace(".", ",").replace("-", "−") in text


def test_tagged_worksheet_is_a_tagged_pdf(tmp_path: object) -> None:
    import io

    import pypdf

    from generator.pack import build_pack
    from generator.render.batch import TAGGED, render_worksheet
    from generator.spec import load_builtin

    key = build_pack(load_builtin("profile", "easy"), pack="t", count=1, seed="1")
    pdf, _ = render_worksheet({**key, TAGGED: True}, key["variants"][0], "a4")
    root = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
