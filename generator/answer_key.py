"""The answer-key file: the one record the renderer, the grader and outside tools read.

Format ``backprop-exam/answer-key`` version 2 (docs/answer-key.md, docs/answer-key.schema.json);
version-1 keys are read and migrated. Reading decodes and type-checks in one step into the
records of ``records.py``, then ``check`` finds what a hand edit made inconsistent; every
problem is one SpecError line naming what and where, never a KeyError later on.
"""

from __future__ import annotations

import gc
import json
import math
import os
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import msgspec

from .network import SpecError
from .numbers import fmt, unit
from .records import DECODER, FORMAT, Answer, Key, KeyV1, Variant

__all__ = ["FORMAT", "VERSION", "Key", "check", "dumps", "encode", "loads", "read_key", "write_key"]

VERSION = 2
READS = (1, 2)
_BOM = b"\xef\xbb\xbf"
EPS = 1e-9  # intervals and values are floats: allow their last-bit noise
MAX_GIVEN = 1000.0  # no exam network has a given value beyond this; a larger one is an edit gone wrong


def schema_path() -> Path:
    installed = Path(__file__).parent / "_schema" / "answer-key.schema.json"
    return installed if installed.exists() else Path(__file__).parent.parent / "docs" / "answer-key.schema.json"


@cache
def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(schema_path().read_text(encoding="utf-8"))
    return data


def encode(key: Key) -> bytes:
    """The key as JSON: the header indented, then one variant per line (compact and diffable)."""
    head = msgspec.json.format(msgspec.json.encode(msgspec.structs.replace(key, variants=[])), indent=1)
    tail = b'"variants": []\n}'
    if not head.endswith(tail):  # variants is the last field of Key
        raise AssertionError("Key.variants must stay the last field")
    body = b",\n".join(msgspec.json.encode(v) for v in key.variants)
    return head[: -len(tail)] + b'"variants": [\n' + body + b"\n]}\n"


def dumps(key: Key) -> str:
    return encode(key).decode("utf-8")


def atomic_write(path: Path, data: bytes | str, force: bool = False, mode: int = 0o644) -> None:
    """Write via a temporary file and rename, so no half-written file is ever left behind."""
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass --force to replace it or choose another --pack")
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_key(key: Key, path: Path, force: bool = False, data: bytes | None = None) -> None:
    """Check and write; ``data`` is ``encode(key)`` when the caller has it already."""
    check(key)
    atomic_write(path, data or encode(key), force=force, mode=0o600)  # it holds the pack secret


def loads(raw: bytes | str, source: str = "answer key") -> Key:
    """Decode, type-check, migrate (version 1) and check a key; a SpecError names what and where.

    A large key is hundreds of thousands of records: the cyclic GC is paused while they are
    built (it would rescan the growing graph again and again) and the result is frozen, so
    the grader's later collections skip it.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    raw = raw.removeprefix(_BOM)  # Notepad and Excel save UTF-8 with a byte-order mark
    enabled = gc.isenabled()
    gc.disable()
    try:
        decoded = DECODER.decode(raw)
    except msgspec.ValidationError as e:
        raise SpecError(_explain(str(e), source, raw)) from None
    except msgspec.DecodeError as e:
        raise SpecError(f"{source} is not valid JSON ({e}); regenerate it or undo the edit") from None
    finally:
        if enabled:
            gc.enable()
    key = decoded.migrate() if isinstance(decoded, KeyV1) else decoded
    check(key, source)
    gc.freeze()
    return key


def read_key(path: str | Path) -> Key:
    """Load a key file (any version this release reads); every problem is a one-line SpecError."""
    p = Path(path)
    if not p.is_file():
        raise SpecError(f"answer key {p} not found; give the path of answer_keys/<pack>.json")
    return loads(p.read_bytes(), f"answer key {p}")


_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<where>[^`]*)`)?$")


class _Header(msgspec.Struct):
    format: Any = None
    version: Any = None


def _explain(message: str, source: str, raw: bytes) -> str:
    """msgspec's 'Expected `float`, got `str` - at `$.variants[0]...`' as one actionable line."""
    m = _AT.match(message)
    what, where = (m.group("what"), m.group("where") or "") if m else (message, "")
    if where in ("", ".format", ".version"):
        try:
            header = msgspec.json.decode(raw, type=_Header)
        except msgspec.MsgspecError:
            header = _Header()
        if header.format != FORMAT:
            return f"{source} is not a backprop-exam answer key (its 'format' is not {FORMAT!r})"
    if where == ".version" or "missing required field `version`" in what:
        return (
            f"{source}: this backprop-exam reads answer-key versions {', '.join(map(str, READS))}, "
            f"not this one ({what.lower()}); regenerate the key or upgrade backprop-exam"
        )
    if where == "" and what.startswith("Expected `object`"):
        return f"{source} is not a backprop-exam answer key ({what.lower()})"
    what = what.replace("Object missing required field", "missing field")
    return f"{source} is invalid at {where.lstrip('.') or 'the top level'}: {what}; regenerate it or undo the edit"


