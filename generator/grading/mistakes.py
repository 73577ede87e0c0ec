"""Mistake diagnosis: re-evaluate a wrong answer under typical wrong rules and name the one that fits.

A wrong rule is a rewrite of graph nodes: the same kind of data as the graph itself (a
node with an op and inputs), so the evaluator's interval rule judges a mistaken student
as fairly as an honest one (their rounding is allowed for too). A rule acts at the answer
itself or on the scrap-paper quantities between it and the student's earlier answers, and
then consistently at every such place (a misconception, not a slip). Codes are stable;
docs/grading.md explains each in the words used here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from .. import functions
from ..graph import Graph, Node, weight_id
from .context import CONST, Interval, OwnValues, PatchedValues, Structure

# A site rewrite: for one node, its replacement (same id) plus helper nodes, or None.
Rewrite = Callable[[Node, Graph], list[Node] | None]


@dataclass(frozen=True)
class Alternative:
    rewrite: Rewrite
    target_only: bool = False  # a one-off slip at the answer itself, not a rule applied upstream too


@dataclass(frozen=True)
class Rule:
    code: str  # stable, machine-read (answers.csv); never shown alone in a PDF
    label: str  # a short plain name for the PDFs ("sign error")
    words: str  # plain words for students and teachers, in the worksheets' notation (a_o, not ŷ)
    alternatives: tuple[Alternative, ...]
    # the words where the loss gives the output delta directly (cross-entropy with its output
    # activation: δ_o = a_o − y, no ∂L/∂a_o step), if they differ
    direct_words: str = ""


def const(v: float) -> str:
    return f"{CONST}{v!r}"


def _scaled(node: Node, factor: float) -> list[Node]:
    """The node's correct value times ``factor`` (a sign flip, a lost or extra factor 2)."""
    inner = replace(node, id=f"~{node.id}")
    return [_op(node, "mul", (inner.id, const(factor))), inner]


def _op(node: Node, op: str, args: tuple[str, ...]) -> Node:
    """``node`` computed by another op on ``args`` (its named inputs dropped)."""
    return replace(node, op=op, fn="", args=args, weights=(), values=(), bias="", targets=())


def _negated(nid: str) -> tuple[str, Node]:
    helper = f"~neg:{nid}"
    return helper, Node(helper, "neg", "mul", (nid, const(-1.0)))


def _applies(n: Node, code: str) -> bool:
    """Whether the rule ``code`` applies to the activation or loss of ``n`` (the registry says)."""
    if n.op in ("act", "dact"):
        return code in functions.activation(n.fn).mistakes
    if n.op in ("loss", "dloss", "xent_delta"):
        return code in functions.loss(n.fn).mistakes
    return False


# --- the site rewrites -----------------------------------------------------------------


def _flip_dloss(n: Node, g: Graph) -> list[Node] | None:
    return _scaled(n, -1.0) if n.op in ("dloss", "xent_delta") and _applies(n, "sign_error") else None


def _flip_here(n: Node, g: Graph) -> list[Node] | None:
    return _scaled(n, -1.0) if n.kind in ("delta", "dL_da", "grad_w", "grad_b") else None


def _no_dact(n: Node, g: Graph) -> list[Node] | None:
    return [_op(n, "copy", n.args[:1])] if n.kind == "delta" and n.op == "mul" else None


def _extra_dact(n: Node, g: Graph) -> list[Node] | None:
    if n.op != "xent_delta" or not _applies(n, "extra_activation_derivative"):
        return None
    inner = replace(n, id=f"~{n.id}")
    out = functions.loss(n.fn).output  # sigmoid or softmax: f′ on the diagonal is a(1 − a) for both
    d = Node(f"~dact:{n.id}", "dact", "dact", n.args[:1], fn=out)
    return [_op(n, "mul", (inner.id, d.id)), inner, d]


def _dact_on_z(n: Node, g: Graph) -> list[Node] | None:
    if n.op != "dact" or not _applies(n, "derivative_on_z"):
        return None
    a = g.by_id[n.args[0]]
    return [replace(n, args=a.args[:1])]


def _factor(i: int) -> Rewrite:
    """The i-th plausible wrong factor of this loss (see ``_loss_factors``)."""

    def rewrite(n: Node, g: Graph) -> list[Node] | None:
        if n.op not in ("loss", "dloss") or not _applies(n, "loss_factor"):
            return None
        factors = functions.loss(n.fn).factors(g.network.layers[-1])
        return _scaled(n, factors[i]) if i < len(factors) else None

    return rewrite


def _no_eta(n: Node, g: Graph) -> list[Node] | None:
    return [replace(n, args=(n.args[0], const(1.0), n.args[2]))] if n.op == "update" else None


def _update_plus(n: Node, g: Graph) -> list[Node] | None:
    if n.op != "update":
        return None
    neg, helper = _negated(n.args[2])
    return [replace(n, args=(n.args[0], n.args[1], neg)), helper]


