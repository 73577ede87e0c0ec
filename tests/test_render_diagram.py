"""The network diagram, checked geometrically from the SVG it draws.

Everything here is recomputed from the markup alone (lines, circles, label rectangles and their
rotation) and from the bundled font files (fontTools): the edge crossings, the text extents and
the distances are not taken from generator/render/diagram.py's placement code.
"""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest

from generator.network import Network
from generator.pack import build_pack
from generator.records import WorkedProblem
from generator.render.diagram import network_svg
from generator.solve import problem_record, solve
from generator.spec import load_builtin, load_spec_file, presets
from generator.worked import worked_of

SVG = "{http://www.w3.org/2000/svg}"
FONTS = Path(__file__).resolve().parent.parent / "templates" / "fonts"
Point = tuple[float, float]
NODE_CLEARANCE = 3.0  # pt between every weight or bias label and every node circle


@cache
def _font(name: str) -> tuple[dict[int, str], object, object, float]:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    f = TTFont(FONTS / name)
    return f.getBestCmap(), f["hmtx"], f["glyf"], float(f["head"].unitsPerEm)


def glyph(ch: str, italic: bool) -> tuple[float, float, float]:
    """(advance, yMin, yMax) of ``ch`` in em, from the first bundled font that has it (the SVG's font stack)."""
    order = ["NotoSans-Italic.ttf" if italic else "NotoSans-Regular.ttf", "NotoSansMinus-Regular.ttf"]
    for name in [*order, "NotoSansMath-Regular.ttf"]:
        cmap, hmtx, glyf, upm = _font(name)
        if ord(ch) in cmap:
            g = cmap[ord(ch)]
            adv = hmtx[g][0]  # type: ignore[index]
            gl = glyf[g]  # type: ignore[index]
            lo, hi = (getattr(gl, "yMin", 0), getattr(gl, "yMax", 0)) if gl.numberOfContours else (0, 0)
            return adv / upm, lo / upm, hi / upm
    raise AssertionError(f"no bundled font draws {ch!r}")


def text_extent(text: ET.Element) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) of the ink of an SVG <text> with tspans (font-size, font-style, dy)."""
    size0 = float(text.get("font-size", "10"))
    x, base = float(text.get("x", "0")), float(text.get("y", "0"))
    runs: list[tuple[str, float, bool, float]] = []
    if text.text:
        runs.append((text.text, size0, False, 0.0))
    dy = 0.0
    for t in text.iter(f"{SVG}tspan"):
        dy += float(t.get("dy", "0"))
        runs.append((t.text or "", float(t.get("font-size", size0)), t.get("font-style") == "italic", dy))
        if t.tail:
            runs.append((t.tail, size0, False, dy))
    width, top, bottom = 0.0, math.inf, -math.inf
    for s, size, italic, shift in runs:
        for ch in s:
            adv, lo, hi = glyph(ch, italic)
            width += adv * size
            if hi > lo:
                top, bottom = min(top, base + shift - hi * size), max(bottom, base + shift - lo * size)
    x0 = x - width / 2 if text.get("text-anchor") == "middle" else x - width if text.get("text-anchor") == "end" else x
    return x0, x0 + width, top, bottom


class Label:
    """A label as drawn: its rectangle (local frame), rotation about (rx, ry), its text and fill."""

    def __init__(self, g: ET.Element) -> None:
        rect, text = g.find(f"{SVG}rect"), g.find(f"{SVG}text")
        assert rect is not None
        assert text is not None
        self.x0, self.y0 = float(rect.get("x", "0")), float(rect.get("y", "0"))
        self.x1, self.y1 = self.x0 + float(rect.get("width", "0")), self.y0 + float(rect.get("height", "0"))
        self.fill = rect.get("fill")
        self.text = text
        self.kind = text.get("class", "")
        self.angle, self.rx, self.ry = 0.0, 0.0, 0.0
        m = re.fullmatch(r"rotate\(([-\d.]+) ([-\d.]+) ([-\d.]+)\)", g.get("transform", "rotate(0 0 0)"))
        assert m, g.get("transform")
        self.angle, self.rx, self.ry = math.radians(float(m[1])), float(m[2]), float(m[3])

    def local(self, p: Point) -> Point:
        """The page point ``p`` in the label's unrotated frame."""
        c, s = math.cos(-self.angle), math.sin(-self.angle)
        dx, dy = p[0] - self.rx, p[1] - self.ry
        return self.rx + c * dx - s * dy, self.ry + s * dx + c * dy

    def corners(self) -> list[Point]:
        c, s = math.cos(self.angle), math.sin(self.angle)
        out = []
        for x, y in ((self.x0, self.y0), (self.x1, self.y0), (self.x1, self.y1), (self.x0, self.y1)):
            dx, dy = x - self.rx, y - self.ry
            out.append((self.rx + c * dx - s * dy, self.ry + s * dx + c * dy))
        return out

    def distance(self, p: Point) -> float:
        """Distance from ``p`` to the rectangle (0 inside)."""
        x, y = self.local(p)
        dx = max(self.x0 - x, 0.0, x - self.x1)
        dy = max(self.y0 - y, 0.0, y - self.y1)
        return math.hypot(dx, dy)

    def name(self) -> str:
        return "".join(self.text.itertext())