def check(key: Key, source: str = "answer key") -> None:
    """What a schema cannot say: raise SpecError on the first inconsistency, named with its place."""
    ids = key.structure.answer_ids
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise SpecError(f"{source}: structure.answer_ids lists {dup!r} twice; regenerate the key")
    codes: dict[str, int] = {}
    students: dict[str, int] = {}
    half = unit(key.decimals) / 2
    for n, v in enumerate(key.variants):
        where = f"{source}, variants[{n}] (variant {v.variant})"
        norm = normalize_code(v.variant)
        if norm in codes:
            raise SpecError(
                f"{source}: variant {v.variant} appears twice (variants[{codes[norm]}] and variants[{n}]); "
                "each code must be unique: regenerate the key or remove the copy"
            )
        codes[norm] = n
        if v.student is not None:
            if v.student.id in students:
                raise SpecError(
                    f"{where}: student id {v.student.id!r} already has variants[{students[v.student.id]}]; "
                    "one variant per student: regenerate the key or remove the copy"
                )
            students[v.student.id] = n
        for p in v.problems:
            _check_problem(key, p, f"{where}, problem {p.number}", ids, half)


def _check_problem(key: Key, p: Any, where: str, ids: list[str], half: float) -> None:
    got = [a.id for a in p.answers]
    if got != ids:
        missing = [i for i in ids if i not in got]
        extra = [i for i in got if i not in ids]
        detail = (
            f"missing {', '.join(missing)}" if missing else f"not in structure.answer_ids: {', '.join(extra)}"
            if extra else "the same ids in another order"
        )  # fmt: skip
        raise SpecError(f"{where}: the answers do not match structure.answer_ids ({detail}); regenerate the key")
    net = p.network
    st = key.structure
    if (net.layers, net.activation, net.loss, net.bias) != (st.layers, st.activation, st.loss, st.bias):
        raise SpecError(f"{where}: the network's structure differs from the pack's structure; regenerate the key")
    try:
        net.network()
    except SpecError as e:
        raise SpecError(f"{where}: network: {e}") from None
    values = [net.learning_rate, *net.inputs, *net.targets]
    values += [w for m in net.weights for row in m for w in row] + [b for bs in net.biases for b in bs]
    if not all(math.isfinite(x) and abs(x) <= MAX_GIVEN for x in values):
        bad = next(x for x in values if not (math.isfinite(x) and abs(x) <= MAX_GIVEN))
        raise SpecError(f"{where}: network: the value {bad} is not a number between ±{MAX_GIVEN:g}; regenerate the key")
    for a in p.answers:
        _check_answer(a, where, key.decimals, half)


def _check_answer(a: Answer, where: str, decimals: int, half: float) -> None:
    lo, hi = a.accepted
    if not (math.isfinite(a.exact) and math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        raise SpecError(f"{where}, answer {a.id}: exact {a.exact} or accepted [{lo}, {hi}] is not a finite interval")
    if not lo - EPS <= a.exact <= hi + EPS:
        raise SpecError(f"{where}, answer {a.id}: exact {a.exact} lies outside its accepted interval [{lo}, {hi}]")
    r = float(a.rounded)
    if abs(r - a.exact) > half + EPS or len(a.rounded.partition(".")[2]) != decimals:
        raise SpecError(
            f"{where}, answer {a.id}: rounded {a.rounded} is not exact {a.exact} rounded to {decimals} decimals"
        )
    if not lo - EPS <= r <= hi + EPS:
        raise SpecError(f"{where}, answer {a.id}: rounded {a.rounded} lies outside its accepted interval [{lo}, {hi}]")
    if hi - lo > 1e6 * half:
        raise SpecError(f"{where}, answer {a.id}: accepted interval [{lo}, {hi}] is implausibly wide")


def accepted_range(a: Answer, decimals: int) -> tuple[str, str]:
    """The first and last ``decimals``-place values inside the accepted interval."""
    lo, hi = a.accepted
    u = unit(decimals)
    return fmt(math.ceil(lo / u - 1e-9) * u, decimals), fmt(math.floor(hi / u + 1e-9) * u, decimals)


def variants_by_code(key: Key) -> dict[str, Variant]:
    return {normalize_code(v.variant): v for v in key.variants}


def normalize_code(code: str) -> str:
    """Codes are read case-insensitively and without separators (K7M-2QX == k7m2qx)."""
    return "".join(ch for ch in code.upper() if ch.isalnum())