def _transposed(n: Node, g: Graph) -> list[Node] | None:
    if n.op != "backsum" or n.layer is None or n.neuron is None:
        return None
    L, l, j = g.network.layers, n.layer, n.neuron
    k_count = len(n.weights)
    if j > L[l + 1] or k_count > L[l]:
        return None  # the transposed matrix has no such entries: the shapes do not allow the swap
    return [replace(n, weights=tuple(weight_id(g.network, l + 1, j, k) for k in range(1, k_count + 1)))]


def _new_weights(n: Node, g: Graph) -> list[Node] | None:
    if n.op != "backsum":
        return None
    news = tuple(f"new_{w}" for w in n.weights)
    return [replace(n, weights=news)] if all(w in g.by_id for w in news) else None


def _no_weights(n: Node, g: Graph) -> list[Node] | None:
    return [replace(n, op="sum", weights=())] if n.op == "backsum" else None


def _z_of(a_id: str, g: Graph) -> str:
    a = g.by_id[a_id]
    return a.args[0] if a.op == "act" and len(a.args) == 1 else a_id


def _z_forward(n: Node, g: Graph) -> list[Node] | None:
    if n.op != "affine" or not n.layer or n.layer < 2:
        return None
    return [replace(n, values=tuple(_z_of(a, g) for a in n.values))]


def _z_in_gradient(n: Node, g: Graph) -> list[Node] | None:
    if n.kind != "grad_w" or not n.layer or n.layer < 2:
        return None
    return [replace(n, args=(n.args[0], _z_of(n.args[1], g)))]


def _z_both(n: Node, g: Graph) -> list[Node] | None:
    return _z_forward(n, g) or _z_in_gradient(n, g)


def _no_bias(n: Node, g: Graph) -> list[Node] | None:
    return [replace(n, bias="")] if n.op == "affine" and n.bias else None


def _one_delta(k: int) -> Rewrite:
    def rewrite(n: Node, g: Graph) -> list[Node] | None:
        if n.op != "sum" or n.kind != "grad_b" or len(n.values) < 2 or k >= len(n.values):
            return None
        return [_op(n, "copy", (n.values[k],))]

    return rewrite


def _mean_delta(n: Node, g: Graph) -> list[Node] | None:
    if n.op != "sum" or n.kind != "grad_b" or len(n.values) < 2:
        return None
    return _scaled(n, 1 / len(n.values))


def _no_input(n: Node, g: Graph) -> list[Node] | None:
    return [_op(n, "copy", n.args[:1])] if n.kind == "grad_w" else None


def _exp_sign(n: Node, g: Graph) -> list[Node] | None:
    if n.op != "act" or not _applies(n, "sigmoid_exponent_sign"):
        return None
    neg, helper = _negated(n.args[0])
    return [replace(n, args=(neg,)), helper]


def _all(*rewrites: Rewrite) -> tuple[Alternative, ...]:
    return tuple(Alternative(r) for r in rewrites)


