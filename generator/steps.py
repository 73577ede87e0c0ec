"""Graph + values -> worked steps: the formula, the formula with numbers, the result.

A step is a record (``Step``): the left side, the formula's terms, the same terms with
numbers, the result, an aside and the rounding note. Renderers only format it; the answer
key stores it flattened (``Step.to_dict``). Formulas are written in a tiny TeX subset
(``x_{1}``, ``a^{2}``, ``\\frac{a}{b}``, ``\\hat{y}``) that ``mathtext`` turns into HTML or
plain text. Printed numbers get the typographic minus in one place (``numbers.minus``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from . import functions, ops
from .graph import Graph, Node
from .network import bias_name, neuron_name
from .numbers import fmt, fmt_given, minus, quantize, to_decimal


def symbol(graph: Graph, node_id: str) -> str:
    """The quantity as written on paper, in the TeX subset."""
    n = graph.by_id[node_id]
    L = graph.network.layers
    nm = neuron_name(L, n.layer, n.neuron) if n.layer is not None and n.neuron else ""
    sub = nm.replace("_", ",")
    k = n.kind
    if k == "x":
        return f"x_{{{n.neuron}}}"
    if k == "y":
        return f"y_{{{n.neuron}}}"
    if k == "eta":
        return "η"
    if k in ("w", "grad_w", "new_w"):
        assert n.layer is not None
        assert n.neuron is not None
        assert n.src is not None
        frm = neuron_name(L, n.layer - 1, n.src).replace("_", ",")
        w = f"w_{{{frm}→{sub}}}"
        return {"w": w, "grad_w": f"\\frac{{∂L}}{{∂{w}}}", "new_w": f"{w}^{{new}}"}[k]
    if k in ("b", "grad_b", "new_b"):
        assert n.layer is not None
        bn = bias_name(L, n.layer, n.neuron if graph.network.bias == "per_neuron" else None)
        b = f"b_{{{bn[2:].replace('_', ',')}}}" if bn.startswith("b_") else f"b_{{{bn[1:]}}}"
        return {"b": b, "grad_b": f"\\frac{{∂L}}{{∂{b}}}", "new_b": f"{b}^{{new}}"}[k]
    if k == "z":
        return f"z_{{{sub}}}"
    if k == "a":
        return f"a_{{{sub}}}"
    if k == "loss":
        return "L"
    if k == "dL_da":
        return f"\\frac{{∂L}}{{∂a_{{{sub}}}}}"
    if k == "dact":
        return f"{functions.activation(n.fn).symbol}′(z_{{{sub}}})"
    if k == "delta":
        return f"δ_{{{sub}}}"
    raise ValueError(k)


def label(graph: Graph, node_id: str) -> str:
    """Plain-words name of an answer, for tables, CSV readers and the terminal."""
    n = graph.by_id[node_id]
    L = graph.network.layers
    # Printed names: h1,2 for hidden layer 1 neuron 2, as in the symbols and the diagram.
    nm = neuron_name(L, n.layer, n.neuron).replace("_", ",") if n.layer is not None and n.neuron else ""
    k = n.kind
    if k in ("grad_w", "new_w"):
        assert n.layer is not None
        assert n.src is not None
        frm = neuron_name(L, n.layer - 1, n.src).replace("_", ",")
        return f"{'gradient of' if k == 'grad_w' else 'updated'} weight {frm}→{nm}"
    if k in ("grad_b", "new_b"):
        assert n.layer is not None
        what = f"bias of {nm}" if graph.network.bias == "per_neuron" else f"bias {bias_name(L, n.layer, None)}"
        return f"{'gradient of' if k == 'grad_b' else 'updated'} {what}"
    words = {
        "z": "net input of", "a": "activation of", "dL_da": "∂L/∂a of",
        "dact": "activation derivative of", "delta": "delta of",
    }  # fmt: skip
    if k == "loss":
        return "loss"
    return f"{words[k]} {nm}"


@dataclass(frozen=True)
class Step:
    """One worked step: ``lhs = formula… = numbers… = result``, with an aside and a rounding note.

    Terms are in the TeX subset, numbers printed with the typographic minus; ``result`` and
    ``shown`` are machine decimals (ASCII minus). ``shown`` is what the printed rounded numbers
    give when that differs from the exact result (printed with ≈).
    """

    id: str
    group: str
    kind: str
    asked: bool
    inputs: tuple[str, ...]
    lhs: str
    formula: tuple[str, ...]
    numbers: tuple[str, ...]
    result: str
    aside: str = ""
    shown: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The answer key's flat form: 'lhs = formula (aside)' and 'numbers' as strings."""
        formula = " = ".join((self.lhs, *self.formula)) + (f" ({self.aside})" if self.aside else "")
        d: dict[str, Any] = {
            "id": self.id, "group": self.group, "kind": self.kind, "asked": self.asked,
            "inputs": list(self.inputs), "formula": formula, "substituted": " = ".join(self.numbers),
            "result": self.result,
        }  # fmt: skip
        if self.shown:
            d["shown"] = self.shown
        if self.note:
            d["note"] = self.note
        return d


_Terms = tuple[list[str], list[str], str]  # formula terms, number terms, aside


def plain_number(s: str) -> str:
    """'(−0.1119)' -> '-0.1119': a printed number term back to its machine form, for comparing."""
    return s.strip().removeprefix("(").removesuffix(")").replace("−", "-")


