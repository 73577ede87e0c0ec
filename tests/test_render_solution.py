"""The worked solution per student (solutions/<student>.pdf): shorter without cramping, the end kept
together, no text the key's machine notation leaks into, the update shown once."""

from __future__ import annotations

import html as html_lib
import io
import re
from decimal import Decimal

import pytest

from generator.pack import Student, build_pack
from generator.records import Key
from generator.render.context import key_context
from generator.render.templating import render_template
from generator.spec import load_builtin
from generator.worked import worked_of

NAMES = ["Łucja Żółć-Kőrösi", "Nguyễn Thị Minh Khai", "李小龍", "محمد عبد الله", "דוד כהן"]
ROWS = re.compile(r"(↑ up|↓ down|= same)")


def pack(kind: str, name: str) -> Key:
    students = [Student(f"s{i}", n) for i, n in enumerate(NAMES)]
    return build_pack(load_builtin(kind, name), pack="w", students=students, seed="worked-7")


def test_each_update_is_printed_once_as_a_row_that_adds_up_as_printed() -> None:
    """The update steps told the before/after table's line twice (half a page); now each parameter is
    one row: old − η×gradient = new with the printed numbers, or ≈ with the one line saying why."""
    key = pack("profile", "standard")
    v = key.variants[0]
    ctx = key_context(key, v)
    html = render_template("answer-key.html.j2", **ctx)
    p = worked_of(key, v.problems[0])
    updates = {u.id for u in p.updates}
    assert updates
    assert all(s.id in updates for s in p.steps if s.group == "update")
    for sid in updates:
        assert f'<div class="sid">{sid}' not in html  # no worked step of its own
    for s in p.steps:
        if s.id not in updates:
            assert f'<div class="sid">{s.id}' in html
    assert html.count('class="dir"') == len(p.updates)
    for u, row in zip(p.updates, ctx["problems"][0]["updates"], strict=True):
        adds_up = Decimal(u.old) - Decimal(u.step) == Decimal(u.new)
        assert row["approx"] is not adds_up
    assert "old value − η × gradient = new value" in html  # the line each row is, said once


def test_formula_and_numbers_are_one_paragraph_of_two_segments() -> None:
    """A step is one line where formula and numbers fit side by side (inline blocks wrap as wholes)."""
    key = pack("profile", "standard")
    html = render_template("answer-key.html.j2", **key_context(key, key.variants[0]))
    assert 'class="line cont"' not in html
    steps = re.findall(r'<div class="step[^"]*">(.*?)</div>\s*(?=<div class="step|</section>)', html, re.S)
    assert steps
    for s in steps:
        assert s.count('<p class="line">') == 1
        assert 1 <= s.count('class="seg"') <= 2


pypdf = pytest.importorskip("pypdf")