# Specific before general: the first rule that explains the answer names the mistake.
RULES: tuple[Rule, ...] = (
    Rule(
        "shared_bias_not_summed",
        "shared bias not summed",
        "The gradient of a bias shared by a layer is the sum of that layer's deltas; "
        "this answer takes only one delta (or their mean).",
        _all(*(_one_delta(k) for k in range(4)), _mean_delta),
    ),
    Rule(
        "weight_index_swap",
        "weight indices swapped",
        "Propagating back, ∂L/∂a_j sums w(j→k)·δ_k over the next layer; this answer uses "
        "the weights with their indices swapped (w(k→j)).",
        _all(_transposed),
    ),
    Rule(
        "used_new_weights",
        "used the updated weights",
        "Back-propagation uses the old weights; this answer uses the already updated ones.",
        _all(_new_weights),
    ),
    Rule(
        "derivative_on_z",
        "derivative taken on z",
        "The activation derivative was taken on z instead of a: z(1 − z) instead of "
        "a(1 − a) for sigmoid, 1 − z² instead of 1 − a² for tanh.",
        _all(_dact_on_z),
    ),
    Rule(
        "sigmoid_exponent_sign",
        "sign in the sigmoid's exponent",
        "σ(z) = 1/(1 + e^(−z)); this answer uses e^(+z).",
        _all(_exp_sign),
    ),
    Rule(
        "extra_activation_derivative",
        "extra activation derivative",
        "With sigmoid (or softmax) outputs and cross-entropy the output delta is simply a_o − y; "
        "this answer multiplies by a_o(1 − a_o) once more.",
        _all(_extra_dact),
    ),
    Rule(
        "learning_rate_missing",
        "learning rate missing",
        "The update is w − η·gradient; this answer subtracts the gradient without η.",
        _all(_no_eta),
    ),
    Rule(
        "update_sign",
        "update added, not subtracted",
        "Gradient descent subtracts η·gradient; this answer adds it.",
        _all(_update_plus),
    ),
    Rule(
        "forgot_bias", "bias left out", "The net input z includes the bias; this answer leaves it out.", _all(_no_bias)
    ),
    Rule(
        "z_for_a",
        "z used instead of a",
        "The pre-activation z of the previous layer was used where its activation a belongs "
        "(in the next layer's z or in a weight gradient).",
        _all(_z_both, _z_forward, _z_in_gradient),
    ),
    Rule(
        "loss_factor",
        "loss factor mishandled",
        "The constant factor of the loss was mishandled (the 2 from the square, the ½ in front, "
        "or the 1/n of a mean), in L or in ∂L/∂a.",
        _all(*(_factor(i) for i in range(5))),
    ),
    Rule(
        "missing_activation_derivative",
        "missing activation derivative",
        "δ = ∂L/∂a · f′(z); this answer leaves out the activation-derivative factor f′(z).",
        _all(_no_dact),
    ),
    Rule(
        "missing_input_factor",
        "missing input factor",
        "∂L/∂w = δ · (the activation feeding that weight); this answer is δ alone.",
        _all(_no_input),
    ),
    Rule(
        "backsum_missing_weights",
        "weights missing in back-propagation",
        "Propagating back, each next-layer δ is weighted by its connecting weight; "
        "this answer adds the deltas without the weights.",
        _all(_no_weights),
    ),
    Rule(
        "sign_error",
        "sign error",
        "y − a_o instead of a_o − y in ∂L/∂a_o (or a δ or gradient with its sign flipped).",
        (Alternative(_flip_dloss), Alternative(_flip_here, target_only=True)),
        direct_words="y − a_o instead of a_o − y in the output delta δ_o (or a δ or gradient with its sign flipped).",
    ),
)
# The one table code -> label -> explanation; docs/grading.md prints the same.
LABELS: dict[str, str] = {r.code: r.label for r in RULES}
WORDS: dict[str, str] = {r.code: r.words for r in RULES}
_DIRECT_WORDS: dict[str, str] = {r.code: r.direct_words for r in RULES if r.direct_words}


def candidates(st: Structure, nid: str, region: tuple[str, ...] | None = None) -> list[tuple[str, dict[str, Node]]]:
    """Each applicable (code, patch) for answer ``nid``, in rule order; cached per pack structure.

    ``region``: the quantities between ``nid`` and the student's written answers (the
    structure's not-asked ones, plus any asked answer left blank); the rules act there too.
    """
    region = st.region[nid] if region is None else region
    cache: dict[tuple[str, tuple[str, ...]], list[tuple[str, dict[str, Node]]]] = st.cache.setdefault("rules", {})
    found = cache.get((nid, region))
    if found is not None:
        return found
    g = st.graph
    out: list[tuple[str, dict[str, Node]]] = []
    for rule in RULES:
        for alt in rule.alternatives:
            sites = [nid] if alt.target_only else [nid, *region]
            patch: dict[str, Node] = {}
            for sid in sites:
                for node in alt.rewrite(st.by_id[sid], g) or ():
                    patch[node.id] = node
            if patch:
                out.append((rule.code, patch))
    cache[(nid, region)] = out
    return out


def diagnose(own: OwnValues, node: Node, value: float, honest: Interval, region: tuple[str, ...] | None = None) -> str:
    """The code of the first wrong rule whose result (from the student's own earlier values) fits ``value``.

    ``honest`` is the right rule's interval from the same values: a rule whose interval meets
    it cannot be told apart from a correct computation here, so it is skipped; and when two
    different rules fit ``value``, neither is named. ``region``
    (see ``candidates``) lets a rule act on blank answers the student computed but did not write.
    """
    found = ""
    for code, patch in candidates(own.st, node.id, region):
        if code == found:
            continue
        lo, hi = PatchedValues(own, patch).at(node)
        if lo <= honest[1] and honest[0] <= hi:
            continue
        if lo <= value <= hi:
            if found:
                return ""  # two different mistakes give this number here: naming one would be a coin flip
            found = code
    return found


def explain(code: str, loss: str = "") -> str:
    """The plain words of a diagnosis; with the network's ``loss`` named, in the steps that loss
    has (softmax with cross-entropy has no ∂L/∂a_o: its output delta is a_o − y directly)."""
    if loss and functions.loss(loss).derivative is None and code in _DIRECT_WORDS:
        return _DIRECT_WORDS[code]
    return WORDS.get(code, "")


def label(code: str) -> str:
    """The short plain name of a diagnosis for the PDFs ('sign_error' -> 'sign error'); '' for none."""
    return LABELS.get(code, code.replace("_", " "))


__all__ = ["LABELS", "RULES", "WORDS", "Rule", "candidates", "diagnose", "explain", "label"]
