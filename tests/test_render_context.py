"""Rendering without WeasyPrint: contexts, HTML, the diagram, file names, the asset fetcher."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator import records
from generator.network import Network
from generator.pack import Student, build_pack
from generator.records import FORMAT, Key, KeyStructure, Variant, WorkedProblem
from generator.render.context import file_stem, key_context, unique_stems, worksheet_context
from generator.render.diagram import network_svg, weight_labels
from generator.render.templating import render_template, templates_dir
from generator.solve import problem_record, solve
from generator.spec import load_builtin
from generator.worked import worked_of

EVIL = '<img src="file:///etc/passwd"> & "Bobby" <script>x</script>'


@pytest.fixture(scope="module")
def key() -> Key:
    students = [Student("s-1", EVIL), Student("s/2", "Ada Lovelace")]
    spec = load_builtin("profile", "hard")
    return build_pack(spec, pack="t", students=students, seed="1", title="T <b>", course="C&D")


def max_problem(seed: int = 0) -> WorkedProblem:
    """The largest network the core supports: 4 inputs, three hidden layers of 4, 3 outputs."""
    import random

    rnd = random.Random(seed)
    layers = [4, 4, 4, 4, 3]

    def val() -> float:
        return rnd.choice([-1, 1]) * rnd.choice([0.05, 0.1, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85])

    net = Network.from_dict({
        "layers": layers, "activation": "sigmoid", "loss": "half_sse", "bias": "per_neuron",
        "learning_rate": 0.5, "inputs": [0.1, 0.2, 0.3, 0.4], "targets": [0.01, 0.99, 0.5],
        "weights": [[[val() for _ in range(layers[l])] for _ in range(layers[l + 1])] for l in range(4)],
        "biases": [[val() for _ in range(n)] for n in layers[1:]],
    })  # fmt: skip
    return problem_record(solve(net, 4), ["all"])


def test_worksheet_html_is_well_formed_and_names_every_answer_field(key: Key) -> None:
    v = key.variants[0]
    html = render_template("worksheet.html.j2", **worksheet_context(key, v))
    root = ET.fromstring(html)  # the renderer's fast path parses our templates as XML
    names = [e.get("name") for e in root.iter("input")]
    assert "variant" in names
    assert "student_name" not in names
    answer_ids = [a.id for a in v.problems[0].answers]
    assert [n for n in names if n not in ("student_name", "student_id", "variant")] == answer_ids
    assert v.variant in html


def test_untrusted_text_is_escaped(key: Key) -> None:
    v = key.variants[0]
    for html in (
        render_template("worksheet.html.j2", **worksheet_context(key, v)),
        render_template("answer-key.html.j2", **key_context(key, v)),
    ):
        assert "<img" not in html
        assert "<script" not in html
        assert "<b>" not in html
        assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
        ET.fromstring(html)


def test_answer_key_html_has_every_step_answer_and_update(key: Key) -> None:
    v = key.variants[1]
    html = render_template("answer-key.html.j2", **key_context(key, v))
    p = worked_of(key, v.problems[0])
    for s in p.steps:
        assert f">{s.id}" in html
    for a in p.answers:
        assert a.rounded.replace("-", "−") in html
    assert html.count('class="dir"') == len(p.updates)
    assert "not asked" in html or all(s.asked for s in p.steps)


def test_file_names_are_safe_and_unique() -> None:
    def v(sid: str | None, code: str = "K7M-2QX") -> Variant:
        return Variant(code, None if sid is None else records.Student(sid), [])

    assert file_stem(v("../../etc/passwd")) == "etc_passwd"
    assert file_stem(v(None)) == "K7M-2QX"
    assert file_stem(v("CON")) == "CON_K7M2QX"
    assert file_stem(v("///")) == "K7M-2QX"
    vs = [v(sid, f"AAA-00{i}") for i, sid in enumerate(["a/b", "a_b", "A_B"])]
    stems = unique_stems(vs)
    assert len({s.lower() for s in stems}) == 3
    assert stems[0] == "a_b"


@pytest.mark.parametrize("profile", ["easy", "standard", "hard", "deep"])
def test_diagram_shows_every_given_value_and_no_label_overlaps(profile: str) -> None:
    key = build_pack(load_builtin("profile", profile), pack="d", count=3, seed="4")
    for v in key.variants:
        _check_diagram(worked_of(key, v.problems[0]))


def test_largest_network_diagram_stays_legible() -> None:
    for seed in range(3):
        _check_diagram(max_problem(seed))


def _check_diagram(problem: WorkedProblem) -> None:
    svg = network_svg(problem)
    root = ET.fromstring(svg)
    text = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for g in problem.given:
        if g.kind != "eta":
            assert g.value.replace("-", "−") in text, g.id
    labels = weight_labels(problem)
    assert len(labels) == sum(1 for g in problem.given if g.kind == "w")
    for (a, ra), (b, rb) in itertools.combinations(labels, 2):
        assert not ra.overlaps(rb, gap=0), (a, b)


def test_fetcher_serves_template_assets_only(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    from generator.render.pdf import asset_fetcher_class

    fetcher = asset_fetcher_class()(templates_dir())
    ok = fetcher.fetch((templates_dir() / "base.css").as_uri())
    assert b"@font-face" in ok.read()
    secret = tmp_path / "secret.txt"
    secret.write_text("x", encoding="utf-8")
    for url in (
        "file:///etc/passwd",
        secret.as_uri(),
        (templates_dir() / ".." / "pyproject.toml").as_uri(),
        templates_dir().as_uri() + "/%2e%2e/pyproject.toml",
        "http://example.com/x.css",
        "https://example.com/font.ttf",
        "data:text/css,body{}",
    ):
        with pytest.raises(ValueError, match="only loads its own template assets"):
            fetcher.fetch(url)


def test_missing_harfbuzz_subset_is_reported_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from generator.render import pdf

    monkeypatch.setattr(pdf, "harfbuzz_subset_available", lambda: False)
    monkeypatch.setattr(pdf, "_warned", False)
    pdf.warn_if_slow_subsetting()
    pdf.warn_if_slow_subsetting()
    err = capsys.readouterr().err
    assert err.count("libharfbuzz-subset0") == 1
    assert "1.5x slower" in err


def test_final_answers_always_read_down_the_columns() -> None:
    problem = max_problem()
    ids = [a.id for a in problem.answers]
    net = problem.network
    structure = KeyStructure(net.layers, net.activation, net.loss, net.bias, ids)
    variant = Variant("AAA-BBB", None, [problem.compact()])
    key = Key(format=FORMAT, pack="m", title="M", decimals=4, structure=structure, variants=[variant])
    ctx = key_context(key, variant)
    p = ctx["problems"][0]
    assert len(p["answers"]["rows"]) > 20  # the case that used to read along the rows
    per_row = p["answers"]["per_row"]
    down = [r[c]["id"] for slab in p["answers"]["slabs"] for c in range(per_row) for r in slab if c < len(r)]
    assert down == ids  # down the columns of each page-sized slab


def test_worksheet_rows_have_short_words_and_room_that_fills_the_pages() -> None:
    for profile in ("standard", "deep"):
        key = build_pack(load_builtin("profile", profile), pack="w", count=1, seed="1")
        ctx = worksheet_context(key, key.variants[0])
        p = ctx["problems"][0]
        words = {q["word"] for s in p["sections"] for r in s["rows"] for q in r["items"]}
        assert words <= {"net input", "activation", "loss", "delta", "gradient", "updated"}
        assert all(16.0 <= float(r.removesuffix("mm")) <= 40.0 for r in p["rooms"])  # three handwritten lines at least
        html = render_template("worksheet.html.j2", **ctx)
        ET.fromstring(html)
        assert html.count('class="qrow') == sum(len(s["rows"]) for s in p["sections"])


def test_per_neuron_biases_carry_their_symbol() -> None:
    key = build_pack(load_builtin("profile", "standard"), pack="b", count=1, seed="1")
    problem = worked_of(key, key.variants[0].problems[0])
    root = ET.fromstring(network_svg(problem))
    biases = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "bias"]
    assert biases
    assert all(b.startswith(("bh", "bo")) for b in biases), biases
    html = render_template("worksheet.html.j2", **worksheet_context(key, key.variants[0]))
    assert 'class="bsym"' in html


def test_worked_solution_marks_update_rows_that_do_not_add_up() -> None:
    """old − η×gradient = new as printed, or the row says ≈ (ref-2-2-1-shared has such rows)."""
    from decimal import Decimal

    key = build_pack(load_builtin("preset", "ref-2-2-1-shared"), pack="u", count=1, seed="1")
    v = key.variants[0]
    ctx = key_context(key, v)
    p, raw = ctx["problems"][0], worked_of(key, v.problems[0]).updates
    expected = [Decimal(u.old) - Decimal(u.step) != Decimal(u.new) for u in raw]
    assert any(expected)  # the reproduction: 0.15 − 0.0004 printed as 0.1497
    assert [u["approx"] for u in p["updates"]] == expected
    html = render_template("answer-key.html.j2", **ctx)
    assert html.count('class="approx"') == sum(expected)
    assert "gives another last digit" in html


def test_worked_solution_has_no_repository_pointer_or_double_colon() -> None:
    key = build_pack(load_builtin("profile", "standard"), pack="t", count=6, seed="1")
    # a variant where an asked step has a rounding note
    v = next(v for v in key.variants if any(s.asked and s.note for s in worked_of(key, v.problems[0]).steps))
    html = render_template("answer-key.html.j2", **key_context(key, v))
    assert "docs/grading.md" not in html
    assert "e^" not in html
    assert f"<h1>{key.title}</h1>" in html  # not 'Answer key: Backpropagation: …'
    # the rounding notes of asked steps live in the answers table, not under the steps
    asked = [s.note for s in worked_of(key, v.problems[0]).steps if s.asked and s.note]
    assert asked
    for note in asked:
        assert note.split(";")[0].replace("-", "−") not in html


def test_a_neurons_quantities_share_a_row_and_every_box_has_room() -> None:
    """z and a of a neuron sit in one row (the old rows split z_h2 | a_h2 across rows)."""
    key = build_pack(load_builtin("profile", "standard"), pack="n", count=1, seed="1")
    ctx = worksheet_context(key, key.variants[0])
    forward = ctx["problems"][0]["sections"][0]
    for row in forward["rows"]:
        ids = [q["id"] for q in row["items"]]
        for i in ids:
            if i.startswith("z_"):
                assert f"a_{i[2:]}" in ids, ids
    assert forward["cols"] == 4
    assert all(float(r.removesuffix("mm")) >= 16.0 for r in ctx["problems"][0]["rooms"])


def test_a_worksheet_context_does_not_work_out_the_steps(key: Key, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worksheet prints no worked step: its context is made without them (the key's still has them)."""
    import generator.worked

    def no_steps(*args: object) -> None:
        raise AssertionError("a worksheet worked out the steps")

    ctx = worksheet_context(key, key.variants[0], "a4")
    monkeypatch.setattr(generator.worked, "worked_steps", no_steps)
    assert worksheet_context(key, key.variants[0], "a4") == ctx
    with pytest.raises(AssertionError, match="worked out the steps"):
        key_context(key, key.variants[0], "a4")
