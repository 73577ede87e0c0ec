"""Network -> one explicit, ordered graph of every quantity a student writes on paper.

Each node is data: an id (also the answer id), a kind, an operation and the ids of its
inputs. Evaluation, worked steps, grading with follow-through and mistake diagnosis all
walk this one graph, so none of them has its own idea of backpropagation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import functions
from .network import Network, bias_name, neuron_name

ANSWER_KINDS = (
    "z", "a", "loss", "dL_da", "dact", "delta", "grad_w", "grad_b", "new_w", "new_b",
)  # fmt: skip


@dataclass(frozen=True)
class Node:
    """One named quantity. ``layer`` counts 0 = inputs .. L = outputs; neuron/src are 1-based.

    Its inputs are named by their role. A weighted sum (op ``affine``: z; ``backsum``: ∂L/∂a
    of a hidden neuron) has ``weights`` and the ``values`` they multiply, pairwise, and
    ``affine`` an optional ``bias``; the loss reads the outputs (``values``) and ``targets``;
    ``sum`` (a shared bias's gradient) adds ``values``. Every other op has fixed operands in
    ``args``: act (the z it reads; softmax: every z of its layer), dact (the node the
    derivative is written from), dloss and xent_delta (a, y), mul (p, q), copy (d), update
    (old, eta, grad). ``inputs`` is all of them, in that order: what evaluation walks.
    """

    id: str
    kind: str
    op: str
    args: tuple[str, ...] = ()
    layer: int | None = None
    neuron: int | None = None
    src: int | None = None
    fn: str = ""  # the activation or loss (functions registry) of act, dact, loss, dloss, xent_delta
    group: str = "given"
    weights: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    bias: str = ""
    targets: tuple[str, ...] = ()
    param: float = 0.0  # the activation's parameter (leaky_relu's slope)
    inputs: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ins = self.weights + self.values + ((self.bias,) if self.bias else ()) + self.targets + self.args
        object.__setattr__(self, "inputs", ins)

    @property
    def given(self) -> bool:
        return self.op == "given"

    @property
    def own(self) -> int:
        """The position of an act node's own z among its args (softmax reads its whole layer)."""
        return (self.neuron or 1) - 1 if len(self.args) > 1 else 0

    @property
    def terms(self) -> tuple[tuple[str, str], ...]:
        """(weight, value) pairs of a weighted sum."""
        return tuple(zip(self.weights, self.values, strict=True))


@dataclass
class Graph:
    network: Network
    nodes: list[Node] = field(default_factory=list)
    by_id: dict[str, Node] = field(default_factory=dict)
    given: dict[str, float] = field(default_factory=dict)

    def add(self, node: Node) -> str:
        if node.id in self.by_id:
            raise ValueError(f"duplicate node id {node.id}")
        self.nodes.append(node)
        self.by_id[node.id] = node
        if node.given:
            self.given[node.id] = given_value(self.network, node)
        return node.id

    @property
    def answer_nodes(self) -> list[Node]:
        return [n for n in self.nodes if not n.given]

    def with_network(self, net: Network) -> Graph:
        """The same nodes (shared) with the given values of ``net``, a network of the same structure."""
        return Graph(net, self.nodes, self.by_id, {n.id: given_value(net, n) for n in self.nodes if n.given})


def given_value(net: Network, node: Node) -> float:
    """The value of a given node (x, y, w, b, eta) in ``net``; any network of the same shape fits."""
    l, j, i = (node.layer or 1), (node.neuron or 1), (node.src or 1)
    if node.kind == "x":
        return net.inputs[j - 1]
    if node.kind == "y":
        return net.targets[j - 1]
    if node.kind == "w":
        return net.weights[l - 1][j - 1][i - 1]
    if node.kind == "b":
        return net.biases[l - 1][j - 1]
    return net.learning_rate


def weight_id(net: Network | tuple[int, ...], layer: int, j: int, i: int) -> str:
    """Id of the weight from neuron i (layer-1) to neuron j (layer), 1-based, read 'from x1 to h1'.

    The one place weight ids are made; ``net`` may be a network or just its layer sizes.
    """
    L = net.layers if isinstance(net, Network) else net
    return f"w_{neuron_name(L, layer - 1, i)}_{neuron_name(L, layer, j)}"


def bias_id(net: Network, layer: int, j: int) -> str:
    return bias_name(net.layers, layer, None if net.bias == "shared" else j)


def build_graph(net: Network) -> Graph:
    """Build the graph in the order a student writes the solution.

    Forward pass layer by layer, the loss, then backward from the outputs (dL/da, the
    activation derivative and delta of each neuron, then that layer's gradients), then
    every update. Updates come last because all gradients use the old weights.
    """
    g = Graph(net)
    L = net.layers
    depth = net.depth

    def name(l: int, j: int) -> str:
        return neuron_name(L, l, j)

    for i in range(1, L[0] + 1):
        g.add(Node(f"x{i}", "x", "given", layer=0, neuron=i))
    for k in range(1, L[-1] + 1):
        g.add(Node(f"y{k}", "y", "given", layer=depth, neuron=k))
    for l in range(1, depth + 1):
        for j in range(1, L[l] + 1):
            for i in range(1, L[l - 1] + 1):
                wid = weight_id(net, l, j, i)
                g.add(Node(wid, "w", "given", layer=l, neuron=j, src=i))
        if net.bias == "shared":
            g.add(Node(bias_id(net, l, 1), "b", "given", layer=l))
        elif net.bias == "per_neuron":
            for j in range(1, L[l] + 1):
                g.add(Node(bias_id(net, l, j), "b", "given", layer=l, neuron=j))
    g.add(Node("eta", "eta", "given"))

    def param(fn: str) -> float:
        f = functions.activation(fn)
        return float(getattr(net, f.param)) if f.param else 0.0

    # Forward pass.
    def act_id(l: int, i: int) -> str:
        return f"x{i}" if l == 0 else f"a_{name(l, i)}"

    for l in range(1, depth + 1):
        fn = net.activation[l - 1]
        layerwise = functions.activation(fn).layerwise
        for j in range(1, L[l] + 1):
            g.add(Node(
                f"z_{name(l, j)}", "z", "affine", (), l, j, group="forward",
                weights=tuple(weight_id(net, l, j, i) for i in range(1, L[l - 1] + 1)),
                values=tuple(act_id(l - 1, i) for i in range(1, L[l - 1] + 1)),
                bias=bias_id(net, l, j) if net.bias != "none" else "",
            ))  # fmt: skip
            if not layerwise:
                g.add(Node(f"a_{name(l, j)}", "a", "act", (f"z_{name(l, j)}",), l, j,
                           fn=fn, group="forward", param=param(fn)))  # fmt: skip
        if layerwise:  # every a of the layer reads every z of it
            zs = tuple(f"z_{name(l, k)}" for k in range(1, L[l] + 1))
            for j in range(1, L[l] + 1):
                g.add(Node(f"a_{name(l, j)}", "a", "act", zs, l, j, fn=fn, group="forward", param=param(fn)))

    outs = tuple(f"a_{name(depth, k)}" for k in range(1, L[-1] + 1))
    ys = tuple(f"y{k}" for k in range(1, L[-1] + 1))
    g.add(Node("loss", "loss", "loss", fn=net.loss, group="loss", values=outs, targets=ys))
    loss_fn = functions.loss(net.loss)

    # Backward pass, output layer first.
    for l in range(depth, 0, -1):
        for j in range(1, L[l] + 1):
            n = name(l, j)
            if l == depth and loss_fn.derivative is None:
                # Sigmoid + binary or softmax + categorical cross-entropy: the factors cancel to δ = a − y.
                g.add(Node(f"delta_{n}", "delta", "xent_delta", (f"a_{n}", f"y{j}"), l, j,
                           fn=net.loss, group="backward"))  # fmt: skip
                continue
            if l == depth:
                g.add(Node(f"dL_da_{n}", "dL_da", "dloss", (f"a_{n}", f"y{j}"), l, j,
                           fn=net.loss, group="backward"))  # fmt: skip
            else:
                g.add(Node(
                    f"dL_da_{n}", "dL_da", "backsum", (), l, j, group="backward",
                    weights=tuple(weight_id(net, l + 1, k, j) for k in range(1, L[l + 1] + 1)),
                    values=tuple(f"delta_{name(l + 1, k)}" for k in range(1, L[l + 1] + 1)),
                ))  # fmt: skip
            fn = net.activation[l - 1]
            reads = functions.activation(fn).reads
            dact_in = (f"{reads}_{n}",) if reads else ()
            g.add(Node(f"dact_{n}", "dact", "dact", dact_in, l, j, fn=fn, group="backward", param=param(fn)))
            g.add(Node(f"delta_{n}", "delta", "mul", (f"dL_da_{n}", f"dact_{n}"), l, j,
                       group="backward"))  # fmt: skip
        for j in range(1, L[l] + 1):
            for i in range(1, L[l - 1] + 1):
                wid = weight_id(net, l, j, i)
                g.add(Node(f"grad_{wid}", "grad_w", "mul", (f"delta_{name(l, j)}", act_id(l - 1, i)),
                           l, j, i, group="backward"))  # fmt: skip
        if net.bias == "shared":
            deltas = tuple(f"delta_{name(l, j)}" for j in range(1, L[l] + 1))
            g.add(Node(f"grad_{bias_id(net, l, 1)}", "grad_b", "sum", (), l, group="backward", values=deltas))
        elif net.bias == "per_neuron":
            for j in range(1, L[l] + 1):
                g.add(Node(f"grad_{bias_id(net, l, j)}", "grad_b", "copy", (f"delta_{name(l, j)}",),
                           l, j, group="backward"))  # fmt: skip

    # Updates, in forward order so the before/after table reads naturally.
    for l in range(1, depth + 1):
        for j in range(1, L[l] + 1):
            for i in range(1, L[l - 1] + 1):
                wid = weight_id(net, l, j, i)
                g.add(Node(f"new_{wid}", "new_w", "update", (wid, "eta", f"grad_{wid}"), l, j, i,
                           group="update"))  # fmt: skip
        if net.bias == "shared":
            bid = bias_id(net, l, 1)
            g.add(Node(f"new_{bid}", "new_b", "update", (bid, "eta", f"grad_{bid}"), l,
                       group="update"))  # fmt: skip
        elif net.bias == "per_neuron":
            for j in range(1, L[l] + 1):
                bid = bias_id(net, l, j)
                g.add(Node(f"new_{bid}", "new_b", "update", (bid, "eta", f"grad_{bid}"), l, j,
                           group="update"))  # fmt: skip
    return g
