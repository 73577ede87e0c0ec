"""The network as an inline SVG: labelled nodes, every weight on its edge, biases, given values.

Lengths are PostScript points (the SVG's user unit is 1 pt), so font sizes match the page.
Weight labels are placed greedily: each label goes to the point along its own edge that
overlaps no other label, node or text and crosses the fewest other edges, preferring a spot
about a third of the way from its source node (staggered by target), where it is clearly
attached to its own line rather than beside a crossing. The given-values table on the worksheet backs the diagram up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import msgspec

from ..functions import activation
from ..graph import weight_id
from ..network import bias_name, neuron_name
from ..numbers import fmt_given, minus
from ..records import GivenValue, NetworkRecord, WorkedProblem

MAX_WIDTH = 480.0  # fits the text column of A4 and letter with 16 mm margins
R = 12.5  # node radius
EDGE_FONT = 7.5
NODE_FONT = 10.5
TEXT_FONT = 8.0

# Advance widths of Noto Sans in em, enough to size label boxes (digits are tabular).
_EM = {".": 0.268, ",": 0.268, "-": 0.322, "−": 0.56, " ": 0.26, "=": 0.572, "+": 0.572}


def text_width(s: str, size: float) -> float:
    return sum(_EM.get(ch, 0.572 if ch.isdigit() else 0.56) for ch in s) * size


@dataclass(frozen=True)
class Rect:
    """A label or obstacle: centre, half sizes and rotation (radians, clockwise on the page)."""

    cx: float
    cy: float
    hw: float
    hh: float
    angle: float = 0.0

    @classmethod
    def box(cls, x0: float, y0: float, x1: float, y1: float) -> Rect:
        return cls((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2)

    def axes(self) -> tuple[tuple[float, float], tuple[float, float]]:
        c, s = math.cos(self.angle), math.sin(self.angle)
        return (c, s), (-s, c)

    def corners(self) -> list[tuple[float, float]]:
        (ux, uy), (vx, vy) = self.axes()
        return [
            (self.cx + a * self.hw * ux + b * self.hh * vx, self.cy + a * self.hw * uy + b * self.hh * vy)
            for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1))
        ]

    def grown(self, d: float) -> Rect:
        return Rect(self.cx, self.cy, self.hw + d, self.hh + d, self.angle)

    def overlaps(self, o: Rect, gap: float = 1.0) -> bool:
        """Separating-axis test on the four edge directions of the two rectangles."""
        a, b = self.grown(gap / 2).corners(), o.grown(gap / 2).corners()
        for ax, ay in (*self.axes(), *o.axes()):
            pa = [x * ax + y * ay for x, y in a]
            pb = [x * ax + y * ay for x, y in b]
            if max(pa) <= min(pb) or max(pb) <= min(pa):
                return False
        return True

    def hit_by(self, p: tuple[float, float], q: tuple[float, float]) -> bool:
        """Does segment pq pass through the rectangle? (Liang-Barsky in the rectangle's frame.)"""
        (ux, uy), (vx, vy) = self.axes()

        def local(pt: tuple[float, float]) -> tuple[float, float]:
            dx, dy = pt[0] - self.cx, pt[1] - self.cy
            return dx * ux + dy * uy, dx * vx + dy * vy

        (px, py), (qx, qy) = local(p), local(q)
        t0, t1 = 0.0, 1.0
        dx, dy = qx - px, qy - py
        for pk, qk in ((-dx, px + self.hw), (dx, self.hw - px), (-dy, py + self.hh), (dy, self.hh - py)):
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


_FRACTIONS = tuple(sorted((0.12 + 0.02 * i for i in range(39)), key=lambda t: abs(t - 0.5)))


@dataclass
class _Edge:
    p: tuple[float, float]
    q: tuple[float, float]
    text: str
    key: str
    rotate: bool = False
    pref: float = 1 / 3  # preferred spot, as a fraction of the way from the source node


def _crossing(a: _Edge, b: _Edge) -> tuple[float, float] | None:
    """Where two edges cross (not at a shared end), or None."""
    (x1, y1), (x2, y2), (x3, y3), (x4, y4) = a.p, a.q, b.p, b.q
    den = (x1 - x2) * (y3 - y4) - (y1 - y2) * (x3 - x4)
    if abs(den) < 1e-9:
        return None
    t = ((x1 - x3) * (y3 - y4) - (y1 - y3) * (x3 - x4)) / den
    u = -((x1 - x2) * (y1 - y3) - (y1 - y2) * (x1 - x3)) / den
    if 0.02 < t < 0.98 and 0.02 < u < 0.98:
        return x1 + t * (x2 - x1), y1 + t * (y2 - y1)
    return None


def _place(edges: list[_Edge], obstacles: list[Rect]) -> list[tuple[_Edge, Rect]]:
    """Greedy: each label takes the cheapest spot on its own edge (see the module docstring)."""
    placed: list[tuple[_Edge, Rect]] = []
    taken = [(o, math.hypot(o.hw, o.hh)) for o in obstacles]
    crossings_of = {id(e): [c for o in edges if o is not e and (c := _crossing(e, o)) is not None] for e in edges}
    for e in edges:
        hw, hh = (text_width(e.text, EDGE_FONT) + 3.0) / 2, (EDGE_FONT + 2.2) / 2
        radius = math.hypot(hw, hh)
        angle = math.atan2(e.q[1] - e.p[1], e.q[0] - e.p[0]) if e.rotate else 0.0
        x_lo, x_hi = min(e.p[0], e.q[0]) - radius - 3, max(e.p[0], e.q[0]) + radius + 3
        near_edges = [o for o in edges if o is not e and o.p[0] <= x_hi and o.q[0] >= x_lo]
        near_taken = [(o, r) for o, r in taken if x_lo - r <= o.cx <= x_hi + r]
        best: tuple[float, Rect] | None = None
        for t in _FRACTIONS:
            cx, cy = e.p[0] + t * (e.q[0] - e.p[0]), e.p[1] + t * (e.q[1] - e.p[1])
            r = Rect(cx, cy, hw, hh, angle)
            clash = sum(
                1
                for o, ro in near_taken
                if abs(o.cx - cx) < radius + ro + 1 and abs(o.cy - cy) < radius + ro + 1 and r.overlaps(o)
            )
            if best is not None and 1000.0 * clash >= best[0]:
                continue
            halo = r.grown(2.0)
            crossings = sum(1 for o in near_edges if halo.hit_by(o.p, o.q))
            # a label right at a crossing could belong to either line: keep clear of crossings
            near = sum(max(0.0, 26.0 - math.hypot(cx - px, cy - py)) for px, py in crossings_of[id(e)])
            cost = 1000.0 * clash + 6.0 * crossings + 0.4 * near + 25.0 * abs(t - e.pref)
            if best is None or cost < best[0]:
                best = (cost, r)
        assert best is not None
        taken.append((best[1], radius))
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


def network_svg(problem: WorkedProblem) -> str:
    """The SVG markup of one problem's network (all text escaped)."""
    return _cached_svg(msgspec.json.encode([problem.network, problem.given]))


@lru_cache(maxsize=8)
def _cached_svg(problem_json: bytes) -> str:
    """The worksheet and the answer key of a variant show the same diagram: lay it out once."""
    network, given = msgspec.json.decode(problem_json, type=tuple[NetworkRecord, list[GivenValue]])
    return _layout(network, given)[0]


def _layout(net: NetworkRecord, given_values: list[GivenValue]) -> tuple[str, list[tuple[_Edge, Rect]]]:
    """Lay the network out; if some weight labels cannot be kept apart, try again taller."""
    for stretch in (1.0, 1.12, 1.25, 1.4):
        svg, placed, clear = _layout_once(net, given_values, stretch)
        if clear:
            break
    return svg, placed


def _layout_once(
    net: NetworkRecord, given_values: list[GivenValue], stretch: float
) -> tuple[str, list[tuple[_Edge, Rect]], bool]:
    layers: list[int] = list(net.layers)
    given = {g.id: g.value for g in given_values}
    lt = tuple(layers)
    n_cols = len(layers)
    n_max = max(layers)

    def value(gid: str, fallback: float) -> str:
        return minus(given.get(gid, fmt_given(fallback)))

    in_labels = [f"= {value(f'x{i + 1}', net.inputs[i])}" for i in range(layers[0])]
    out_labels = [f"= {value(f'y{k + 1}', net.targets[k])}" for k in range(layers[-1])]
    left = max(text_width(s, TEXT_FONT) for s in in_labels) + 22 + R
    right = max(text_width(s, TEXT_FONT) for s in out_labels) + 22 + R
    gap = min(175.0, (MAX_WIDTH - left - right) / (n_cols - 1))
    dy = {1: 56.0, 2: 60.0, 3: 60.0}.get(n_max, 64.0) * stretch
    has_bias = net.bias != "none"
    top = 30.0 if has_bias else 16.0
    height = top + (n_max - 1) * dy + 34.0
    width = left + gap * (n_cols - 1) + right
    mid = top + (n_max - 1) * dy / 2

    pos: list[list[tuple[float, float]]] = []
    for l, n in enumerate(layers):
        x = left + l * gap
        pos.append([(x, mid + (j - (n - 1) / 2) * dy) for j in range(n)])

    obstacles: list[Rect] = []
    for col in pos:
        for x, y in col:
            obstacles.append(Rect.box(x - R, y - R, x + R, y + R))

    texts: list[str] = []
    # inputs and targets beside their nodes
    for i, (x, y) in enumerate(pos[0]):
        s = in_labels[i]
        x_end = x - R - 4
        obstacles.append(Rect.box(x_end - text_width(s, TEXT_FONT) - 14, y - 6, x_end, y + 6))
        texts.append(
            f'<text x="{x_end:.1f}" y="{y + 3:.1f}" font-size="{TEXT_FONT}" text-anchor="end">'
            f'<tspan font-style="italic">x</tspan><tspan font-size="{TEXT_FONT * 0.7:.2f}" dy="1.8">{i + 1}</tspan>'
            f'<tspan dy="-1.8"> {escape(s)}</tspan></text>'
        )
    for k, (x, y) in enumerate(pos[-1]):
        s = out_labels[k]
        x0 = x + R + 4
        obstacles.append(Rect.box(x0, y - 6, x0 + text_width(s, TEXT_FONT) + 14, y + 6))
        texts.append(
            f'<text x="{x0:.1f}" y="{y + 3:.1f}" font-size="{TEXT_FONT}">'
            f'<tspan font-style="italic">y</tspan>'
            f'<tspan font-size="{TEXT_FONT * 0.7:.2f}" dy="1.8">{k + 1}</tspan>'
            f'<tspan dy="-1.8"> {escape(s)}</tspan></text>'
        )
    # biases above each neuron (per neuron) or above the layer (shared)
    for l in range(1, n_cols):
        col = pos[l]
        if net.bias == "per_neuron":
            for j, (x, y) in enumerate(col):
                # the neuron's own bias symbol, b with subscript h1 (h1,2 in deep nets)
                sub = neuron_name(lt, l, j + 1).replace("_", ",")
                s = " = " + value(bias_name(lt, l, j + 1), net.biases[l - 1][j])
                w = text_width("b", TEXT_FONT) + text_width(sub, TEXT_FONT * 0.7) + text_width(s, TEXT_FONT)
                obstacles.append(Rect.box(x - w / 2 - 1, y - R - 13, x + w / 2 + 1, y - R - 2))
                texts.append(
                    f'<text x="{x - w / 2:.1f}" y="{y - R - 4:.1f}" font-size="{TEXT_FONT}" class="bias">'
                    f'<tspan font-style="italic">b</tspan>'
                    f'<tspan font-size="{TEXT_FONT * 0.7:.2f}" dy="1.8">{escape(sub)}</tspan>'
                    f'<tspan dy="-1.8">{escape(s)}</tspan></text>'
                )
        elif net.bias == "shared":
            x, y = col[0]
            b = value(bias_name(lt, l, None), net.biases[l - 1][0])
            s = f"b{l} = {b} (shared)"
            w = text_width(s, TEXT_FONT)
            obstacles.append(Rect.box(x - w / 2 - 1, y - R - 13, x + w / 2 + 1, y - R - 2))
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
            cap = f"outputs ({activation(net.activation[l - 1]).caption}), targets y"
        else:
            hidden = "hidden" if n_cols == 3 else f"hidden {l}"
            cap = f"{hidden} ({activation(net.activation[l - 1]).caption})"
        captions.append(
            f'<text x="{x:.1f}" y="{height - 6:.1f}" font-size="{TEXT_FONT}" text-anchor="middle" '
            f'class="caption">{escape(cap)}</text>'
        )

    edges: list[_Edge] = []
    for l in range(1, n_cols):
        gap_edges = []
        # between two wide layers horizontal labels pile up; turned along their edge they stay attached
        dense = layers[l - 1] * layers[l] >= 9
        for j in range(layers[l]):
            for i in range(layers[l - 1]):
                wid = weight_id(lt, l, j + 1, i + 1)
                (x0, y0), (x1, y1) = pos[l - 1][i], pos[l][j]
                text = value(wid, net.weights[l - 1][j][i])
                # about a third of the way from the source, staggered by target so that the labels
                # of one source's edges sit at different distances from it
                pref = 0.26 + 0.16 * j / (layers[l] - 1) if layers[l] > 1 else 1 / 3
                gap_edges.append(_Edge((x0 + R, y0), (x1 - R, y1), text, wid, rotate=dense, pref=pref))
        # steep edges first: they have the least room away from the crowded middle
        gap_edges.sort(key=lambda e: -abs(e.q[1] - e.p[1]))
        edges.extend(gap_edges)
    placed = _place(edges, obstacles)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="network" width="{width:.1f}pt" height="{height:.1f}pt" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="Exam Sans, Exam Minus, Exam Math" role="img">',
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
    for e, r in placed:
        rot = f' transform="rotate({math.degrees(r.angle):.1f} {r.cx:.1f} {r.cy:.1f})"' if r.angle else ""
        out.append(
            f"<g{rot}>"
            f'<rect x="{r.cx - r.hw:.1f}" y="{r.cy - r.hh:.1f}" width="{2 * r.hw:.1f}" height="{2 * r.hh:.1f}" '
            f'fill="#fff" stroke="#bbb" stroke-width="0.4" rx="1.5"/>'
            f'<text x="{r.cx:.1f}" y="{r.cy + EDGE_FONT * 0.36:.1f}" font-size="{EDGE_FONT}" text-anchor="middle" '
            f'class="w">{escape(e.text)}</text></g>'
        )
    out.extend(texts)
    out.extend(captions)
    out.append("</svg>")
    clear = not any(a.overlaps(b, gap=0) for i, (_, a) in enumerate(placed) for _, b in placed[i + 1 :])
    return "\n".join(out), placed, clear


def weight_labels(problem: WorkedProblem) -> list[tuple[str, Rect]]:
    """(weight id, label rectangle) as placed in the diagram; for tests."""
    return [(e.key, r) for e, r in _layout(problem.network, problem.given)[1]]
