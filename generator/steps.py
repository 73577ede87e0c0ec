"""Graph + values -> worked steps: the formula, the formula with numbers, the result.

Formulas are written in a tiny TeX subset (``x_{1}``, ``a^{2}``, ``\\frac{a}{b}``, ``\\hat{y}``)
that ``mathtext`` turns into HTML or plain text; the answer key stores them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext
from typing import Any

from . import ops
from .graph import Graph, Node
from .network import bias_name, neuron_name
from .numbers import fmt, fmt_given, quantize, to_decimal

ACT_SYMBOL = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "linear": "f"}
ACT_WORDS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "linear": "linear (identity)"}


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
        return f"{ACT_SYMBOL[n.fn]}′(z_{{{sub}}})"
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


class StepWriter:
    """Writes the steps of one solved graph; numbers are shown as the key prints them (rounded)."""

    def __init__(self, graph: Graph, exact: Mapping[str, Any], decimals: int) -> None:
        self.g, self.d = graph, decimals
        self.exact = exact

    def num(self, node_id: str) -> str:
        s = fmt_given(self.g.given[node_id]) if node_id in self.g.given else fmt(self.exact[node_id], self.d)
        return f"({s.replace('-', '−')})" if s.startswith("-") else s

    def arg(self, node_id: str) -> str:
        """A number standing alone (a function argument): no parentheses around a negative."""
        return self.num(node_id).removeprefix("(").removesuffix(")")

    def sym(self, node_id: str) -> str:
        return symbol(self.g, node_id)

    def step(self, node: Node) -> dict[str, str]:
        f, s = getattr(self, f"_op_{node.op}")(node)
        lhs = self.sym(node.id)
        return {"formula": f"{lhs} = {f}", "substituted": s, "result": fmt(self.exact[node.id], self.d)}

    def shown_result(self, node: Node) -> str:
        """The result of the line as printed: the displayed (rounded) inputs, each partial result
        rounded as the line shows it (products, e^-z, eta x gradient), then rounded."""
        args = [self._dec(i) for i in node.inputs]
        with localcontext() as ctx:
            ctx.prec = 40
            value = ops.point(node, args, ops.DecimalMath, lambda x: quantize(x, self.d), self.g.network.layers[-1])
        return fmt(value, self.d)

    def _pairs(self, ins: tuple[str, ...]) -> list[tuple[str, str]]:
        n = len(ins) // 2
        return list(zip(ins[:n], ins[n : 2 * n], strict=True))

    def _op_affine(self, node: Node) -> tuple[str, str]:
        pairs = self._pairs(node.inputs)
        f = " + ".join(f"{self.sym(w)} {self.sym(a)}" for w, a in pairs)
        s = " + ".join(f"{self.num(w)}·{self.num(a)}" for w, a in pairs)
        prods = [_paren(fmt(self._dec(w) * self._dec(a), self.d)) for w, a in pairs]
        if len(node.inputs) % 2:
            b = node.inputs[-1]
            f += f" + {self.sym(b)}"
            s += f" + {self.num(b)}"
            prods.append(self.num(b))
        if len(pairs) > 1 or len(node.inputs) % 2:
            s += " = " + " + ".join(prods)
        return f, s

    def _val(self, node_id: str) -> Any:
        return self.g.given[node_id] if node_id in self.g.given else self.exact[node_id]

    def _dec(self, node_id: str) -> Decimal:
        """The value as displayed in the key, so each printed line can be re-traced by hand."""
        if node_id in self.g.given:
            return to_decimal(self.g.given[node_id])
        return quantize(self.exact[node_id], self.d)

    def _op_act(self, node: Node) -> tuple[str, str]:
        z = node.inputs[0]
        zs, zn = self.sym(z), self.num(z)
        if node.fn == "sigmoid":
            e = fmt((-self._dec(z)).exp(), self.d)
            zv = self._dec(z)
            e = fmt((-zv).exp(), self.d)
            power = f"−{fmt(zv, self.d)}" if zv > 0 else f"−({fmt(zv, self.d).replace('-', '−')})"
            return (
                f"σ({zs}) = \\frac{{1}}{{1 + e^{{−{zs}}}}}",
                f"\\frac{{1}}{{1 + e^{{{power}}}}} = \\frac{{1}}{{1 + {e}}}",
            )
        if node.fn == "tanh":
            return f"tanh({zs})", f"tanh({self.arg(z)})"
        if node.fn == "relu":
            return f"max(0, {zs})", f"max(0, {self.arg(z)})"
        return zs, zn

    def _loss_terms(self, node: Node, numbers: bool) -> list[str]:
        half = len(node.inputs) // 2
        out = []
        show = self.num if numbers else self.sym
        for a, y in zip(node.inputs[:half], node.inputs[half:], strict=True):
            if node.fn == "bce":
                out.append(f"{show(y)} ln {show(a)} + (1 − {show(y)}) ln(1 − {show(a)})")
            elif node.fn == "sse":
                out.append(f"({show(y)} − {show(a)})^{{2}}")
            else:
                out.append(f"({show(a)} − {show(y)})^{{2}}")
        return out

    def _op_loss(self, node: Node) -> tuple[str, str]:
        n = len(node.inputs) // 2
        parts = []
        for numbers in (False, True):
            terms = self._loss_terms(node, numbers)
            if node.fn == "bce":
                parts.append(" − ".join(f"[{t}]" for t in terms).join(("−", "")))
                continue
            body = " + ".join(terms)
            pre = {"half_sse": "\\frac{1}{2}", "mse": f"\\frac{{1}}{{{n}}}", "sse": ""}[node.fn]
            parts.append(f"{pre}[{body}]" if pre and n > 1 else f"{pre}{body}")
        return parts[0], parts[1]

    def _op_dloss(self, node: Node) -> tuple[str, str]:
        a, y = node.inputs
        n = self.g.network.layers[-1]
        forms = {
            "half_sse": "{a} − {y}",
            "sse": "−2({y} − {a})",
            "mse": "\\frac{{2}}{{{n}}}({a} − {y})",
        }
        t = forms[node.fn]
        return t.format(a=self.sym(a), y=self.sym(y), n=n), t.format(a=self.num(a), y=self.num(y), n=n)

    def _op_dact(self, node: Node) -> tuple[str, str]:
        if node.fn == "sigmoid":
            a = node.inputs[0]
            return f"{self.sym(a)}(1 − {self.sym(a)})", f"{self.num(a)}·(1 − {self.num(a)})"
        if node.fn == "tanh":
            a = node.inputs[0]
            return f"1 − {self.sym(a)}^{{2}}", f"1 − {self.num(a)}^{{2}}"
        if node.fn == "relu":
            z = node.inputs[0]
            pos = _f(self._val(z)) > 0
            return (
                f"1 if {self.sym(z)} > 0, else 0",
                f"{1 if pos else 0}, since {self.sym(z)} is {self.arg(z)} {'>' if pos else '≤'} 0",
            )
        return "1 (linear activation)", "1"

    def _op_mul(self, node: Node) -> tuple[str, str]:
        p, q = node.inputs
        return f"{self.sym(p)} · {self.sym(q)}", f"{self.num(p)} · {self.num(q)}"

    def _op_bce_delta(self, node: Node) -> tuple[str, str]:
        a, y = node.inputs
        return (
            f"{self.sym(a)} − {self.sym(y)} (sigmoid with cross-entropy)",
            f"{self.num(a)} − {self.num(y)}",
        )

    def _op_backsum(self, node: Node) -> tuple[str, str]:
        pairs = self._pairs(node.inputs)
        f = " + ".join(f"{self.sym(w)} {self.sym(d)}" for w, d in pairs)
        s = " + ".join(f"{self.num(w)}·{self.num(d)}" for w, d in pairs)
        return f, s

    def _op_sum(self, node: Node) -> tuple[str, str]:
        ins = node.inputs
        return (
            " + ".join(self.sym(i) for i in ins) + " (the shared bias collects every delta of its layer)",
            " + ".join(self.num(i) for i in ins),
        )

    def _op_copy(self, node: Node) -> tuple[str, str]:
        d = node.inputs[0]
        return f"{self.sym(d)} · 1", self.num(d)

    def _op_update(self, node: Node) -> tuple[str, str]:
        old, eta, grad = node.inputs
        step = fmt(self._dec(eta) * self._dec(grad), self.d)
        return (
            f"{self.sym(old)} − η {self.sym(grad)}",
            f"{self.num(old)} − {self.num(eta)}·{self.num(grad)} = {self.num(old)} − {_paren(step)}",
        )


def _f(x: Any) -> float:
    return float(x)


def _paren(s: str) -> str:
    return f"({s.replace('-', '−')})" if s.startswith("-") else s
