"""The shape of a spec file, checked before anything is drawn: every key known, every number finite.

msgspec Structs mirror the TOML tables (``forbid_unknown_fields``), so a typo anywhere
(``activaton``, ``bais``, ``learning_rat``, ``asked``) is an error naming the key and the
closest valid one, instead of a silently different exam. Numbers are finite and within
``LIMIT`` (``max = inf``, ``nan``, ``choices = [1e308]`` are refused), steps are positive.
The meaning (which activations exist, which sizes make a network) stays in ``spec`` and
``network``; this module only knows the shape.

To add a spec key: add a field to the Struct of its table (and use it in ``spec.parse_spec``).
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Annotated, Any

import msgspec

from .network import SpecError

LIMIT = 1000.0  # exam numbers are small; this keeps 1e308 and friends out of the arithmetic
Number = Annotated[float, msgspec.Meta(ge=-LIMIT, le=LIMIT)]
Step = Annotated[float, msgspec.Meta(gt=0, le=LIMIT)]
Size = Annotated[int, msgspec.Meta(ge=1, le=64)]
Decimals = Annotated[int, msgspec.Meta(ge=1, le=8)]


class Table(msgspec.Struct, forbid_unknown_fields=True):
    """A TOML table: unknown keys are errors."""


class GridTable(Table):
    min: Number | None = None
    max: Number | None = None
    step: Step | None = None
    exclude: list[Number] = []
    choices: list[Number] | None = None


class ActivationChoices(Table):
    choices: list[str | list[str]]


class NetworkTable(Table):
    layers: list[Size | list[Size]] | None = None
    activation: str | list[str] | ActivationChoices = "sigmoid"
    loss: str = "half_sse"
    bias: str = "none"
    leaky_slope: Annotated[float, msgspec.Meta(gt=0, lt=1)] | None = None  # for leaky_relu (issue 9)
    # A fixed network gives every value here.
    inputs: list[Number] | None = None
    targets: list[Number] | None = None
    weights: list[list[list[Number]]] | None = None
    biases: list[Number | list[Number]] | None = None
    learning_rate: Annotated[float, msgspec.Meta(gt=0, le=LIMIT)] | None = None


Grid = Number | GridTable


class ValuesTable(Table):
    inputs: Grid | None = None
    targets: Grid | None = None
    weights: Grid | None = None
    biases: Grid | None = None
    learning_rate: Grid | None = None


class QuestionsTable(Table):
    ask: str | list[str] | None = None
    decimals: Decimals | None = None


class AnswerSheetTable(Table):
    ids: list[str] = []  # answers on the scannable sheet; empty: every asked answer


class PrintTable(Table):
    decimal_comma: bool = False  # every printed number 0,5450 (generate --decimal-comma)
    tagged: bool = False  # tagged PDF/UA-1 (generate --tagged)


class SpecFile(Table):
    network: NetworkTable | None = None
    values: ValuesTable | None = None
    questions: QuestionsTable | None = None
    title: str = ""
    description: str = ""
    decimals: Decimals | None = None
    answer_sheet: AnswerSheetTable | None = None
    print: PrintTable | None = None


# Where an unknown key was found -> the table whose keys it should have been.
_TABLES: list[tuple[re.Pattern[str], type[Table], str]] = [
    (re.compile(r"\$"), SpecFile, "the top level"),
    (re.compile(r"\$\.network"), NetworkTable, "[network]"),
    (re.compile(r"\$\.answer_sheet"), AnswerSheetTable, "[answer_sheet]"),
    (re.compile(r"\$\.print"), PrintTable, "[print]"),
    (re.compile(r"\$\.network\.activation"), ActivationChoices, "[network] activation"),
    (re.compile(r"\$\.values"), ValuesTable, "[values]"),
    (re.compile(r"\$\.values\.(\w+)"), GridTable, "[values] {name}"),
    (re.compile(r"\$\.questions"), QuestionsTable, "[questions]"),
]
_UNKNOWN = re.compile(r"Object contains unknown field `([^`]*)`(?: - at `([^`]*)`)?$")
_AT = re.compile(r"^(.*) - at `(.*)`$")
_WORDS = {"float": "a number", "int": "a whole number", "str": "text", "array": "a list", "object": "a table"}


def check_shape(data: dict[str, Any], name: str) -> SpecFile:
    """The spec's tables as typed records; ``SpecError`` naming the first problem, in one line."""
    try:
        return msgspec.convert(data, SpecFile)
    except msgspec.ValidationError as e:
        raise SpecError(f"spec {name}: {_explain(str(e), data)}") from None


def _explain(message: str, data: dict[str, Any]) -> str:
    unknown = _UNKNOWN.match(message)
    if unknown:
        key, at = unknown.group(1), unknown.group(2) or "$"
        for pattern, table, where in _TABLES:
            m = pattern.fullmatch(at)
            if m:
                valid = list(table.__struct_fields__)
                close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
                hint = f"did you mean {close[0]!r}?" if close else f"valid keys: {', '.join(valid)}"
                return f"unknown key {key!r} in {where.format(name=m.group(m.lastindex or 0))}; {hint}"
        return f"unknown key {key!r} at {_path(at)}"
    at = _AT.match(message)
    if not at:
        return message
    what, path = at.group(1), at.group(2)
    value = _value_at(data, path)
    if isinstance(value, float) and not math.isfinite(value):
        return f"{_path(path)} = {value}: give a finite number"
    what = re.sub(r"`([^`]*)`", lambda m: _words(m.group(1)), what)
    return f"{_path(path)} = {value!r}: {what[0].lower()}{what[1:]}"


def _words(types: str) -> str:
    """'float | object | null' -> 'a number or a table'."""
    parts = [t.strip() for t in types.split("|") if t.strip() != "null"]
    return " or ".join(_WORDS.get(p, p) for p in parts)


def _path(path: str) -> str:
    return path.removeprefix("$.").removeprefix("$") or "the spec"


def _value_at(data: Any, path: str) -> Any:
    for key, index in re.findall(r"\.(\w+)|\[(\d+)\]", path):
        try:
            data = data[key] if key else data[int(index)]
        except (KeyError, IndexError, TypeError):
            return None
    return data
