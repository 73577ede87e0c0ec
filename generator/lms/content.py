"""The HTML every LMS question shows: the variant code, the network, the given values, the asked
parts, and the worked solution (the key's step records, as ``solve.problem_steps`` gives them).
``math`` turns a key formula into the LMS's math markup.

Everything taken from the key is escaped; no student name or id ever appears in a question
(an LMS draws variants at random, so a question must not name the student it was made for).
"""

from __future__ import annotations

import html
from collections.abc import Callable

import msgspec

from ..numbers import minus
from ..records import WorkedProblem
from ..render.diagram import network_svg
from ..solve import problem_steps
from .codes import CODE_LABEL
from .model import Item

Math = Callable[[str], str]

_DESCRIPTION = (("architecture", "Network"), ("activation", "Activation"), ("loss", "Loss"), ("bias", "Biases"),
                ("update", "Update"))  # fmt: skip


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def svg_bytes(item: Item) -> bytes:
    return network_svg(item.problem).encode("utf-8")


def image_name(item: Item) -> str:
    return f"network-{item.code}.svg"


def intro(item: Item, img_src: str, math: Math, decimals: int) -> str:
    """The question's head: code, diagram, conventions, given values, the rounding instruction."""
    p = item.problem
    desc = msgspec.structs.asdict(p.description)
    rows = "".join(f"<li>{esc(label)}: {esc(desc[k])}</li>" for k, label in _DESCRIPTION if desc.get(k))
    given = ", ".join(f"{math(g.symbol)} = {esc(g.value)}" for g in p.given)
    return (
        f"<p><strong>{CODE_LABEL} {esc(item.code)}</strong></p>"
        f'<p><img src="{esc(img_src)}" alt="{esc("The network " + str(desc.get("architecture", "")))}"/></p>'
        f"<ul>{rows}</ul>"
        f"<p>Given: {given}.</p>"
        f"<p>Give every answer to {decimals} decimals (for example 0.{'0' * (decimals - 1)}1).</p>"
    )


def part_label(part_label_text: str, symbol: str, math: Math) -> str:
    return f"{esc(part_label_text)} {math(symbol)}"


def worked_solution(problem: WorkedProblem, decimals: int, math: Math) -> str:
    """Every step as the key prints it: lhs = formula = numbers = result (core's step records)."""
    rows = []
    for s in problem_steps(problem.compact(), decimals):
        terms = math(" = ".join((s.lhs, *s.formula)))
        numbers = math(" = ".join(s.numbers)) if s.numbers else ""
        result = f"{esc(minus(s.shown))} ≈ {esc(minus(s.result))}" if s.shown else esc(minus(s.result))
        aside = f" ({esc(s.aside)})" if s.aside else ""
        note = f"<br/><em>{esc(s.note)}</em>" if s.note else ""
        rows.append(f"<tr><td>{terms}{aside}</td><td>{numbers}</td><td><strong>{result}</strong>{note}</td></tr>")
    return (
        "<p><strong>Worked solution</strong></p><table><thead><tr><th>formula</th><th>with numbers</th>"
        "<th>result</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