def crossings(lines: list[tuple[Point, Point]]) -> list[Point]:
    """Where two edges cross away from their ends (edges meet only at nodes otherwise)."""
    found = []
    for (p1, p2), (p3, p4) in itertools.combinations(lines, 2):
        d = (p2[0] - p1[0]) * (p4[1] - p3[1]) - (p2[1] - p1[1]) * (p4[0] - p3[0])
        if d == 0:
            continue
        t = ((p3[0] - p1[0]) * (p4[1] - p3[1]) - (p3[1] - p1[1]) * (p4[0] - p3[0])) / d
        u = ((p3[0] - p1[0]) * (p2[1] - p1[1]) - (p3[1] - p1[1]) * (p2[0] - p1[0])) / d
        if 0.001 < t < 0.999 and 0.001 < u < 0.999:
            found.append((p1[0] + t * (p2[0] - p1[0]), p1[1] + t * (p2[1] - p1[1])))
    return found


def _separated(a: Label, b: Label) -> bool:
    """Separating-axis test of two rectangles (their own edge directions)."""
    ca, cb = a.corners(), b.corners()
    for poly in (ca, cb):
        for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1], strict=True):
            ax, ay = y0 - y1, x1 - x0
            pa = [x * ax + y * ay for x, y in ca]
            pb = [x * ax + y * ay for x, y in cb]
            if max(pa) <= min(pb) or max(pb) <= min(pa):
                return True
    return False


