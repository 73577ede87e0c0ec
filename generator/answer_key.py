"""The answer-key JSON: the one record the renderer, the grader and outside tools read.

Format ``backprop-exam/answer-key`` version 1, documented in docs/answer-key.md and checked
against docs/answer-key.schema.json.
"""

from __future__ import annotations

import gc
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from .network import SpecError

FORMAT = "backprop-exam/answer-key"
VERSION = 1


def schema_path() -> Path:
    installed = Path(__file__).parent / "_schema" / "answer-key.schema.json"
    return installed if installed.exists() else Path(__file__).parent.parent / "docs" / "answer-key.schema.json"


@cache
def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(schema_path().read_text(encoding="utf-8"))
    return data


@cache
def _compiled(part: str = "all") -> Any:
    """The compiled schema; ``grading`` checks only what the grader reads (ids, values, networks)."""
    import copy

    import fastjsonschema

    sch = schema()
    if part == "grading":
        sch = copy.deepcopy(sch)
        defs = sch["$defs"]
        for field in ("steps", "updates", "given", "description"):
            defs["problem"]["properties"][field] = {}
        answer = defs["answer"]
        answer["required"] = ["id", "rounded"]
        answer["properties"] = {k: answer["properties"][k] for k in ("id", "rounded")}
    return fastjsonschema.compile(sch)


def validate(key: dict[str, Any], part: str = "all") -> None:
    """Raise SpecError with the first schema violation, named by its JSON path.

    ``part="grading"`` skips the worked-solution text, for reading very large keys fast.
    """
    import fastjsonschema

    if key.get("format") != FORMAT:
        raise SpecError(f"not a backprop-exam answer key (format is {key.get('format')!r})")
    if key.get("version") != VERSION:
        raise SpecError(
            f"answer key version {key.get('version')!r} is not supported by this backprop-exam "
            f"(reads version {VERSION}); regenerate the key or upgrade backprop-exam"
        )
    try:
        _compiled(part)(key)
    except fastjsonschema.JsonSchemaValueException as err:
        where = "/".join(str(p) for p in err.path[1:]) or "(top level)"
        what = err.message.split(" ", 1)[1] if err.message.startswith("data") else err.message
        raise SpecError(f"answer key is invalid at {where}: {what}; regenerate it") from None
    seen: set[str] = set()
    for v in key["variants"]:
        if v["variant"] in seen:
            raise SpecError(f"answer key lists variant {v['variant']} twice")
        seen.add(v["variant"])


def dumps(key: dict[str, Any]) -> str:
    return json.dumps(key, ensure_ascii=False, indent=1) + "\n"


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


def write_key(key: dict[str, Any], path: Path, force: bool = False, text: str | None = None) -> None:
    """Validate and write; ``text`` is ``dumps(key)`` when the caller has it already."""
    validate(key)
    atomic_write(path, text or dumps(key), force=force, mode=0o600)  # it holds the pack secret


def _loads(raw: bytes) -> Any:
    """Parse a key with orjson, the cyclic GC paused and the result frozen.

    A 10,000-variant key is ~3 million containers: with the GC running, parsing takes 10 s
    (the collector rescans the growing graph); paused, 2.7 s. Frozen afterwards, later
    collections (the grader allocates a lot) skip the key instead of rescanning it.
    """
    import orjson

    enabled = gc.isenabled()
    gc.disable()
    try:
        data = orjson.loads(raw)
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return data


def read_key(path: str | Path, part: str = "all") -> dict[str, Any]:
    """Load and validate a key (``part`` as in validate); every problem is a one-line SpecError."""
    p = Path(path)
    if not p.is_file():
        raise SpecError(f"answer key {p} not found; give the path of answer_keys/<pack>.json")
    raw = p.read_bytes()
    try:
        key = _loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise SpecError(f"answer key {p} is not valid JSON ({e}); regenerate it") from None
    if not isinstance(key, dict):
        raise SpecError(f"answer key {p} is not a JSON object; regenerate it")
    validate(key, part)
    return key


def normalize_code(code: str) -> str:
    """Codes are read case-insensitively and without separators (K7M-2QX == k7m2qx)."""
    return "".join(ch for ch in code.upper() if ch.isalnum())
