"""Teacher spec files (TOML), built-in profiles and presets.

A spec fixes the structure (sizes, activations, loss, bias convention, asked quantities) and
either fixes every value (a preset, or a network to solve) or gives the grids values are
drawn from. See docs/spec.md for the format.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from .functions import DEFAULT_LEAKY_SLOPE
from .network import ACTIVATIONS, BIASES, LOSSES, Network, SpecError
from .solve import DEFAULT_ASK
from .specschema import check_shape

MAX_GRID = 100_000  # values in one grid: a step of 1e-9 must not fill the memory
VALUE_KEYS = ("inputs", "targets", "weights", "biases", "learning_rate")

DEFAULT_GRIDS: dict[str, dict[str, Any]] = {
    "inputs": {"min": 0.05, "max": 0.95, "step": 0.05},
    "weights": {"min": -0.9, "max": 0.9, "step": 0.05, "exclude": [0]},
    "biases": {"min": 0.1, "max": 0.9, "step": 0.05},
    "targets": {"choices": [0.01, 0.99]},
    "learning_rate": {"choices": [0.1, 0.25, 0.5]},
}


@dataclass(frozen=True)
class Grid:
    """Nice numbers to draw from: every value is an exact short decimal."""

    values: tuple[float, ...]

    @classmethod
    def parse(cls, name: str, raw: Any) -> Grid:
        if isinstance(raw, int | float):
            return cls((float(raw),))
        if not isinstance(raw, dict):
            raise SpecError(f"values.{name} must be a number or a table like {{min=0.1, max=0.9, step=0.1}}")
        if "choices" in raw:
            ch = raw["choices"]
            if not isinstance(ch, list) or not ch or not all(isinstance(c, int | float) for c in ch):
                raise SpecError(f"values.{name}.choices must be a non-empty list of numbers")
            return cls(tuple(float(c) for c in ch))
        try:
            lo, hi, step = (Decimal(str(raw[k])) for k in ("min", "max", "step"))
        except KeyError as e:
            raise SpecError(f"values.{name} needs min, max and step (or choices); {e.args[0]} is missing") from None
        if not (step > 0 and hi >= lo):  # also false for NaN
            raise SpecError(f"values.{name}: need min <= max and step > 0")
        if (hi - lo) / step >= MAX_GRID:
            raise SpecError(f"values.{name}: steps of {step} give over {MAX_GRID:,} values; use a larger step")
        exclude = {Decimal(str(x)) for x in raw.get("exclude", [])}
        vals, v = [], lo
        while v <= hi:
            if v not in exclude:
                vals.append(float(v))
            v += step
        if not vals:
            raise SpecError(f"values.{name} leaves no value to draw from; widen min..max")
        return cls(tuple(vals))


@dataclass
class Spec:
    """Everything a pack is generated from."""

    name: str
    layers: list[list[int]]  # choices; one is drawn per pack
    activation: list[Any]  # choices; each a str or a list per layer
    loss: str
    bias: str
    ask: list[str] = field(default_factory=lambda: list(DEFAULT_ASK))
    decimals: int = 4
    title: str = ""
    description: str = ""
    grids: dict[str, Grid] = field(default_factory=dict)
    fixed: Network | None = None
    leaky_slope: float = DEFAULT_LEAKY_SLOPE  # all values given: every variant is this network
    answer_sheet: list[str] | None = None  # [answer_sheet]: print one; [] every asked answer, else these ids
    decimal_comma: bool = False  # [print] decimal_comma: every printed number 0,5450
    tagged: bool = False  # [print] tagged: tagged PDF/UA-1

    @property
    def is_fixed(self) -> bool:
        return self.fixed is not None


def parse_spec(data: dict[str, Any], name: str) -> Spec:
    shape = check_shape(data, name)  # every key known, every number finite: one-line errors before anything else
    net = data.get("network")
    if not isinstance(net, dict):
        raise SpecError(f"spec {name} has no [network] table; add layers, activation, loss and bias")
    sections = {"network", "values", "questions", "title", "description", "decimals", "answer_sheet", "print"}
    unknown = set(data) - sections
    if unknown:
        raise SpecError(f"spec {name}: unknown section(s) {', '.join(sorted(unknown))}")
    if "layers" not in net:
        raise SpecError(f"spec {name}: [network] needs layers, e.g. layers = [2, 2, 1]")
    layers = net["layers"]
    choices = layers if layers and isinstance(layers[0], list) else [layers]
    if not all(isinstance(c, list) and all(isinstance(n, int) for n in c) for c in choices):
        raise SpecError(f"spec {name}: layers must be a list of sizes like [2, 2, 1] (or a list of such lists)")
    act = net.get("activation", "sigmoid")
    act_choices = act.get("choices") if isinstance(act, dict) else [act]
    if not isinstance(act_choices, list):
        raise SpecError(f"spec {name}: activation.choices must be a list")
    for a in act_choices:
        for one in [a] if isinstance(a, str) else a:
            if one not in ACTIVATIONS:
                raise SpecError(f"spec {name}: unknown activation {one!r}; use {', '.join(ACTIVATIONS)}")
    loss, bias = net.get("loss", "half_sse"), net.get("bias", "none")
    if loss not in LOSSES:
        raise SpecError(f"spec {name}: unknown loss {loss!r}; use one of {', '.join(LOSSES)}")
    if bias not in BIASES:
        raise SpecError(f"spec {name}: unknown bias {bias!r}; use one of {', '.join(BIASES)}")
    q = data.get("questions", {})
    ask = q.get("ask", list(DEFAULT_ASK))
    if isinstance(ask, str):
        ask = [ask]
    decimals = int(data.get("decimals", q.get("decimals", 4)))
    if not 1 <= decimals <= 8:
        raise SpecError(f"spec {name}: decimals must be 1 to 8")
    slope = net.get("leaky_slope", DEFAULT_LEAKY_SLOPE)
    if isinstance(slope, bool) or not isinstance(slope, int | float) or not 0 < slope < 1:
        raise SpecError(f"spec {name}: leaky_slope must be a number between 0 and 1, e.g. 0.01")
    spec = Spec(
        name=name, layers=choices, activation=act_choices, loss=loss, bias=bias, ask=list(ask),
        decimals=decimals, title=str(data.get("title", "")), description=str(data.get("description", "")),
        leaky_slope=float(slope),
    )  # fmt: skip
    sheet = data.get("answer_sheet")
    if sheet is not None:
        ids = sheet.get("ids", []) if isinstance(sheet, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise SpecError(f'spec {name}: [answer_sheet] takes ids = ["z_h1", ...] (or no ids: every answer)')
        spec.answer_sheet = list(ids)
    if shape.print is not None:  # [print]: how the PDFs print
        spec.decimal_comma, spec.tagged = shape.print.decimal_comma, shape.print.tagged
    given = [k for k in VALUE_KEYS if k in net]
    if given and len(given) < len(VALUE_KEYS) - (1 if bias == "none" else 0):
        missing = [k for k in VALUE_KEYS if k not in net and not (k == "biases" and bias == "none")]
        raise SpecError(f"spec {name}: a fixed network needs all values; missing {', '.join(missing)}")
    if given:
        if len(choices) > 1 or len(act_choices) > 1:
            raise SpecError(f"spec {name}: a fixed network cannot have layer or activation choices")
        spec.fixed = Network.from_dict({**net, "layers": choices[0], "activation": act_choices[0]})
    values = data.get("values", {})
    unknown_v = set(values) - set(VALUE_KEYS)
    if unknown_v:
        raise SpecError(
            f"spec {name}: unknown [values] key(s) {', '.join(sorted(unknown_v))}; use {', '.join(VALUE_KEYS)}"
        )
    spec.grids = {k: Grid.parse(k, values.get(k, DEFAULT_GRIDS[k])) for k in VALUE_KEYS}
    return spec


def validate_name(pack: str) -> None:
    """Pack names become file and folder names (generator/naming.py)."""
    from .naming import check_pack_name

    check_pack_name(pack)


def load_spec_file(path: str | Path) -> Spec:
    p = Path(path)
    if not p.is_file():
        raise SpecError(f"spec file {p} not found; give a TOML spec, a preset name or --profile")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"spec file {p} is not valid TOML: {e}") from None
    return parse_spec(data, p.stem)


def _builtin(folder: str) -> dict[str, dict[str, Any]]:
    out = {}
    for f in sorted(resources.files("generator").joinpath("specs", folder).iterdir(), key=lambda x: x.name):
        if f.name.endswith(".toml"):
            out[f.name[:-5]] = tomllib.loads(f.read_text(encoding="utf-8"))
    return out


def presets() -> dict[str, dict[str, Any]]:
    return _builtin("presets")


def profiles() -> dict[str, dict[str, Any]]:
    return _builtin("profiles")


def load_builtin(kind: str, name: str) -> Spec:
    table = presets() if kind == "preset" else profiles()
    if name not in table:
        raise SpecError(f"unknown {kind} {name!r}; choose one of: {', '.join(table)}")
    return parse_spec(table[name], name)


def resolve(spec_or_preset: str) -> Spec:
    """A path to a TOML spec, or the name of a preset or profile."""
    if spec_or_preset in presets():
        return load_builtin("preset", spec_or_preset)
    if spec_or_preset in profiles():
        return load_builtin("profile", spec_or_preset)
    if spec_or_preset.endswith(".toml") and not Path(spec_or_preset).is_file():
        raise SpecError(
            f"spec file {spec_or_preset} not found; check the path, or give a preset or profile name "
            "(see 'backprop-exam presets')"
        )
    if spec_or_preset.endswith(".toml") or Path(spec_or_preset).exists():
        return load_spec_file(spec_or_preset)
    raise SpecError(
        f"{spec_or_preset!r} is neither a spec file nor a preset/profile; see 'backprop-exam presets' for the names"
    )