def check_diagram(svg: str, crossing: bool = True) -> None:
    """Every guarantee of the drawing; ``crossing``: the network is wide enough for edges to cross."""
    root = ET.fromstring(svg)
    lines = [
        ((float(e.get("x1", "0")), float(e.get("y1", "0"))), (float(e.get("x2", "0")), float(e.get("y2", "0"))))
        for e in root.iter(f"{SVG}line")
    ]
    circles = [
        (float(c.get("cx", "0")), float(c.get("cy", "0")), float(c.get("r", "0"))) for c in root.iter(f"{SVG}circle")
    ]
    labels = [Label(g) for g in root.iter(f"{SVG}g") if g.find(f"{SVG}rect") is not None]
    # every weight and bias text is a backed label: nothing of its text is outside its white box
    backed = {id(lb.text) for lb in labels}
    for t in root.iter(f"{SVG}text"):
        if t.get("class") in ("w", "bias"):
            assert id(t) in backed, "".join(t.itertext())
    drawn = re.sub(r"<title>.*?</title>", "", svg, flags=re.S)  # the alternative text names biases in general
    assert any(lb.kind == "bias" for lb in labels) or "bias" not in drawn
    width = float(root.get("viewBox", "0 0 0 0").split()[2])
    for t in root.iter(f"{SVG}text"):  # nothing is cut off at the drawing's edge ("outputs (softmax), target")
        x0, x1, _, _ = text_extent(t)
        assert x0 >= 0, "".join(t.itertext())
        assert x1 <= width, ("".join(t.itertext()), x1, width)
    cross = crossings(lines)
    assert bool(cross) == crossing, "a layered network this size has crossing edges"
    for lb in labels:
        assert lb.fill == "#fff", lb.name()
        x0, x1, y0, y1 = text_extent(lb.text)
        assert lb.x0 <= x0, (lb.name(), lb.x0, x0)
        assert x1 <= lb.x1, (lb.name(), lb.x1, x1)
        assert lb.y0 <= y0, (lb.name(), lb.y0, y0)
        assert y1 <= lb.y1, (lb.name(), lb.y1, y1)
        # no label sits on a crossing: it would hide where the two lines go
        for p in cross:
            assert lb.distance(p) > 1.0, (lb.name(), p)
        # no label touches a node: printed, a label 0.4 mm from a circle reads as touching it; 3 pt is about 1 mm
        for cx, cy, r in circles:
            assert lb.distance((cx, cy)) >= r + NODE_CLEARANCE, (lb.name(), (cx, cy), lb.distance((cx, cy)) - r)
    for a, b in itertools.combinations(labels, 2):
        assert _separated(a, b), (a.name(), b.name())


def largest(seed: int, bias: str = "per_neuron", inputs: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4)) -> WorkedProblem:
    """A 4-4-4-4-3 network (the largest the spec allows) with values of every sign and length."""
    import random

    rnd = random.Random(seed)
    layers = [4, 4, 4, 4, 3]

    def val() -> float:
        return rnd.choice([-1, 1]) * rnd.choice([0.05, 0.1, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85])

    net = Network.from_dict({
        "layers": layers, "activation": "sigmoid", "loss": "half_sse", "bias": bias,
        "learning_rate": 0.5, "inputs": list(inputs), "targets": [0.01, 0.99, 0.5],
        "weights": [[[val() for _ in range(layers[l])] for _ in range(layers[l + 1])] for l in range(4)],
        "biases": [[val() for _ in range(n)] if bias == "per_neuron" else val() for n in layers[1:]],
    })  # fmt: skip
    return problem_record(solve(net, 4), ["all"])


@pytest.mark.parametrize("seed", range(6))
def test_largest_network_labels_are_backed_and_clear_of_crossings_and_nodes(seed: int) -> None:
    check_diagram(network_svg(largest(seed)))


@pytest.mark.parametrize("seed", range(3))
def test_largest_network_with_shared_biases(seed: int) -> None:
    check_diagram(network_svg(largest(seed, "shared")))


@pytest.mark.parametrize("seed", range(3))
def test_largest_network_with_wide_inputs(seed: int) -> None:
    """Negative inputs print wider beside the input nodes and leave narrower gaps between the
    layers: the middle edges of a 4x4 layer then have less clear room before their first crossing."""
    check_diagram(network_svg(largest(seed, inputs=(-0.15, -0.3, -0.45, -0.6))))


def test_a_drawn_4_4_4_4_3_pack(tmp_path: Path) -> None:
    spec = tmp_path / "big.toml"
    spec.write_text('[network]\nlayers = [4, 4, 4, 4, 3]\nactivation = "sigmoid"\nbias = "per_neuron"\n')
    key = build_pack(load_spec_file(spec), pack="big-a4", count=2, seed="bignet-seed-x7")
    for v in key.variants:
        check_diagram(network_svg(worked_of(key, v.problems[0])))


