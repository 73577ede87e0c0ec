"""The network as an inline SVG: labelled nodes, every weight on its edge, biases, given values.

Lengths are PostScript points (the SVG's user unit is 1 pt), so font sizes match the page.
Weight labels are placed greedily: each label goes to the point along its own edge that
overlaps no other label, node or text and crosses the fewest other edges, preferring a spot
about a third of the way from its source node (staggered by target), where it is clearly
attached to its own line rather than beside a crossing; a spot within CROWD_GAP of another label
costs more, so that the labels of a fan of edges do not read as one cluster. Every label keeps
NODE_GAP from every node circle: printed, a label closer than about 1 mm reads as touching the node.
An edge left without a clear spot may move a short chain of labels, or choose first in another
pass, before the layout is tried taller or with smaller dense labels.
The given-values table on the worksheet backs the diagram up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from itertools import pairwise

import msgspec

from ..functions import activation
from ..graph import weight_id
from ..network import bias_name, neuron_name
from ..numbers import fmt_given, minus
from ..records import GivenValue, NetworkRecord, WorkedProblem

MAX_WIDTH = 500.0  # fits the text column of A4 (504 pt) and letter with 16 mm margins
R = 12.5  # node radius
EDGE_FONT, EDGE_PAD_X, EDGE_PAD_Y = 7.5, 2.4, 2.2  # a weight label and the white box around its text
# Between two wide layers (3x3 edges and more) the labels are turned along their edges, set a little
# smaller and boxed tighter: 16 labels share the room that the crossings and the nodes leave (the
# middle horizontal edge of a 4x4 layer has (gap - 2R)/3 - CROSSING_MARGIN - NODE_GAP, about 20 pt, clear
# before its first crossing; "−0.65" takes 21.5 pt at 7.5 pt in the wide box, 19.0 pt here).
# The box clears the ink by about 0.6 pt at the ends and 1.2 pt above and below (digits are 0.71 em
# tall): a taller box gains nothing on the page and takes room the steep edges' labels need.
# Where even that does not fit (wide given values beside the inputs leave narrower gaps between
# the layers), the layout is tried again at DENSE_FONT_SMALL before it grows taller than STRETCH_KEEP.
DENSE_FONT, DENSE_FONT_SMALL, DENSE_PAD_X, DENSE_PAD_Y = 7.0, 6.5, 1.2, 0.4
DENSE_EDGES = 9  # a layer is dense from 3x3 edges on
CROSSING_MARGIN = 1.2  # no edge crossing within this distance of a label's box
NODE_GAP = 3.2  # nor a node's circle: printed, less reads as touching it (3 pt and a rounding margin)
# Preferred spots of the labels of one source's edges, as fractions of the way from the source,
# staggered by target: a fan of 3 or more edges spreads wider (0.24 to 0.60), 2 edges 0.24 to 0.40
# (further out they would meet the crossing of a 2x2 layer in its middle).
PREF_FIRST, PREF_SPREAD, PREF_SPREAD_TWO = 0.24, 0.36, 0.16
CROWD_GAP = 12.0  # weight labels keep this far from other labels and texts where their edges leave room
REORDERS = 4  # greedy passes, each putting the edges the last one left without a clear spot first
MOVES = 2  # how long a chain of labels one edge may move to make room for its own
CROWD_COST = 30.0  # what a spot that close costs (a spot half the edge from where it is preferred: 12.5)
NODE_FONT = 10.5
TEXT_FONT = 8.0

_ALT = (
    "Diagram of the {layers} network: every neuron as a circle, every weight written on its edge{biases}. "
    "The same values are listed under Given values."
)

_ALT_BIASES = {
    "per_neuron": ", every bias beside its neuron",
    "shared": ", each layer's shared bias above it",
    "none": "",
}

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
        reach = math.hypot(self.hw, self.hh) + math.hypot(o.hw, o.hh) + gap
        if abs(self.cx - o.cx) > reach or abs(self.cy - o.cy) > reach:
            return False
        if not self.angle and not o.angle:
            return abs(self.cx - o.cx) < self.hw + o.hw + gap and abs(self.cy - o.cy) < self.hh + o.hh + gap
        a, b = self.grown(gap / 2).corners(), o.grown(gap / 2).corners()
        for ax, ay in (*self.axes(), *o.axes()):
            pa = [x * ax + y * ay for x, y in a]
            pb = [x * ax + y * ay for x, y in b]
            if max(pa) <= min(pb) or max(pb) <= min(pa):
                return False
        return True

    def distance(self, p: tuple[float, float]) -> float:
        """How far the point ``p`` is from the rectangle (0 inside)."""
        (ux, uy), (vx, vy) = self.axes()
        dx, dy = p[0] - self.cx, p[1] - self.cy
        a, b = abs(dx * ux + dy * uy) - self.hw, abs(dx * vx + dy * vy) - self.hh
        return math.hypot(max(a, 0.0), max(b, 0.0))

    def hit_by(self, p: tuple[float, float], q: tuple[float, float]) -> bool:
        """Does segment pq pass through the rectangle? (Liang-Barsky in the rectangle's frame.)"""
        reach = self.hw + self.hh
        if min(p[0], q[0]) > self.cx + reach or max(p[0], q[0]) < self.cx - reach:
            return False
        if min(p[1], q[1]) > self.cy + reach or max(p[1], q[1]) < self.cy - reach:
            return False
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


# Spots along an edge (fractions of the way from its source) tried for its weight label; the
# fine steps only where the coarse ones leave an edge no clear spot (near a node, between crossings).
_FRACTIONS = tuple(sorted((0.04 + 0.02 * i for i in range(47)), key=lambda t: abs(t - 0.5)))
_FINE = tuple(sorted((0.05 + 0.02 * i for i in range(46)), key=lambda t: abs(t - 0.5)))


@dataclass
class _Edge:
    p: tuple[float, float]
    q: tuple[float, float]
    text: str
    key: str
    rotate: bool = False  # turned along the edge, small and tightly boxed (a dense layer)
    pref: float = 1 / 3  # preferred spot, as a fraction of the way from the source node
    font: float = EDGE_FONT


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


def _crossings(edges: list[_Edge]) -> list[tuple[float, float]]:
    """Every point where two edges cross."""
    return [c for i, e in enumerate(edges) for o in edges[i + 1 :] if (c := _crossing(e, o)) is not None]


def _covers(r: Rect, points: list[tuple[float, float]], margin: float = CROSSING_MARGIN) -> int:
    """How many of ``points`` lie inside ``r`` grown by ``margin``."""
    (ux, uy), (vx, vy) = r.axes()
    n = 0
    for px, py in points:
        dx, dy = px - r.cx, py - r.cy
        if abs(dx * ux + dy * uy) <= r.hw + margin and abs(dx * vx + dy * vy) <= r.hh + margin:
            n += 1
    return n


def _touches(r: Rect, nodes: list[tuple[float, float]]) -> int:
    """How many node circles ``r`` touches (or comes within NODE_GAP of)."""
    return sum(1 for x, y in nodes if abs(x - r.cx) < R + r.hw + r.hh + NODE_GAP and r.distance((x, y)) < R + NODE_GAP)


def _half_sizes(e: _Edge) -> tuple[float, float]:
    """Half width and half height of the white box of ``e``'s label."""
    pad_x, pad_y = (DENSE_PAD_X, DENSE_PAD_Y) if e.rotate else (EDGE_PAD_X, EDGE_PAD_Y)
    return (text_width(e.text, e.font) + pad_x) / 2, (e.font + pad_y) / 2


def _place(
    edges: list[_Edge], obstacles: list[Rect], crossings: list[tuple[float, float]], nodes: list[tuple[float, float]]
) -> tuple[list[tuple[_Edge, Rect]], int]:
    """Each label takes a spot on its own edge (see the module docstring).

    First every edge's candidate spots: those that cover no crossing, touch no node and no fixed
    label, each with its cost (edges under it, distance from crossings and from the preferred
    spot). Then the edges with the fewest candidates choose first, each its cheapest spot clear
    of the labels placed so far (_assign); an edge left without one may move a short chain of
    labels in its way. The edges still left without a clear spot choose first in another pass.
    Only when every pass fails does a label clash (the caller then tries a taller layout or
    smaller dense labels): the count returned is of the labels left without a clear spot.
    """
    crossings_of = {id(e): [c for o in edges if o is not e and (c := _crossing(e, o)) is not None] for e in edges}
    options: dict[int, list[tuple[float, Rect]]] = {}
    fallback: dict[int, tuple[float, Rect]] = {}
    for e in edges:
        hw, hh = _half_sizes(e)
        radius = math.hypot(hw, hh)
        angle = math.atan2(e.q[1] - e.p[1], e.q[0] - e.p[0]) if e.rotate else 0.0
        x_lo, x_hi = min(e.p[0], e.q[0]) - radius - 3, max(e.p[0], e.q[0]) + radius + 3
        near_edges = [o for o in edges if o is not e and o.p[0] <= x_hi and o.q[0] >= x_lo]
        near_fixed = [o for o in obstacles if x_lo - o.hw - o.hh <= o.cx <= x_hi + o.hw + o.hh]
        near_cross = [c for c in crossings if x_lo <= c[0] <= x_hi]
        spots: list[tuple[float, Rect]] = []
        for t in _FRACTIONS + _FINE:
            if t == _FINE[0] and spots:
                break
            cx, cy = e.p[0] + t * (e.q[0] - e.p[0]), e.p[1] + t * (e.q[1] - e.p[1])
            r = Rect(cx, cy, hw, hh, angle)
            # a label on a crossing hides where the two lines go: as bad as a clash
            bad = _touches(r, nodes) + _covers(r, near_cross) + sum(1 for o in near_fixed if r.overlaps(o))
            if bad:
                cost = 1000.0 * bad + 25.0 * abs(t - e.pref)
                if id(e) not in fallback or cost < fallback[id(e)][0]:
                    fallback[id(e)] = (cost, r)
                continue
            halo = r.grown(2.0)
            through = sum(1 for o in near_edges if halo.hit_by(o.p, o.q))
            near = sum(max(0.0, 26.0 - math.hypot(cx - px, cy - py)) for px, py in crossings_of[id(e)])
            spots.append((6.0 * through + 0.4 * near + 25.0 * abs(t - e.pref), r))
        spots.sort(key=lambda s: s[0])
        options[id(e)] = spots

    order = sorted(edges, key=lambda e: len(options[id(e)]))
    for _ in range(REORDERS):
        chosen, stuck = _assign(order, options, obstacles)
        if not stuck:
            break
        # the edges left without a clear spot choose first next time ("squeaky wheel")
        first = {id(e) for e in stuck}
        order = stuck + [e for e in order if id(e) not in first]
    for e in stuck:  # nothing clear: the least bad spot, and the caller tries a taller layout
        others = [o for k, o in chosen.items() if k != id(e)]
        cands = [(1000.0 * sum(1 for o in others if r.overlaps(o)) + c, r) for c, r in options[id(e)]]
        chosen[id(e)] = min([*cands, *([fallback[id(e)]] if id(e) in fallback else [])], key=lambda s: s[0])[1]
    return [(e, chosen[id(e)]) for e in edges], len(stuck)


def _assign(
    order: list[_Edge], options: dict[int, list[tuple[float, Rect]]], obstacles: list[Rect]
) -> tuple[dict[int, Rect], list[_Edge]]:
    """One greedy pass in ``order``: each edge its cheapest clear spot (a spot crowding other labels
    costs more); an edge left without one makes room by moving the labels in its way (_make_room).
    Returns the spots and the edges that found none (they hold their cheapest spot for now)."""
    chosen: dict[int, Rect] = {}
    stuck: list[_Edge] = []

    def free(r: Rect) -> bool:
        return not any(r.overlaps(o) for o in chosen.values())

    def crowded(r: Rect) -> int:
        """How many placed labels and fixed texts (biases, values) come within CROWD_GAP of ``r``:
        labels that clear each other by less read as one cluster (the fan of three edges out of a
        multiclass hidden neuron, under its bias)."""
        near = sum(1 for o in chosen.values() if r.overlaps(o, gap=CROWD_GAP))
        return near + sum(1 for o in obstacles if r.overlaps(o, gap=CROWD_GAP))

    for e in order:
        spot, best = None, math.inf
        for cost, r in options[id(e)]:  # cheapest first: stop once no later spot can do better
            if cost >= best:
                break
            if free(r):
                total = cost + CROWD_COST * crowded(r)
                if total < best:
                    spot, best = r, total
        if spot is None:
            spot = _make_room(id(e), options, chosen, free, MOVES)
        if spot is None:
            stuck.append(e)
            if not options[id(e)]:
                continue
            spot = options[id(e)][0][1]
        chosen[id(e)] = spot
    return chosen, stuck


def _make_room(
    k: int,
    options: dict[int, list[tuple[float, Rect]]],
    chosen: dict[int, Rect],
    free: Callable[[Rect], bool],
    depth: int,
    held: frozenset[int] = frozenset(),
) -> Rect | None:
    """A spot of edge ``k`` that one placed label blocks, after moving that label to another of its
    spots, which may in turn move one more label (up to ``depth`` moves in a chain). ``chosen`` is
    updated with the moves; the spot returned is not yet in it."""
    for _, r in options[k]:
        blockers = [b for b, o in chosen.items() if r.overlaps(o)]
        if len(blockers) != 1 or blockers[0] in held:
            continue
        b = blockers[0]
        old = chosen.pop(b)
        chosen[k] = r  # held while the blocker looks for room, so that no move takes it back
        for _, alt in options.get(b, []):
            if alt is not old and free(alt):
                chosen[b] = alt
                del chosen[k]
                return r
        if depth > 1:
            moved = _make_room(b, options, chosen, free, depth - 1, held | {k})
            if moved is not None:
                chosen[b] = moved
                del chosen[k]
                return r
        del chosen[k]
        chosen[b] = old
    return None


def _backed(r: Rect, text: str) -> str:
    """A label: its text on a white box (rotated with the label)."""
    rot = f' transform="rotate({math.degrees(r.angle):.1f} {r.cx:.1f} {r.cy:.1f})"' if r.angle else ""
    return (
        f"<g{rot}>"
        f'<rect x="{r.cx - r.hw:.1f}" y="{r.cy - r.hh:.1f}" width="{2 * r.hw:.1f}" height="{2 * r.hh:.1f}" '
        f'fill="#fff" stroke="#bbb" stroke-width="0.4" rx="1.5"/>{text}</g>'
    )


# Where a bias label may go, nearest its neuron first: (dx, gap above/below the circle).
_BIAS_SPOTS = sorted(
    ((dx, k) for dx in range(-18, 19, 3) for k in (NODE_GAP, 4.5, 6.5)), key=lambda s: abs(s[0]) * 0.3 + s[1]
)


def _bias_spot(
    x: float,
    y: float,
    w: float,
    obstacles: list[Rect],
    nodes: list[tuple[float, float]],
    edges: list[_Edge],
    crossings: list[tuple[float, float]],
) -> tuple[Rect, bool]:
    """The box of a neuron's bias label: above the circle (else below), covering no crossing,
    touching no node or other label, over as few edges as it can. Returns the box and whether
    it is clear."""
    hw, hh = (w + 3.0) / 2, 5.5
    best: tuple[float, Rect] | None = None
    for side in (-1, 1):
        for dx, k in _BIAS_SPOTS:
            cy = y + side * (R + k + hh)
            r = Rect(x + dx, cy, hw, hh)
            bad = _covers(r, crossings) + _touches(r, nodes) + sum(1 for o in obstacles if r.overlaps(o, gap=1.0))
            if bad and best is not None and best[0] < 1000.0:
                continue
            through = sum(1 for e in edges if r.hit_by(e.p, e.q))
            cost = 1000.0 * bad + 4.0 * through + 0.3 * abs(dx) + k + (6.0 if side > 0 else 0.0)
            if best is None or cost < best[0]:
                best = (cost, r)
            if not bad and not through:
                break  # the spots come nearest first: no later one on this side is better
    assert best is not None
    return best[1], best[0] < 1000.0


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


# The layouts tried, (dense labels' font, stretch), until one leaves every label clear: taller, and
# only up to STRETCH_KEEP (the worksheet keeps the diagram and the given values on page 1) before
# the dense labels get smaller; beyond it as a last resort. More height cannot help every label:
# the crossings of a layer sit at the same fractions of its edges whatever the stretch, so a
# horizontal edge's clear stretch before its first crossing is set by the width between the layers.
STRETCH_KEEP = 1.25
_ATTEMPTS = (
    *((DENSE_FONT, s) for s in (1.0, 1.12, STRETCH_KEEP)),
    *((DENSE_FONT_SMALL, s) for s in (1.0, 1.12, STRETCH_KEEP)),
    *((f, s) for s in (1.4, 1.55) for f in (DENSE_FONT, DENSE_FONT_SMALL)),
)


def _layout(net: NetworkRecord, given_values: list[GivenValue]) -> tuple[str, list[tuple[_Edge, Rect]]]:
    """Lay the network out; if some labels are not clear, try again taller or with smaller dense
    labels (see _ATTEMPTS). Should none be clear, the one with the fewest such labels (the first of
    those: the shortest)."""
    best: tuple[int, str, list[tuple[_Edge, Rect]]] | None = None
    dense = any(a * b >= DENSE_EDGES for a, b in pairwise(net.layers))
    for font, stretch in _ATTEMPTS:
        if font != DENSE_FONT and not dense:
            continue
        svg, placed, defects = _layout_once(net, given_values, stretch, font)
        if best is None or defects < best[0]:
            best = (defects, svg, placed)
        if not defects:
            break
    assert best is not None
    return best[1], best[2]


def _layout_once(
    net: NetworkRecord, given_values: list[GivenValue], stretch: float, dense_font: float = DENSE_FONT
) -> tuple[str, list[tuple[_Edge, Rect]], int]:
    """One layout; also how many labels are not clear (on a crossing, a node or another label)."""
    layers: list[int] = list(net.layers)
    given = {g.id: g.value for g in given_values}
    lt = tuple(layers)
    n_cols = len(layers)
    n_max = max(layers)

    def value(gid: str, fallback: float) -> str:
        return minus(given.get(gid, fmt_given(fallback)))

    in_labels = [f"= {value(f'x{i + 1}', net.inputs[i])}" for i in range(layers[0])]
    out_labels = [f"= {value(f'y{k + 1}', net.targets[k])}" for k in range(layers[-1])]
    left = max(text_width(s, TEXT_FONT) for s in in_labels) + 18 + R
    right = max(text_width(s, TEXT_FONT) for s in out_labels) + 18 + R
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
    nodes = [xy for col in pos for xy in col]

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
    edges: list[_Edge] = []
    for l in range(1, n_cols):
        gap_edges = []
        # between two wide layers horizontal labels pile up; turned along their edge they stay attached
        dense = layers[l - 1] * layers[l] >= DENSE_EDGES
        for j in range(layers[l]):
            for i in range(layers[l - 1]):
                wid = weight_id(lt, l, j + 1, i + 1)
                (x0, y0), (x1, y1) = pos[l - 1][i], pos[l][j]
                text = value(wid, net.weights[l - 1][j][i])
                # about a third of the way from the source, staggered by target so that the labels
                # of one source's edges sit at different distances from it
                spread = PREF_SPREAD if layers[l] > 2 else PREF_SPREAD_TWO
                pref = PREF_FIRST + spread * j / (layers[l] - 1) if layers[l] > 1 else 1 / 3
                gap_edges.append(_Edge((x0 + R, y0), (x1 - R, y1), text, wid, rotate=dense, pref=pref,
                                       font=dense_font if dense else EDGE_FONT))  # fmt: skip
        # steep edges first: they have the least room away from the crowded middle
        gap_edges.sort(key=lambda e: -abs(e.q[1] - e.p[1]))
        edges.extend(gap_edges)
    crossings = _crossings(edges)

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
        w = text_width(cap, TEXT_FONT)
        x = min(max(x, w / 2 + 1), width - w / 2 - 1)  # a long caption stays inside the drawing, not cut off
        obstacles.append(Rect.box(x - w / 2, height - 6 - TEXT_FONT, x + w / 2, height - 4))
        captions.append(
            f'<text x="{x:.1f}" y="{height - 6:.1f}" font-size="{TEXT_FONT}" text-anchor="middle" '
            f'class="caption">{escape(cap)}</text>'
        )

    # biases beside each neuron (per neuron) or above the layer (shared), on a white backing,
    # where they cover no edge crossing and touch no node
    biases: list[str] = []
    defects = 0

    def bias_label(x: float, y: float, sub: str, rest: str) -> None:
        """b with subscript ``sub``, then ``rest`` (' = 0.35'), placed beside (x, y) on a white backing."""
        nonlocal defects
        w = text_width("b", TEXT_FONT) + text_width(sub, TEXT_FONT * 0.7) + text_width(rest, TEXT_FONT)
        r, ok = _bias_spot(x, y, w, obstacles, nodes, edges, crossings)
        defects += not ok
        obstacles.append(r)
        biases.append(
            _backed(
                r,
                f'<text x="{r.cx - w / 2:.1f}" y="{r.cy + 2.9:.1f}" font-size="{TEXT_FONT}" class="bias">'
                f'<tspan font-style="italic">b</tspan>'
                f'<tspan font-size="{TEXT_FONT * 0.7:.2f}" dy="1.8">{escape(sub)}</tspan>'
                f'<tspan dy="-1.8">{escape(rest)}</tspan></text>',
            )
        )

    for l in range(1, n_cols):
        col = pos[l]
        if net.bias == "per_neuron":
            for j, (x, y) in enumerate(col):
                # the neuron's own bias symbol, b with subscript h1 (h1,2 in deep nets)
                bias_label(x, y, neuron_name(lt, l, j + 1).replace("_", ","),
                           " = " + value(bias_name(lt, l, j + 1), net.biases[l - 1][j]))  # fmt: skip
        elif net.bias == "shared":
            x, y = col[0]
            bias_label(x, y, str(l), f" = {value(bias_name(lt, l, None), net.biases[l - 1][0])} (shared)")

    placed, unclear = _place(edges, obstacles, crossings, nodes)
    defects += unclear

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="network" width="{width:.1f}pt" height="{height:.1f}pt" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="Exam Sans, Exam Minus, Exam Math" role="img">',
        # the figure's alternative text in a tagged PDF (WeasyPrint reads an SVG's <title>); a
        # screen reader reads it instead of the labels in drawing order
        f"<title>{_ALT.format(layers='-'.join(map(str, layers)), biases=_ALT_BIASES[net.bias])}</title>",
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
        out.append(
            _backed(
                r,
                f'<text x="{r.cx:.1f}" y="{r.cy + e.font * 0.36:.1f}" font-size="{e.font}" '
                f'text-anchor="middle" class="w">{escape(e.text)}</text>',
            )
        )
        defects += _covers(r, crossings) > 0
    out.extend(biases)
    out.extend(texts)
    out.extend(captions)
    out.append("</svg>")
    defects += sum(1 for i, (_, a) in enumerate(placed) for _, b in placed[i + 1 :] if a.overlaps(b, gap=0))
    return "\n".join(out), placed, defects


def weight_labels(problem: WorkedProblem) -> list[tuple[str, Rect]]:
    """(weight id, label rectangle) as placed in the diagram; for tests."""
    return [(e.key, r) for e, r in _layout(problem.network, problem.given)[1]]
