"""A simulated class: honest students, students with one misconception each, follow-through students.

Mistaken students are computed with hand-written wrong formulas passed to the evaluator as
overrides (not with the grader's rule table), so the diagnosis is checked against an
independent idea of each mistake. Which answers a mistake hits directly is also found
independently: an answer is a direct hit when it differs from what the student's own other
answers give with the right formulas.

Run ``python -m tests.test_grading_class`` to print the confusion matrix.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import ops
from generator.evaluate import evaluate
from generator.grading.context import Structure, VariantKey
from generator.grading.marking import Mark, mark_submission
from generator.grading.numbers import parse_number
from generator.graph import Graph, Node, build_graph
from generator.network import Network
from generator.numbers import fmt, quantize
from generator.pack import build_pack
from generator.records import Key, NetworkRecord, Problem, Variant
from generator.solve import answer_records, solve
from generator.spec import load_builtin
from tests.strategies import examples, network_dicts

PROFILES = ("easy", "standard", "hard", "deep", "ref-2-2-2-shared")
VARIANTS = 6
Override = Callable[[Node, Sequence[Any], Any], Any]


# --- keys and students ------------------------------------------------------------------


@cache
def pack(name: str) -> Key:
    """A pack of the profile (its own asked quantities) or preset (all asked)."""
    kind = "preset" if name.startswith("ref-") else "profile"
    spec = load_builtin(kind, name)
    return build_pack(spec, pack="class", count=1 if kind == "preset" else VARIANTS, seed="class")


def variant_key(variant: Variant, decimals: int) -> VariantKey:
    problem = variant.problems[0]
    g = build_graph(problem.network.network())
    return VariantKey(variant, Structure(g, tuple(a.id for a in problem.answers), decimals))


def as_text(values: dict[str, Any], ids: list[str], d: int) -> dict[str, str]:
    return {i: fmt(values[i], d) for i in ids}


def mark(vk: VariantKey, answers: dict[str, str]) -> list[Mark]:
    return mark_submission(vk, {i: parse_number(t) for i, t in answers.items()})


def q(x: Any, d: int, even: bool) -> float:
    if even:
        return float(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_EVEN))
    return float(quantize(x, d))


def mixed_student(g: Graph, d: int, rng: random.Random, even: bool) -> dict[str, float]:
    """Rounds some products and e^-z but not others, carries some full-precision values, half-even or half-up."""
    carried: dict[str, float] = {}
    written: dict[str, float] = {}
    n_out = g.network.layers[-1]
    for node in g.nodes:
        if node.given:
            carried[node.id] = g.given[node.id]
            continue

        def inner(x: Any) -> Any:
            return q(x, d, even) if rng.random() < 0.5 else x

        v = float(ops.point(node, [carried[i] for i in node.inputs], ops.FloatMath, inner, n_out))
        written[node.id] = q(v, d, even)
        carried[node.id] = written[node.id] if rng.random() < 0.6 else v
    return written


# --- the mistakes, written out by hand ------------------------------------------------


def _sum(xs: Iterator[Any], M: Any) -> Any:
    acc = M.zero
    for x in xs:
        acc += x
    return acc


def m_sign(g: Graph, d: int) -> Override:
    n_out = g.network.layers[-1]

    def ov(node: Node, v: Sequence[Any], M: Any) -> Any:
        if node.op == "dloss":
            a, y = v
            return {"half_sse": y - a, "sse": M.two * (y - a), "mse": M.two * (y - a) / M.const(n_out)}[node.fn]
        if node.op == "xent_delta":
            return v[1] - v[0]
        return None

    return ov


def m_no_dact(g: Graph, d: int) -> Override:
    return lambda node, v, M: v[0] if node.kind == "delta" and node.op == "mul" else None


def m_dact_on_z(g: Graph, d: int) -> Override:
    zs: dict[str, Any] = {}

    def ov(node: Node, v: Sequence[Any], M: Any) -> Any:
        if node.op == "act":
            zs[node.id] = v[0]
        elif node.op == "dact" and node.fn == "sigmoid":
            z = zs[node.inputs[0]]
            return z * (M.one - z)
        elif node.op == "dact" and node.fn == "tanh":
            z = zs[node.inputs[0]]
            return M.one - z * z
        return None

    return ov


def m_loss_factor(g: Graph, d: int) -> Override:
    def ov(node: Node, v: Sequence[Any], M: Any) -> Any:
        if node.op == "dloss":  # d/da of (a - y)^2 without the 1/2; the 2 forgotten for sse; the 1/n for mse
            a, y = v
            return {"half_sse": M.two * (a - y), "sse": a - y, "mse": M.two * (a - y)}[node.fn]
        if node.op == "loss" and node.fn != "bce":
            half = len(v) // 2
            sq = _sum(((a - y) * (a - y) for a, y in zip(v[:half], v[half:], strict=True)), M)
            return {"half_sse": sq, "sse": sq / M.two, "mse": sq}[node.fn]
        return None

    return ov


def m_no_eta(g: Graph, d: int) -> Override:
    return lambda node, v, M: v[0] - v[2] if node.op == "update" else None


def m_update_plus(g: Graph, d: int) -> Override:
    return lambda node, v, M: v[0] + v[1] * v[2] if node.op == "update" else None


def m_swap(g: Graph, d: int) -> Override:
    net = g.network

    def ov(node: Node, v: Sequence[Any], M: Any) -> Any:
        if node.op != "backsum":
            return None
        assert node.layer is not None
        assert node.neuron is not None
        l, j, K = node.layer, node.neuron, net.layers[node.layer + 1]
        if j > K or net.layers[l] < K:
            return None
        # W of layer l+1 read as W[j][k] instead of W[k][j]
        return _sum((M.const(net.weights[l][j - 1][k]) * v[K + k] for k in range(K)), M)

    return ov


def m_z_for_a(g: Graph, d: int) -> Override:
    zs: dict[str, Any] = {}

    def ov(node: Node, v: Sequence[Any], M: Any) -> Any:
        if node.op == "act":
            zs[node.id] = v[0]
        elif node.op == "affine" and node.layer and node.layer >= 2:
            n = len(v) // 2
            acc = _sum((w * zs[a] for w, a in zip(v[:n], node.inputs[n : 2 * n], strict=True)), M)
            return acc + v[-1] if len(v) % 2 else acc
        elif node.kind == "grad_w" and node.layer and node.layer >= 2:
            return v[0] * zs[node.inputs[1]]
        return None

    return ov


def m_one_delta(g: Graph, d: int) -> Override:
    return lambda node, v, M: v[0] if node.kind == "grad_b" and node.op == "sum" else None


def m_no_bias(g: Graph, d: int) -> Override:
    def ov(node: Node, v: Sequence[Any], M: Any) -> Any:
        if node.op == "affine" and len(v) % 2:
            n = len(v) // 2
            return _sum((w * a for w, a in zip(v[:n], v[n : 2 * n], strict=True)), M)
        return None

    return ov


def m_new_weights(g: Graph, d: int) -> Override:
    eta = g.network.learning_rate
    grads: dict[str, Any] = {}

    def ov(node: Node, v: Sequence[Any], M: Any) -> Any:
        if node.kind == "grad_w":
            grads[node.id] = v[0] * v[1]
        elif node.op == "backsum":
            n = len(v) // 2
            new = [quantize(w - M.const(eta) * quantize(grads[f"grad_{wid}"], d), d)
                   for wid, w in zip(node.inputs[:n], v[:n], strict=True)]  # fmt: skip
            return _sum((M.const(float(w)) * dl for w, dl in zip(new, v[n:], strict=True)), M)
        return None

    return ov


def m_no_input(g: Graph, d: int) -> Override:
    return lambda node, v, M: v[0] if node.kind == "grad_w" else None


def m_no_weights(g: Graph, d: int) -> Override:
    return lambda node, v, M: _sum(iter(v[len(v) // 2 :]), M) if node.op == "backsum" else None


def m_exp_sign(g: Graph, d: int) -> Override:
    return lambda node, v, M: M.one / (M.one + M.exp(v[0])) if node.op == "act" and node.fn == "sigmoid" else None


def m_extra_dact(g: Graph, d: int) -> Override:
    return lambda node, v, M: (v[0] - v[1]) * v[0] * (M.one - v[0]) if node.op == "xent_delta" else None


MISTAKES: dict[str, Callable[[Graph, int], Override]] = {
    "sign_error": m_sign,
    "missing_activation_derivative": m_no_dact,
    "derivative_on_z": m_dact_on_z,
    "loss_factor": m_loss_factor,
    "learning_rate_missing": m_no_eta,
    "update_sign": m_update_plus,
    "weight_index_swap": m_swap,
    "z_for_a": m_z_for_a,
    "shared_bias_not_summed": m_one_delta,
    "forgot_bias": m_no_bias,
    "used_new_weights": m_new_weights,
    "missing_input_factor": m_no_input,
    "backsum_missing_weights": m_no_weights,
    "sigmoid_exponent_sign": m_exp_sign,
    "extra_activation_derivative": m_extra_dact,
}


# --- the class ----------------------------------------------------------------------


def with_mistake(g: Graph, d: int, make: Callable[[Graph, int], Override]) -> tuple[dict[str, Any], set[str]]:
    """The student's values under a wrong formula, and the answers it hits directly.

    A hit: the wrong formula changed this answer's own step, or a not-asked step between it
    and the student's earlier answers (where the student computes on scrap paper).
    """
    wrong = make(g, d)
    n_out = g.network.layers[-1]
    acted: set[str] = set()

    def tracked(node: Node, v: Sequence[Any], M: Any) -> Any:
        out = wrong(node, v, M)
        if out is not None and out != ops.point(node, v, M, lambda x: x, n_out):
            acted.add(node.id)
        return out

    values = evaluate(g, "quantity", d, override=tracked)
    return values, acted


def direct_hits(g: Graph, asked: set[str], acted: set[str]) -> set[str]:
    hits = set()
    for aid in asked:
        stack, seen = [aid], set()
        while stack:
            i = stack.pop()
            if i in seen or g.by_id[i].given or (i in asked and i != aid):
                continue
            seen.add(i)
            if i in acted:
                hits.add(aid)
                break
            stack.extend(g.by_id[i].inputs)
    return hits


def trivial_upstream(g: Graph, vk: VariantKey, answers: dict[str, str], aid: str, d: int) -> bool:
    """An earlier answer of ``aid`` that is wrong and 0 or +-1 (follow-through is refused then, by design)."""
    seen, stack = set(), list(g.by_id[aid].inputs)
    while stack:
        i = stack.pop()
        if i in seen or g.by_id[i].given:
            continue
        seen.add(i)
        stack.extend(g.by_id[i].inputs)
        if answers.get(i, ""):
            v = float(answers[i])
            lo, hi = vk.key_iv[i]
            if not lo <= v <= hi and min(abs(v), abs(abs(v) - 1)) < 10.0**-d / 2:
                return True
    return False


FACTORS = ("dL_da", "dact")  # the chain-rule factors students leave blank


def blank_factors(g: Graph, answers: dict[str, str]) -> dict[str, str]:
    return {i: "" if g.by_id[i].kind in FACTORS else t for i, t in answers.items()}


def units_from_own(g: Graph, answers: dict[str, str], aid: str, d: int) -> float:
    """How far ``aid`` is, in units of the last decimal, from the exact evaluator fed the student's other values.

    The independent yardstick: every written answer but this one is fixed as written, blanks and
    not-asked quantities are recomputed exactly, nothing is rounded.
    """
    fixed = {i: float(t) for i, t in answers.items() if t and i != aid}
    honest = evaluate(g, "exact", d, fixed=fixed, backend="float")[aid]
    return abs(float(answers[aid]) - float(honest)) * 10.0**d


Row = Counter[str]


Student = tuple[str, dict[str, str], set[str], str]


def class_students(g: Graph, ids: list[str], d: int, rng: random.Random) -> list[Student]:
    """(label, answers as written, the answers a mistake hits directly, the mistake's code) for one variant."""
    students: list[Student] = []
    for mode in ("exact", "quantity", "fine"):
        students.append((f"honest {mode}", as_text(evaluate(g, mode, d), ids, d), set(), ""))
    for even in (False, True):
        for _ in range(3):
            label = "honest mixed half-even" if even else "honest mixed half-up"
            students.append((label, as_text(mixed_student(g, d, rng, even), ids, d), set(), ""))
    for mode in ("exact", "quantity"):
        answers = blank_factors(g, as_text(evaluate(g, mode, d), ids, d))
        students.append((f"blank factors, honest {mode}", answers, set(), ""))
    exact = evaluate(g, "exact", d)
    deltas = [i for i in ids if g.by_id[i].kind == "delta"]
    for first in [*ids[:2], *deltas[-1:]]:  # a wrong early z or a (or the last delta), carried forward
        wrong = float(exact[first]) * 1.1 + 0.0123
        for mode in ("quantity", "exact"):
            vals = evaluate(g, mode, d, fixed={first: quantize(wrong, d)} if mode == "quantity" else {first: wrong})
            how = "rounded steps" if mode == "quantity" else "full precision"
            answers = as_text(vals, ids, d)
            students.append((f"carried forward ({how})", answers, {first}, ""))
            students.append((f"blank factors, carried forward ({how})", blank_factors(g, answers), {first}, ""))
    for code, make in MISTAKES.items():
        values, acted = with_mistake(g, d, make)
        answers = as_text(values, ids, d)
        students.append((f"mistake {code}", answers, direct_hits(g, set(ids), acted), code))
        blanked = blank_factors(g, answers)
        if blanked != answers:
            written = {i for i, t in blanked.items() if t}
            students.append((f"mistake {code}, blank factors", blanked, direct_hits(g, written, acted), code))
    return students


def simulate() -> dict[str, Row]:
    """student type -> counts of verdicts (and of diagnoses on direct hits); asserts nothing.

    "max milli-units beyond key": of the answers accepted outside the key's interval (from the
    student's own values), the largest distance from the exact evaluator fed the student's own
    other values (``units_from_own``), in thousandths of a unit.
    """
    rows: dict[str, Row] = defaultdict(Counter)
    rng = random.Random(7)
    for name in PROFILES:
        key = pack(name)
        d = key.decimals
        for variant in key.variants:
            vk = variant_key(variant, d)
            g = vk.graph
            ids = list(vk.answers)
            for label, answers, hits, code in class_students(g, ids, d, rng):
                row = rows[label]
                row["answers"] += len(ids)
                for m in mark(vk, answers):
                    row[m.verdict] += 1
                    lo, hi = vk.key_iv[m.id]
                    if m.verdict in ("correct", "ecf") and not lo <= float(answers[m.id]) <= hi:
                        # accepted from the student's own values: how far from their honest exact value?
                        units = round(units_from_own(g, answers, m.id, d) * 1000)
                        row["max milli-units beyond key"] = max(row["max milli-units beyond key"], units)
                    if m.id in hits and code:
                        lo, hi = vk.key_iv[m.id]
                        if lo <= float(answers[m.id]) <= hi:
                            row["hit, still correct"] += 1
                        elif m.verdict == "wrong" and m.diagnosis == code:
                            row["hit, diagnosed"] += 1
                        else:
                            row[f"hit, {m.verdict}:{m.diagnosis or '-'}"] += 1
                    elif m.verdict == "wrong" and m.id not in hits:
                        trivial = trivial_upstream(g, vk, answers, m.id, d)
                        row["wrong after trivial value" if trivial else "UNEXPECTED wrong"] += 1
    return rows


@cache
def class_rows() -> dict[str, Row]:
    return simulate()


HONEST_REACH = 3.0  # units: how far honest rounding (and digits carried in the calculator) moves an answer


def test_honest_students_get_full_marks_whatever_their_rounding() -> None:
    for label, row in class_rows().items():
        if label.startswith("honest"):
            assert row["correct"] == row["answers"], (label, row)


def test_students_who_leave_the_chain_factors_blank_lose_only_those() -> None:
    rows = class_rows()
    for label, row in rows.items():
        if label.startswith("blank factors, honest"):
            assert row["blank"] > 0, row
            assert row["correct"] + row["blank"] == row["answers"], (label, row)
    # with an early slip: every delta, gradient and update after it is follow-through, as without blanks
    for how in ("rounded steps", "full precision"):
        blanked, full = rows[f"blank factors, carried forward ({how})"], rows[f"carried forward ({how})"]
        assert blanked["wrong"] == full["wrong"], (blanked, full)
        assert blanked["ecf"] >= full["ecf"] - blanked["blank"], (blanked, full)


def test_carried_forward_values_earn_follow_through() -> None:
    for label, row in class_rows().items():
        if "carried" in label:
            # only the changed answer itself is wrong; everything downstream is ecf (or still correct)
            assert row["ecf"] > 0, row
            assert row["UNEXPECTED wrong"] == 0, (label, row)


def test_nothing_is_accepted_beyond_honest_rounding_of_the_students_own_values() -> None:
    """Independent check of follow-through: the exact evaluator fed each student's own written values."""
    rows = class_rows()
    for label, row in rows.items():
        assert row["max milli-units beyond key"] <= HONEST_REACH * 1000, (label, row)
    carried = rows["carried forward (full precision)"]["max milli-units beyond key"]
    assert carried > 1000  # the yardstick is exercised: digits kept in the calculator move answers > 1 unit


def test_every_mistake_is_marked_wrong_and_diagnosed_where_it_happens() -> None:
    rows = class_rows()
    total_hits = total_named = 0
    for code in MISTAKES:
        for label in (f"mistake {code}", f"mistake {code}, blank factors"):
            row = rows.get(label)
            if row is None:
                continue
            hits = sum(v for k, v in row.items() if k.startswith("hit, ") and k != "hit, still correct")
            total_hits, total_named = total_hits + hits, total_named + row["hit, diagnosed"]
            # Two rules that give the same number for a variant (a swap of a 2x2 layer's weights that
            # negates them) are left unnamed, so a few per mistake go without a name.
            assert row["hit, diagnosed"] >= 0.85 * hits, (label, row)
            assert hits > 0 or label.endswith("blank factors"), (label, row)
            # Never a wrong name: an answer is diagnosed with the mistake made, or not at all (when the
            # mistake changes it by no more than rounding can, e.g. tanh(z) ~ z for small z).
            misnamed = {k: v for k, v in row.items() if k.startswith("hit, wrong:") and not k.endswith(":-")}
            assert not misnamed, (label, misnamed)
            assert row["UNEXPECTED wrong"] == 0, (label, row)
    assert total_named >= 0.97 * total_hits


def single_variant(net: dict[str, Any], d: int) -> VariantKey:
    """A one-variant key of ``net`` with every quantity asked (answers and accepted intervals only)."""
    sol = solve(Network.from_dict(net), d)
    answers = answer_records(sol, [n.id for n in sol.graph.answer_nodes])
    problem = Problem(1, NetworkRecord.of(sol.graph.network), answers)
    return variant_key(Variant("AAA-AAA", None, [problem]), d)


def test_an_exact_tie_rounded_half_to_even_is_honest() -> None:
    """Found by hypothesis: z = (-0.05)(-0.01) + (-0.01)(-0.25) = 0.0005 + 0.0025, both products ties at 3 places.

    By hand: rounding the products half up gives 0.001 + 0.003 = 0.004; half to even (numpy, many
    calculators) 0.000 + 0.002 = 0.002; no rounding 0.003. All three are honest; 0.001 is not.
    """
    net = {
        "layers": [4, 1, 1],
        "activation": ["relu", "sigmoid"],
        "loss": "half_sse",
        "bias": "none",
        "learning_rate": 0.1,
        "inputs": [0.0, -0.01, 0.0, -0.25],
        "targets": [0.5],
        "weights": [[[0.0, -0.05, 0.0, -0.01]], [[0.5]]],
        "biases": [[0.0], [0.0]],
    }
    vk = single_variant(net, 3)
    lo, hi = vk.key_iv["z_h1"]
    assert all(lo <= v <= hi for v in (0.002, 0.003, 0.004))
    assert not lo <= 0.001 <= hi
    assert not lo <= 0.005 <= hi


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network_dicts(), st.integers(2, 5), st.randoms(use_true_random=False))
def test_honest_students_get_full_marks_on_random_networks(net: dict[str, Any], d: int, rng: random.Random) -> None:
    vk = single_variant(net, d)
    g, ids = vk.graph, list(vk.answers)
    students = [as_text(evaluate(g, mode, d), ids, d) for mode in ("exact", "quantity", "fine")]
    students += [as_text(mixed_student(g, d, rng, even), ids, d) for even in (False, True)]
    for answers in students:
        marks = mark(vk, answers)
        assert all(m.verdict == "correct" for m in marks), [(m.id, m.entry.text, vk.key_iv[m.id]) for m in marks]


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network_dicts(), st.integers(2, 5), st.floats(1.05, 1.5))
def test_a_wrong_value_carried_forward_earns_follow_through(net: dict[str, Any], d: int, factor: float) -> None:
    vk = single_variant(net, d)
    g, ids = vk.graph, list(vk.answers)
    first = ids[0]
    exact = evaluate(g, "exact", d)
    wrong = quantize(float(exact[first]) * factor + 3 * 10.0**-d, d)
    rounded = as_text(evaluate(g, "quantity", d, fixed={first: wrong}), ids, d)
    full = as_text(evaluate(g, "exact", d, fixed={first: float(exact[first]) * factor + 3 * 10.0**-d}), ids, d)
    for answers in (rounded, full, blank_factors(g, rounded), blank_factors(g, full)):
        for m in mark(vk, answers):
            if m.id != first and m.verdict == "wrong":
                assert trivial_upstream(g, vk, answers, m.id, d), (m.id, answers[m.id], m.own)