@pytest.mark.parametrize("profile", ["standard", "hard", "deep", "multiclass"])
def test_profiles(profile: str) -> None:
    key = build_pack(load_builtin("profile", profile), pack="d", count=3, seed="4")
    for v in key.variants:
        check_diagram(network_svg(worked_of(key, v.problems[0])))


@pytest.mark.parametrize(("kind", "name"), [("profile", "easy"), *(("preset", p) for p in presets())])
def test_easy_and_presets(kind: str, name: str) -> None:
    """The small networks keep the same guarantees (a 2-1-1 network has no crossing edges)."""
    key = build_pack(load_builtin(kind, name), pack="d", count=3, seed="4")
    for v in key.variants:
        problem = worked_of(key, v.problems[0])
        check_diagram(network_svg(problem), crossing=_crosses(problem))


def _crosses(problem: WorkedProblem) -> bool:
    """Whether two edges of the network cross: two adjacent layers both have two neurons or more."""
    return any(a > 1 and b > 1 for a, b in itertools.pairwise(problem.network.layers))


def test_the_check_sees_a_label_on_a_crossing() -> None:
    """The geometric check itself: a label moved onto a crossing, or onto a node, fails."""
    svg = network_svg(largest(0))
    root = ET.fromstring(svg)
    lines = [
        ((float(e.get("x1", "0")), float(e.get("y1", "0"))), (float(e.get("x2", "0")), float(e.get("y2", "0"))))
        for e in root.iter(f"{SVG}line")
    ]
    x, y = crossings(lines)[0]
    moved = re.sub(r'<g transform="rotate\(([-\d.]+) ([-\d.]+) ([-\d.]+)\)">', "<g>", svg, count=0)
    first = re.search(r'<g><rect x="([-\d.]+)" y="([-\d.]+)"', moved)
    assert first
    moved = moved.replace(first[0], f'<g><rect x="{x - 5:.1f}" y="{y - 4:.1f}"', 1)
    with pytest.raises(AssertionError):
        check_diagram(moved)


def label_gap(a: Label, b: Label) -> float:
    """The distance between two label rectangles (0 if they meet): between convex polygons it is
    reached at a corner of one of them."""
    return min(min(b.distance(c) for c in a.corners()), min(a.distance(c) for c in b.corners()))


@pytest.mark.parametrize("profile", ["standard", "hard", "deep", "multiclass"])
def test_weight_labels_do_not_crowd(profile: str) -> None:
    """The multiclass fan of three edges out of each hidden neuron put its labels 3.8 pt apart,
    read as one cluster; every weight label now keeps 10 pt from every other one."""
    key = build_pack(load_builtin("profile", profile), pack="d", count=6, seed="4")
    for v in key.variants:
        root = ET.fromstring(network_svg(worked_of(key, v.problems[0])))
        weights = [Label(g) for g in root.iter(f"{SVG}g") if g.find(f"{SVG}rect") is not None]
        weights = [lb for lb in weights if lb.kind == "w"]
        gaps = [(label_gap(a, b), a.name(), b.name()) for a, b in itertools.combinations(weights, 2)]
        assert min(gaps) >= (10.0, "", ""), (v.variant, min(gaps))


@pytest.mark.parametrize(("kind", "name", "says"), [
    ("preset", "ref-2-2-1-nobias", ""), ("profile", "standard", "every bias beside its neuron"),
    ("profile", "hard", "shared bias"),
])  # fmt: skip
def test_the_alternative_text_says_where_the_biases_are(kind: str, name: str, says: str) -> None:
    """A screen reader reads the <title>; it told of biases beside their neurons in a network without any."""
    key = build_pack(load_builtin(kind, name), pack="d", count=1, seed="4")
    title = ET.fromstring(network_svg(worked_of(key, key.variants[0].problems[0]))).find(f"{SVG}title")
    assert title is not None
    assert title.text
    assert title.text.startswith("Diagram of the 2-2-")
    assert (says in title.text) if says else ("bias" not in title.text)