def pages_text(key: Key, paper: str) -> list[str]:
    pytest.importorskip("weasyprint")
    from generator.render.batch import render_key

    pdf, _ = render_key(key, key.variants[2], paper)  # 李小龍
    return [pg.extract_text() or "" for pg in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.pdf
@pytest.mark.parametrize(
    ("kind", "name", "paper", "most"),
    [("profile", "standard", "a4", 3), ("profile", "standard", "letter", 3), ("profile", "deep", "letter", 4),
     ("profile", "multiclass", "letter", 4), ("preset", "ref-2-2-1-shared", "a4", 3),
     ("profile", "easy", "letter", 2), ("profile", "deep", "a4", 3), ("profile", "multiclass", "a4", 3)],
)  # fmt: skip
def test_worked_solution_is_a_page_shorter_and_ends_with_the_table_not_a_lone_row(
    kind: str, name: str, paper: str, most: int
) -> None:
    """Before: standard 4 pages (A4 and letter), deep and multiclass 5, ref-2-2-1-shared 4, easy on letter 3;
    then deep and multiclass 4 on A4, the last page holding the update table's last 3 rows and the
    grading note (which now sits under the answers it explains, on page 1)."""
    texts = pages_text(pack(kind, name), paper)
    assert len(texts) <= most
    whole = "\n".join(texts)
    assert whole.index("How answers are graded") < whole.index("Worked solution\n")  # under the answers
    last = texts[-1]
    assert len(ROWS.findall(last)) >= 2  # the table's end never stands alone, nor one table row
    whole = "\n".join(texts)
    for leak in ("e^", "docs/", "::", "See docs"):
        assert leak not in whole
    assert not re.search(r"\ba_o\b", whole)  # answer ids (a_o1) are ids; the prose says 𝑎ₒ
    assert not re.search(r"= (\S+) = \1 = ", whole)  # no empty step: f′(z) = 1 = 1 = 1.0000


def test_a_line_too_long_for_the_page_breaks_at_an_equals_sign() -> None:
    """A 4-input z: its numbers line is wider than the text; each '= term' is then an inline block
    (only there: the blocks cost layout time), so the result never starts a line without its '='."""
    from generator.render.context import LONG_LINE, _step
    from generator.steps import Step

    terms = " + ".join(["(−0.2)·0.2"] * 4) + " + (−0.3)"
    step = Step("z_h1_1", "forward", "z", True, (), "z_{h1,1}", ("w x + w x + w x + w x + b",),
                (terms, "0.1600 + (−0.0400) + 0.0400 + 0.4500 + (−0.3)"), "0.3100")  # fmt: skip
    assert len(" = ".join(step.numbers)) > LONG_LINE
    assert _step(step)["long"] == [False, True]
    key = pack("profile", "standard")
    ctx = key_context(key, key.variants[0])
    group = ctx["problems"][0]["groups"][0]
    assert not any(any(s["long"]) for s in group["steps"])  # a 2-2-1 network has none
    group["steps"] = [_step(step)]
    html = render_template("answer-key.html.j2", **ctx)
    i = html.index('<div class="sid">z_h1_1')
    body = html[i : html.index("</div>", html.index("</p>", i))]
    parts = re.findall(r'<span class="part">(.*?)</span>(?= |</span>)', body, re.S)
    assert len(parts) == 3
    assert all(p.startswith("= ") for p in parts)
    assert "0.3100" in parts[-1]


def test_a_case_distinction_keeps_its_numbers_on_their_own_line() -> None:
    """ReLU′(z) = 1 if z > 0, else 0 beside '= 1, since z is 0.41 > 0' read 'else 0 = 1'."""
    key = pack("profile", "deep")  # ReLU in the second hidden layer
    html = render_template("answer-key.html.j2", **key_context(key, key.variants[0]))
    relu = re.findall(r'<div class="sid">dact_h2_\d.*?</p>', html, re.S)
    assert relu
    for step in relu:
        assert " if " in step
        segs = re.findall(r'<span class="seg([^"]*)">', step)
        assert segs == ["", " own-line"]
        # the reason is an aside, so the result does not read as following from "> 0"
        # ("= 1, since z is 0.0428 > 0 = 1.0000" read "0 = 1.0000")
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", step))
        assert re.search(r"= (1|0) \(as .* (>|≤) 0\) = [01]\.0000", text), text
    tanh = re.findall(r'<div class="sid">dact_h1_\d.*?</p>', html, re.S)
    assert tanh
    assert all("own-line" not in step for step in tanh)


@pytest.mark.pdf
@pytest.mark.parametrize(
    ("kind", "name", "paper", "index"),
    [("profile", "easy", "a4", 0), ("profile", "standard", "a4", 1), ("profile", "hard", "a4", 2),
     ("profile", "deep", "letter", 0), ("preset", "ref-2-2-1-nobias", "a4", 0)],
)  # fmt: skip
def test_a_neurons_steps_stay_on_one_page(kind: str, name: str, paper: str, index: int) -> None:
    """As on the worksheet: z with its a, and ∂L/∂a, f′ with their δ. Each case split before: easy A4
    put ∂L/∂a_o1 and σ′(z_o1) at the foot of page 1 and δ_o1 on page 2, standard A4 z_h1 from a_h1,
    hard A4 and deep letter a hidden neuron's ∂L/∂a from its δ, ref-2-2-1-nobias z_h2 from a_h2."""
    from generator.render.batch import render_key

    key = build_pack(load_builtin(kind, name), pack="m", count=4, seed="solm")
    pdf, _ = render_key(key, key.variants[index], paper)
    texts = [pg.extract_text() or "" for pg in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    last_page: dict[str, int] = {}
    for page, text in enumerate(texts):
        for word in re.findall(r"(?<![A-Za-z_])(?:z|a|dL_da|dact|delta)_\w+", text):  # "= 0.5787a_o1"
            last_page[word] = page  # the worked solution comes after the answers table
    neurons = {w.split("_", 1)[1] for w in last_page if w.startswith("z_")}
    assert neurons
    for n in neurons:
        for chain in (("z", "a"), ("dL_da", "dact", "delta")):
            pages = {last_page[f"{k}_{n}"] for k in chain if f"{k}_{n}" in last_page}
            assert len(pages) <= 1, (n, chain, pages)


def test_the_grading_rule_speaks_to_students() -> None:
    """Students get the worked solution: 'interval arithmetic over the solution graph, widening each
    step by half a unit' was written for teachers (and "key's" had a straight apostrophe)."""
    key = pack("profile", "standard")
    html = render_template("answer-key.html.j2", **key_context(key, key.variants[0]))
    rule = html_lib.unescape(re.sub(r"<[^>]+>", "", html[html.index("How answers are graded") :]))
    assert "you could reach it honestly from the given values" in rule
    assert f"to {key.decimals} decimals" in rule
    for jargon in ("interval arithmetic", "solution graph", "'", "docs/"):
        assert jargon not in rule[:400]


@pytest.mark.pdf
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_long_answers_table_reads_down_its_columns_page_by_page(paper: str) -> None:
    """A 4-4-4-4-3's answers (two columns, 250 rows) ran on over the page break inside each column:
    read down page 1's left column, then its right one, and 25 answers were skipped."""
    import subprocess
    import tempfile
    from pathlib import Path

    from generator.render.batch import render_key
    from generator.spec import load_spec_file

    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "big.toml"
        spec.write_text('[network]\nlayers = [4, 4, 4, 4, 3]\nactivation = "sigmoid"\nbias = "per_neuron"\n')
        key = build_pack(load_spec_file(spec), pack="big", count=1, seed="bignet-seed-x7", decimals=5)
        pdf, _ = render_key(key, key.variants[0], paper)
        path = Path(tmp) / "big.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    ids = [a.id for a in key.variants[0].problems[0].answers]
    words: list[tuple[int, float, float, str]] = []  # page, x, y, text
    page = 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*)</word>', line)
        if not m:
            continue
        x, y0, y1, text = float(m[1]), float(m[2]), float(m[3]), m[4]
        if text == "Worked" and y1 - y0 > 15:  # the "Worked solution" heading: the answers end here
            break
        if text in ids:
            words.append((page, x, y0, text))
    # reading order: page by page, each column (by its x) top to bottom
    columns = sorted({(p, round(x / 40)) for p, x, _, _ in words})
    read = [w[3] for col in columns for w in sorted(words, key=lambda w: w[2]) if (w[0], round(w[1] / 40)) == col]
    assert read == ids
