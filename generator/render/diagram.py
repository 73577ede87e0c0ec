"""The network as an inline SVG: labelled nodes, every weight on its edge, biases, given values.

Lengths are PostScript points (the SVG's user unit is 1 pt), so font sizes match the page.
Weight labels are placed greedily: each label goes to the point along its own edge that
overlaps no other label, node or text and crosses the fewest other edges, preferring the
middle of the edge. The given-values table on the worksheet backs the diagram up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from ..network import bias_name, neuron_name
from ..numbers import fmt_given

MAX_WIDTH = 480.0  # fits the text column of A4 and letter with 16 mm margins
R = 12.5  # node radius
EDGE_FONT = 7.5
NODE_FONT = 10.5
TEXT_FONT = 8.0
ACT_NAMES = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "linear": "linear"}

# Advance widths of Noto Sans in em, enough to size label boxes (digits are tabular).
_EM = {".": 0.268, ",": 0.268, "-": 0.322, "−": 0.56, " ": 0.26, "=": 0.572, "+": 0.572}


def text_width(s: str, size: float) -> float:
    return sum(_EM.get(ch, 0.572 if ch.isdigit() else 0.56) for ch in s) * size


def minus(s: str) -> str:
    """A typographic minus for a printed number (the JSON keeps ASCII '-')."""
    return "−" + s[1:] if s.startswith("-") else s


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, o: Box, gap: float = 1.0) -> bool:
        return not (self.x1 + gap <= o.x0 or o.x1 + gap <= self.x0 or self.y1 + gap <= o.y0 or o.y1 + gap <= self.y0)


def _segment_hits_box(p: tuple[float, float], q: tuple[float, float], b: Box) -> bool:
    """Liang-Barsky clipping: does segment pq pass through box b?"""
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for pk, qk in ((-dx, p[0] - b.x0), (dx, b.x1 - p[0]), (-dy, p[1] - b.y0), (dy, b.y1 - p[1])):
        if pk == 0:
            if qk < 0:
                return False
            continue
        t = qk / pk
        if pk < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


_FRACTIONS = (0.5, 0.42, 0.58, 0.34, 0.66, 0.27, 0.73, 0.46, 0.54, 0.38, 0.62, 0.3, 0.7, 0.22, 0.78, 0.18, 0.82)


@dataclass
class _Edge:
    p: tuple[float, float]
    q: tuple[float, float]
    text: str
    key: str


def _place(edges: list[_Edge], obstacles: list[Box]) -> list[tuple[_Edge, Box]]:
    placed: list[tuple[_Edge, Box]] = []
    taken = list(obstacles)
    for e in edges:
        w, h = text_width(e.text, EDGE_FONT) + 3.0, EDGE_FONT + 2.2
        best: tuple[float, Box] | None = None
        for t in _FRACTIONS:
            cx, cy = e.p[0] + t * (e.q[0] - e.p[0]), e.p[1] + t * (e.q[1] - e.p[1])
            box = Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            clash = sum(1 for o in taken if box.overlaps(o))
            halo = Box(box.x0 - 2.5, box.y0 - 2.5, box.x1 + 2.5, box.y1 + 2.5)
            crossings = sum(1 for o in edges if o is not e and _segment_hits_box(o.p, o.q, halo))
            cost = 1000.0 * clash + 6.0 * crossings + 10.0 * abs(t - 0.5)
            if best is None or cost < best[0]:
                best = (cost, box)
        assert best is not None
        taken.append(best[1])
        placed.append((e, best[1]))
    return placed


def _name_svg(name: str, x: float, y: float, size: float) -> str:
    """A neuron name as italic letter + subscript (h2_1 -> h with subscript '2,1'), centred on x."""
    letter, sub = name[0], name[1:].replace("_", ",")
    w = text_width(letter, size) * 0.95 + text_width(sub, size * 0.7)
    x0 = x - w / 2
    return (
        f'<text x="{x0:.1f}" y="{y + size * 0.34:.1f}" font-size="{size}">'
        f'<tspan font-style="italic">{escape(letter)}</tspan>'
        f'<tspan font-size="{size * 0.7:.2f}" dy="{size * 0.22:.2f}">{escape(sub)}</tspan></text>'
    )


def network_svg(problem: dict[str, Any]) -> str:
    """The SVG markup of one problem's network (all text escaped)."""
    net = problem["network"]
    layers: list[int] = list(net["layers"])
    given = {g["id"]: g["value"] for g in problem["given"]}
    lt = tuple(layers)
    n_cols = len(layers)
    n_max = max(layers)

    def value(gid: str, fallback: float) -> str:
        return minus(given.get(gid, fmt_given(fallback)))

    in_labels = [f"= {value(f'x{i + 1}', net['inputs'][i])}" for i in range(layers[0])]
    out_labels = [f"= {value(f'y{k + 1}', net['targets'][k])}" for k in range(layers[-1])]
    left = max(text_width(s, TEXT_FONT) for s in in_labels) + 22 + R
    right = max(text_width(s, TEXT_FONT) for s in out_labels) + 22 + R
    gap = min(175.0, (MAX_WIDTH - left - right) / (n_cols - 1))
    dy = {1: 60.0, 2: 66.0, 3: 58.0}.get(n_max, 54.0)
    has_bias = net["bias"] != "none"
    top = 30.0 if has_bias else 16.0
    height = top + (n_max - 1) * dy + 40.0
    width = left + gap * (n_cols - 1) + right
    mid = top + (n_max - 1) * dy / 2

    pos: list[list[tuple[float, float]]] = []
    for l, n in enumerate(layers):
        x = left + l * gap
        pos.append([(x, mid + (j - (n - 1) / 2) * dy) for j in range(n)])

    obstacles: list[Box] = []
    for col in pos:
        for x, y in col:
            obstacles.append(Box(x - R, y - R, x + R, y + R))

    texts: list[str] = []
    # inputs and targets beside their nodes
    for i, (x, y) in enumerate(pos[0]):
        s = in_labels[i]
        x_end = x - R - 4
        obstacles.append(Box(x_end - text_width(s, TEXT_FONT) - 14, y - 6, x_end, y + 6))
        texts.append(
            f'<text x="{x_end:.1f}" y="{y + 3:.1f}" font-size="{TEXT_FONT}" text-anchor="end">'
            f'<tspan font-style="italic">x</tspan><tspan font-size="{TEXT_FONT * 0.7:.2f}" dy="1.8">{i + 1}</tspan>'
            f'<tspan dy="-1.8"> {escape(s)}</tspan></text>'
        )
    for k, (x, y) in enumerate(pos[-1]):
        s = out_labels[k]
        x0 = x + R + 4
        obstacles.append(Box(x0, y - 6, x0 + text_width(s, TEXT_FONT) + 14, y + 6))
        texts.append(
            f'<text x="{x0:.1f}" y="{y + 3:.1f}" font-size="{TEXT_FONT}">'
            f'<tspan font-style="italic">y</tspan>'
            f'<tspan font-size="{TEXT_FONT * 0.7:.2f}" dy="1.8">{k + 1}</tspan>'
            f'<tspan dy="-1.8"> {escape(s)}</tspan></text>'
        )
    # biases above each neuron (per neuron) or above the layer (shared)
    for l in range(1, n_cols):
        col = pos[l]
        if net["bias"] == "per_neuron":
            for j, (x, y) in enumerate(col):
                s = "b = " + value(bias_name(lt, l, j + 1), net["biases"][l - 1][j])
                w = text_width(s, TEXT_FONT)
                obstacles.append(Box(x - w / 2 - 1, y - R - 13, x + w / 2 + 1, y - R - 2))
                texts.append(
                    f'<text x="{x:.1f}" y="{y - R - 4:.1f}" font-size="{TEXT_FONT}" text-anchor="middle" '
                    f'class="bias">{escape(s)}</text>'
                )
        elif net["bias"] == "shared":
            x, y = col[0]
            b = value(bias_name(lt, l, None), net["biases"][l - 1][0])
            s = f"b{l} = {b} (shared)"
            w = text_width(s, TEXT_FONT)
            obstacles.append(Box(x - w / 2 - 1, y - R - 13, x + w / 2 + 1, y - R - 2))
            texts.append(
                f'<text x="{x:.1f}" y="{y - R - 4:.1f}" font-size="{TEXT_FONT}" text-anchor="middle" class="bias">'
                f'<tspan font-style="italic">b</tspan><tspan font-size="{TEXT_FONT * 0.7:.2f}" dy="1.8">{l}</tspan>'
                f'<tspan dy="-1.8"> = {escape(b)} (shared)</tspan></text>'
            )
    # column captions under the network
    captions = []
    for l in range(n_cols):
        x = pos[l][0][0]
        if l == 0:
            cap = "inputs"
        elif l == n_cols - 1:
            cap = f"outputs ({ACT_NAMES.get(net['activation'][l - 1], net['activation'][l - 1])}), targets y"
        else:
            hidden = "hidden" if n_cols == 3 else f"hidden {l}"
            cap = f"{hidden} ({ACT_NAMES.get(net['activation'][l - 1], net['activation'][l - 1])})"
        captions.append(
            f'<text x="{x:.1f}" y="{height - 8:.1f}" font-size="{TEXT_FONT}" text-anchor="middle" '
            f'class="caption">{escape(cap)}</text>'
        )

    edges: list[_Edge] = []
    for l in range(1, n_cols):
        gap_edges = []
        for j in range(layers[l]):
            for i in range(layers[l - 1]):
                wid = f"w_{neuron_name(lt, l - 1, i + 1)}_{neuron_name(lt, l, j + 1)}"
                (x0, y0), (x1, y1) = pos[l - 1][i], pos[l][j]
                gap_edges.append(_Edge((x0 + R, y0), (x1 - R, y1), value(wid, net["weights"][l - 1][j][i]), wid))
        # steep edges first: they have the least room away from the crowded middle
        gap_edges.sort(key=lambda e: -abs(e.q[1] - e.p[1]))
        edges.extend(gap_edges)
    placed = _place(edges, obstacles)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="network" width="{width:.1f}pt" height="{height:.1f}pt" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="Exam Sans, Exam Math" role="img">',
        '<g stroke="#444" stroke-width="0.8">',
    ]
    for e in edges:
        out.append(f'<line x1="{e.p[0]:.1f}" y1="{e.p[1]:.1f}" x2="{e.q[0]:.1f}" y2="{e.q[1]:.1f}"/>')
    out.append("</g>")
    out.append('<g fill="#fff" stroke="#111" stroke-width="1.1">')
    for col in pos:
        for x, y in col:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{R}"/>')
    out.append("</g>")
    for l, col in enumerate(pos):
        for j, (x, y) in enumerate(col):
            out.append(_name_svg(neuron_name(lt, l, j + 1), x, y, NODE_FONT))
    for e, b in placed:
        out.append(
            f'<rect x="{b.x0:.1f}" y="{b.y0:.1f}" width="{b.x1 - b.x0:.1f}" height="{b.y1 - b.y0:.1f}" '
            f'fill="#fff" stroke="#bbb" stroke-width="0.4" rx="1.5"/>'
        )
        out.append(
            f'<text x="{(b.x0 + b.x1) / 2:.1f}" y="{(b.y0 + b.y1) / 2 + EDGE_FONT * 0.36:.1f}" '
            f'font-size="{EDGE_FONT}" text-anchor="middle">{escape(e.text)}</text>'
        )
    out.extend(texts)
    out.extend(captions)
    out.append("</svg>")
    return "\n".join(out)


def label_boxes(problem: dict[str, Any]) -> Sequence[Box]:
    """The weight-label boxes as placed (for tests: none may overlap)."""
    svg = network_svg(problem)
    import re

    boxes = []
    for m in re.finditer(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg):
        x, y, w, h = map(float, m.groups())
        boxes.append(Box(x, y, x + w, y + h))
    return boxes