class StepWriter:
    """Writes the steps of one solved graph; numbers are shown as the key prints them (rounded)."""

    def __init__(self, graph: Graph, exact: Mapping[str, Any], decimals: int) -> None:
        self.g, self.d = graph, decimals
        self.exact = exact

    # --- what the registry's formulas use (functions.Show) ---

    def fmt(self, x: Any) -> str:
        return minus(fmt(x, self.d))

    def num(self, node_id: str) -> str:
        s = minus(fmt_given(self.g.given[node_id])) if node_id in self.g.given else self.fmt(self.exact[node_id])
        return f"({s})" if s.startswith("−") else s

    def arg(self, node_id: str) -> str:
        """A number standing alone (a function argument): no parentheses around a negative."""
        return self.num(node_id).removeprefix("(").removesuffix(")")

    def sym(self, node_id: str) -> str:
        return symbol(self.g, node_id)

    def dec(self, node_id: str) -> Decimal:
        """The value as displayed in the key, so each printed line can be re-traced by hand."""
        if node_id in self.g.given:
            return to_decimal(self.g.given[node_id])
        return quantize(self.exact[node_id], self.d)

    # --- steps ---

    def step(self, node: Node, asked: bool = False) -> Step:
        f, s, aside = getattr(self, f"_op_{node.op}")(node)
        result = fmt(self.exact[node.id], self.d)
        if s and plain_number(s[-1]) == result:
            s = s[:-1]  # '… = 0.0902 = 0.0902' says nothing twice
        return Step(node.id, node.group, node.kind, asked, node.inputs, self.sym(node.id), tuple(f), tuple(s),
                    result, aside)  # fmt: skip

    def shown_result(self, node: Node) -> str:
        """The result of the line as printed: the displayed (rounded) inputs, each partial result
        rounded as the line shows it (products, e^−z, η × gradient), then rounded."""
        args = [self.dec(i) for i in node.inputs]
        with localcontext() as ctx:
            ctx.prec = 40
            value = ops.point(node, args, ops.DecimalMath, lambda x: quantize(x, self.d), self.g.network.layers[-1])
        return fmt(value, self.d)

    def _weighted(self, node: Node) -> tuple[list[str], list[str], list[str]]:
        pairs = node.terms
        f = [f"{self.sym(w)} {self.sym(a)}" for w, a in pairs]
        s = [f"{self.num(w)}·{self.num(a)}" for w, a in pairs]
        prods = [self._paren(self.dec(w) * self.dec(a)) for w, a in pairs]
        return f, s, prods

    def _paren(self, x: Any) -> str:
        s = self.fmt(x)
        return f"({s})" if s.startswith("−") else s

    def _op_affine(self, node: Node) -> _Terms:
        f, s, prods = self._weighted(node)
        if node.bias:
            f.append(self.sym(node.bias))
            s.append(self.num(node.bias))
            prods.append(self.num(node.bias))
        terms = [" + ".join(s)]
        if len(prods) > 1:
            terms.append(" + ".join(prods))
        return [" + ".join(f)], terms, ""

    def _op_act(self, node: Node) -> _Terms:
        k = node.own
        f, s = functions.activation(node.fn).formula(self, node.args, k, node.param)
        return f, s, ""

    def _op_loss(self, node: Node) -> _Terms:
        f, s = functions.loss(node.fn).formula(self, node.values, node.targets)
        return f, s, ""

    def _op_dloss(self, node: Node) -> _Terms:
        a, y = node.args
        show = functions.loss(node.fn).derivative_formula
        assert show is not None
        f, s = show(self, a, y, self.g.network.layers[-1])
        return f, s, ""

    def _op_dact(self, node: Node) -> _Terms:
        fn = functions.activation(node.fn)
        f, s = fn.derivative_formula(self, node.args[0] if node.args else "", node.param)
        return f, s, fn.derivative_note

    def _op_mul(self, node: Node) -> _Terms:
        p, q = node.args
        return [f"{self.sym(p)} · {self.sym(q)}"], [f"{self.num(p)} · {self.num(q)}"], ""

    def _op_xent_delta(self, node: Node) -> _Terms:
        a, y = node.args
        out = functions.loss(node.fn).output
        return [f"{self.sym(a)} − {self.sym(y)}"], [f"{self.num(a)} − {self.num(y)}"], f"{out} with cross-entropy"

    def _op_backsum(self, node: Node) -> _Terms:
        f, s, _ = self._weighted(node)
        return [" + ".join(f)], [" + ".join(s)], ""

    def _op_sum(self, node: Node) -> _Terms:
        return (
            [" + ".join(self.sym(i) for i in node.values)],
            [" + ".join(self.num(i) for i in node.values)],
            "the shared bias collects every delta of its layer",
        )

    def _op_copy(self, node: Node) -> _Terms:
        return [self.sym(node.args[0])], [], ""

    def _op_update(self, node: Node) -> _Terms:
        old, eta, grad = node.args
        step = self._paren(self.dec(eta) * self.dec(grad))
        return (
            [f"{self.sym(old)} − η {self.sym(grad)}"],
            [f"{self.num(old)} − {self.num(eta)}·{self.num(grad)}", f"{self.num(old)} − {step}"],
            "",
        )
