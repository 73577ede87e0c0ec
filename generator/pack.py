"""A class pack: one structure, one variant per student, keyed by a secret.

A variant's seed and its printed code are two different HMAC-SHA256 values of the pack
secret and the student's id, so the code identifies the variant but reveals nothing that
regenerates its numbers without the secret (kept only in the answer-key file).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from . import __version__
from .answer_key import FORMAT, VERSION
from .network import SpecError
from .randomizer import Rng, draw_structure, draw_variant
from .roster import Student as Student  # re-exported with read_roster below
from .roster import read_roster as read_roster  # moved to roster.py; importers of pack keep working
from .solve import asked_ids, problem_record
from .spec import Spec

SECRET_ENV = "BACKPROP_EXAM_SECRET"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
TOLERANCE_RULE = (
    "An answer is correct when it lies in its accepted interval: the range an honest student "
    "can reach from the given values, rounding any intermediate (each value, each product, "
    "e^−z, η × gradient) to the key's decimals or not at all. Intervals are computed by "
    "interval arithmetic over the solution graph, widening each step by half a unit for each "
    "rounding it allows. See docs/grading.md."
)


def _hmac(secret: str, *parts: str) -> bytes:
    msg = "\x1f".join(parts).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), msg, hashlib.sha256).digest()


def variant_seed(secret: str, pack: str, who: str) -> int:
    return int.from_bytes(_hmac(secret, "seed", pack, who)[:16], "big")


def variant_code(secret: str, pack: str, who: str) -> str:
    n = int.from_bytes(_hmac(secret, "code", pack, who)[:8], "big")
    chars = [CODE_ALPHABET[(n >> (5 * i)) & 31] for i in range(6)]
    return "".join(chars[:3]) + "-" + "".join(chars[3:])


def resolve_secret(secret: str | None, seed: str | None) -> str:
    """--secret, then $BACKPROP_EXAM_SECRET, then one derived from --seed, else a fresh random one."""
    if secret:
        return secret
    env = os.environ.get(SECRET_ENV)
    if env:
        return env
    if seed is not None:
        return hashlib.sha256(f"backprop-exam seed {seed}".encode()).hexdigest()
    return secrets.token_hex(16)


ProgressFn = Callable[[int], None]


def build_pack(
    spec: Spec,
    *,
    pack: str,
    students: list[Student] | None = None,
    count: int | None = None,
    seed: str | None = None,
    secret: str | None = None,
    decimals: int | None = None,
    title: str = "",
    course: str = "",
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Solve every variant and return the answer-key record (not yet written)."""
    if (students is None) == (count is None):
        raise SpecError("give either a roster or a count of variants, not both")
    if count is not None and not 1 <= count <= 5000:
        raise SpecError("--count must be 1 to 5000")
    d = decimals or spec.decimals
    key_secret = resolve_secret(secret, seed)
    st = draw_structure(spec, Rng(variant_seed(key_secret, pack, "\x00structure")))
    who_list: list[tuple[str, Student | None]] = (
        [(f"student:{s.id}", s) for s in students] if students is not None
        else [(f"variant:{i}", None) for i in range(1, (count or 0) + 1)]
    )  # fmt: skip
    variants, codes = [], set()
    answer_ids: list[str] | None = None
    for who, student in who_list:
        code = variant_code(key_secret, pack, who)
        if code in codes:  # 2^-30 per pair; redraw deterministically rather than print twins
            code = variant_code(key_secret, pack, who + "\x00again")
        codes.add(code)
        sol = draw_variant(spec, st, variant_seed(key_secret, pack, who), d)
        problem = problem_record(sol, spec.ask)
        answer_ids = answer_ids or asked_ids(sol.graph, spec.ask)
        variants.append({
            "variant": code,
            "student": None if student is None else student.record(),
            "problems": [problem],
        })  # fmt: skip
        if progress:
            progress(1)
    return {
        "format": FORMAT,
        "version": VERSION,
        "pack": pack,
        "title": title or spec.title or "Backpropagation practice",
        "course": course,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "generator": f"backprop-exam {__version__}",
        "decimals": d,
        "source": {"spec": spec.name, "fixed": spec.is_fixed},
        "seed": seed,
        "secret": key_secret,
        "tolerance": {"rule": "interval", "description": TOLERANCE_RULE},
        "structure": {**st.to_dict(), "ask": spec.ask, "answer_ids": answer_ids or []},
        "variants": variants,
    }
