"""Network -> one explicit, ordered graph of every quantity a student writes on paper.

Each node is data: an id (also the answer id), a kind, an operation and the ids of its
inputs. Evaluation, worked steps, grading with follow-through and mistake diagnosis all
walk this one graph, so none of them has its own idea of backpropagation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .network import Network, bias_name, neuron_name

GIVEN_KINDS = ("x", "y", "w", "b", "eta")
ANSWER_KINDS = (
    "z", "a", "loss", "dL_da", "dact", "delta", "grad_w", "grad_b", "new_w", "new_b",
)  # fmt: skip
GROUPS = ("forward", "loss", "backward", "update")


@dataclass(frozen=True)
class Node:
    """One named quantity. ``layer`` counts 0 = inputs .. L = outputs; neuron/src are 1-based."""

    id: str
    kind: str
    op: str
    inputs: tuple[str, ...] = ()
    layer: int | None = None
    neuron: int | None = None
    src: int | None = None
    fn: str = ""
    group: str = "given"

    @property
    def given(self) -> bool:
        return self.op == "given"


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

    def consumers(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        for n in self.nodes:
            for i in n.inputs:
                out[i].append(n.id)
        return out


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


def weight_id(net: Network, layer: int, j: int, i: int) -> str:
    """Id of the weight from neuron i (layer-1) to neuron j (layer), 1-based, read 'from x1 to h1'."""
    L = net.layers
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

    # Forward pass.
    def act_id(l: int, i: int) -> str:
        return f"x{i}" if l == 0 else f"a_{name(l, i)}"

    for l in range(1, depth + 1):
        for j in range(1, L[l] + 1):
            ins = [weight_id(net, l, j, i) for i in range(1, L[l - 1] + 1)]
            ins += [act_id(l - 1, i) for i in range(1, L[l - 1] + 1)]
            if net.bias != "none":
                ins.append(bias_id(net, l, j))
            g.add(Node(f"z_{name(l, j)}", "z", "affine", tuple(ins), l, j, group="forward"))
            g.add(Node(f"a_{name(l, j)}", "a", "act", (f"z_{name(l, j)}",), l, j,
                       fn=net.activation[l - 1], group="forward"))  # fmt: skip

    outs = [f"a_{name(depth, k)}" for k in range(1, L[-1] + 1)]
    ys = [f"y{k}" for k in range(1, L[-1] + 1)]
    g.add(Node("loss", "loss", "loss", tuple(outs + ys), fn=net.loss, group="loss"))

    # Backward pass, output layer first.
    for l in range(depth, 0, -1):
        for j in range(1, L[l] + 1):
            n = name(l, j)
            if l == depth and net.loss == "bce":
                # Sigmoid + cross-entropy: the factors cancel to delta = y_hat - y.
                g.add(Node(f"delta_{n}", "delta", "bce_delta", (f"a_{n}", f"y{j}"), l, j,
                           group="backward"))  # fmt: skip
                continue
            if l == depth:
                g.add(Node(f"dL_da_{n}", "dL_da", "dloss", (f"a_{n}", f"y{j}"), l, j,
                           fn=net.loss, group="backward"))  # fmt: skip
            else:
                ins = [weight_id(net, l + 1, k, j) for k in range(1, L[l + 1] + 1)]
                ins += [f"delta_{name(l + 1, k)}" for k in range(1, L[l + 1] + 1)]
                g.add(Node(f"dL_da_{n}", "dL_da", "backsum", tuple(ins), l, j, group="backward"))
            fn = net.activation[l - 1]
            dact_in = {"sigmoid": (f"a_{n}",), "tanh": (f"a_{n}",), "relu": (f"z_{n}",)}.get(fn, ())
            g.add(Node(f"dact_{n}", "dact", "dact", dact_in, l, j, fn=fn, group="backward"))
            g.add(Node(f"delta_{n}", "delta", "mul", (f"dL_da_{n}", f"dact_{n}"), l, j,
                       group="backward"))  # fmt: skip
        for j in range(1, L[l] + 1):
            for i in range(1, L[l - 1] + 1):
                wid = weight_id(net, l, j, i)
                g.add(Node(f"grad_{wid}", "grad_w", "mul", (f"delta_{name(l, j)}", act_id(l - 1, i)),
                           l, j, i, group="backward"))  # fmt: skip
        if net.bias == "shared":
            deltas = tuple(f"delta_{name(l, j)}" for j in range(1, L[l] + 1))
            g.add(Node(f"grad_{bias_id(net, l, 1)}", "grad_b", "sum", deltas, l, group="backward"))
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
