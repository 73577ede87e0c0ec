"""The answer key as typed records: msgspec Structs that mirror docs/answer-key.schema.json.

Decoding a key file and checking every field's type and form is one step (``msgspec.json``
builds these records straight from the bytes); what a schema cannot say (answers that match
``structure.answer_ids``, values inside their intervals, unique codes) is checked in
``answer_key.check``. Version 2 stores only what cannot be recomputed; the worked solution of
a problem (``WorkedProblem``, the version-1 problem record) is derived from its network on
demand by ``worked.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

import msgspec
from msgspec import Meta, Struct, field

from .network import Network

FORMAT: Final = "backprop-exam/answer-key"

Name = Annotated[str, Meta(pattern=r'^[^./\\<>:"|?*\x00-\x1f][^/\\<>:"|?*\x00-\x1f]*$', max_length=100)]
AnswerId = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]+$")]
DecimalString = Annotated[str, Meta(pattern=r"^-?[0-9]+(\.[0-9]+)?$")]
Code = Annotated[str, Meta(pattern=r"^[A-Z0-9-]+$")]
Decimals = Annotated[int, Meta(ge=1, le=8)]
Group = Literal["forward", "loss", "backward", "update"]
Kind = Literal["z", "a", "loss", "dL_da", "dact", "delta", "grad_w", "grad_b", "new_w", "new_b"]
Interval = tuple[float, float]


class NetworkRecord(Struct, frozen=True, omit_defaults=True, gc=False):
    """One problem's network as stored: sizes, conventions and every given value."""

    layers: list[int]
    activation: list[str]
    loss: str
    bias: str
    learning_rate: float
    inputs: list[float]
    targets: list[float]
    weights: list[list[list[float]]]
    biases: list[list[float]]
    leaky_slope: float | None = None  # only with leaky_relu

    @classmethod
    def of(cls, net: Network) -> NetworkRecord:
        return cls(
            layers=list(net.layers), activation=list(net.activation), loss=net.loss, bias=net.bias,
            learning_rate=net.learning_rate, inputs=list(net.inputs), targets=list(net.targets),
            weights=[[list(row) for row in m] for m in net.weights], biases=[list(b) for b in net.biases],
            leaky_slope=net.leaky_slope if "leaky_relu" in net.activation else None,
        )  # fmt: skip

    def network(self) -> Network:
        """The validated Network (SpecError naming the first inconsistency)."""
        extra = {} if self.leaky_slope is None else {"leaky_slope": self.leaky_slope}
        net = Network(
            layers=tuple(self.layers), activation=tuple(self.activation), loss=self.loss, bias=self.bias,
            learning_rate=self.learning_rate, inputs=tuple(self.inputs), targets=tuple(self.targets),
            weights=tuple(tuple(tuple(row) for row in m) for m in self.weights),
            biases=tuple(tuple(b) for b in self.biases), **extra,
        )  # fmt: skip
        net.validate()
        return net


class Answer(Struct, frozen=True, gc=False):
    """An asked quantity's key values: ``accepted`` is the closed interval the grader marks correct."""

    id: AnswerId
    exact: float
    rounded: DecimalString
    accepted: Interval


class Problem(Struct, frozen=True, gc=False):
    number: Annotated[int, Meta(ge=1)]
    network: NetworkRecord
    answers: Annotated[list[Answer], Meta(min_length=1)]


class Student(Struct, frozen=True, gc=False):
    """A roster student; email, username and section only when the roster has them (docs/lms.md)."""

    id: Annotated[str, Meta(min_length=1)]
    name: str = ""
    email: str | None = None
    username: str | None = None
    section: str | None = None


class Variant(Struct, frozen=True, gc=False):
    variant: Code
    student: Student | None
    problems: Annotated[list[Problem], Meta(min_length=1)]


class Source(Struct, frozen=True):
    spec: str = ""
    fixed: bool = False


class Tolerance(Struct, frozen=True):
    rule: str = "interval"
    description: str = ""


class PrintSettings(Struct, frozen=True, omit_defaults=True):
    """How the pack's PDFs were printed; ``key --solutions`` and ``grade`` print the same way.

    Added in the version-2 format without a version bump (readers ignore fields they do not
    know; a key without it prints as before: decimal point, untagged).
    """

    decimal_comma: bool = False  # every printed number 0,5450 (the grader reads both anyway)
    tagged: bool = False  # tagged PDF/UA-1 for screen readers
    paper: Literal["a4", "letter"] = "a4"  # the grader's feedback and report print on it too


class KeyStructure(Struct, frozen=True, omit_defaults=True):
    """What every variant of a pack shares."""

    layers: list[int]
    activation: list[str]
    loss: str
    bias: str
    answer_ids: Annotated[list[AnswerId], Meta(min_length=1)]
    ask: list[str] = field(default_factory=list)
    leaky_slope: float | None = None  # only with leaky_relu