def print_matrix(rows: dict[str, Row]) -> None:
    cols = ["answers", "correct", "ecf", "wrong", "blank", "unreadable", "hit, diagnosed", "hit, still correct"]
    extra = sorted({k for r in rows.values() for k in r} - set(cols))
    head = ["student type", *cols, *extra]
    print(" | ".join(head))
    for label, row in rows.items():
        print(" | ".join([label, *(str(row.get(c, 0)) for c in cols + extra)]))


if __name__ == "__main__":
    print_matrix(simulate())


def docs_mistake_table() -> dict[str, tuple[str, str]]:
    """code -> (label, words) as docs/grading.md prints the table."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "grading.md").read_text(encoding="utf-8")
    section = text.split("## Mistake diagnosis", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and cells[0].endswith("`"):
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    return rows


def test_the_rule_table_the_simulated_class_and_the_docs_name_the_same_mistakes() -> None:
    from generator.grading.mistakes import RULES

    table = {r.code: (r.label, r.words) for r in RULES}
    assert set(MISTAKES) == set(table)
    docs = docs_mistake_table()
    assert list(docs) == [r.code for r in RULES]  # same order: the order the rules are tried in
    assert docs == table
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "grading.md").read_text(encoding="utf-8")
    for r in RULES:  # the words for a loss that gives the output delta directly, as printed
        assert r.direct_words in " ".join(text.split()), r.code