class Key(Struct, frozen=True, kw_only=True, tag_field="version", tag=2):
    """An answer key, format version 2 (the field ``version`` is the tag)."""

    format: Literal["backprop-exam/answer-key"]
    pack: Name
    title: str = ""
    course: str = ""
    created: str = ""
    generator: str = ""
    decimals: Decimals
    source: Source = Source()
    seed: str | None = None
    secret: str | None = None
    secret_source: str = ""  # how the secret was made: random, passphrase (scrypt), seed (scrypt), key
    tolerance: Tolerance = Tolerance()
    printing: PrintSettings = field(default_factory=PrintSettings, name="print")  # how the PDFs print
    structure: KeyStructure
    variants: Annotated[list[Variant], Meta(min_length=1)]

    @property
    def version(self) -> int:
        return 2

    @property
    def answer_ids(self) -> list[str]:
        return self.structure.answer_ids


# ---- the worked solution: the version-1 problem record, derived on demand in version 2 ----


class Quantity(Struct, frozen=True, omit_defaults=True, gc=False):
    kind: Kind
    layer: Annotated[int, Meta(ge=0)] | None = None
    neuron: Annotated[int, Meta(ge=1)] | None = None
    src: Annotated[int, Meta(ge=1)] | None = field(default=None, name="from")


class Accepted(Struct, frozen=True, gc=False):
    first: DecimalString = field(name="from")
    last: DecimalString = field(name="to")
    interval: Interval


class WorkedAnswer(Struct, frozen=True, gc=False):
    id: AnswerId
    label: str
    symbol: str
    group: Group
    quantity: Quantity
    exact: float
    rounded: DecimalString
    hand_rounded: DecimalString
    accepted: Accepted


class StepRecord(Struct, frozen=True, omit_defaults=True, gc=False):
    """A worked step flattened to text (``steps.Step.to_dict``): what version 1 stored."""

    id: AnswerId
    group: Group
    kind: str
    asked: bool
    inputs: list[str]
    formula: str
    substituted: str
    result: DecimalString
    shown: str = ""  # what the rounded numbers on the line give, when that differs from result
    note: str = ""

    @classmethod
    def of(cls, step: Any) -> StepRecord:
        """From a ``steps.Step`` record."""
        return msgspec.convert(step.to_dict(), cls)


class GivenValue(Struct, frozen=True, gc=False):
    id: str
    value: str
    symbol: str = ""
    kind: str = ""


class Update(Struct, frozen=True, gc=False):
    id: str
    param: str
    symbol: str
    old: str
    gradient: str
    step: str
    new: str
    direction: Literal["up", "down", "same"]


class Description(Struct, frozen=True, gc=False):
    architecture: str
    activation: str
    loss: str
    bias: str
    update: str


class WorkedProblem(Struct, frozen=True, gc=False):
    """A problem with its worked solution: what ``solve --json`` prints and version 1 stored."""

    number: Annotated[int, Meta(ge=1)]
    network: NetworkRecord
    description: Description
    given: list[GivenValue]
    answers: Annotated[list[WorkedAnswer], Meta(min_length=1)]
    steps: list[StepRecord]
    updates: list[Update]

    def compact(self) -> Problem:
        """The version-2 problem: what cannot be recomputed."""
        answers = [Answer(a.id, a.exact, a.rounded, a.accepted.interval) for a in self.answers]
        return Problem(self.number, self.network, answers)


# ---- version 1, read and migrated to version 2 ----


class VariantV1(Struct, frozen=True, gc=False):
    variant: Code
    student: Student | None
    problems: Annotated[list[WorkedProblem], Meta(min_length=1)]


class KeyV1(Struct, frozen=True, kw_only=True, tag_field="version", tag=1):
    format: Literal["backprop-exam/answer-key"]
    pack: Name
    title: str = ""
    course: str = ""
    created: str = ""
    generator: str = ""
    decimals: Decimals
    source: Source = Source()
    seed: str | None = None
    secret: Annotated[str, Meta(min_length=16)] | None = None
    tolerance: Tolerance = Tolerance()
    structure: KeyStructure
    variants: Annotated[list[VariantV1], Meta(min_length=1)]

    def migrate(self) -> Key:
        variants = [
            Variant(v.variant, v.student, [p.compact() for p in v.problems]) for v in self.variants
        ]  # fmt: skip
        return Key(
            format=self.format, pack=self.pack, title=self.title, course=self.course, created=self.created,
            generator=self.generator, decimals=self.decimals, source=self.source, seed=self.seed,
            secret=self.secret, secret_source="version 1", tolerance=self.tolerance, structure=self.structure,
            variants=variants,
        )  # fmt: skip


AnyKey = Key | KeyV1
DECODER = msgspec.json.Decoder(AnyKey)
