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
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from . import __version__, records
from .network import SpecError
from .randomizer import Rng, draw_structure, draw_variant
from .records import FORMAT, Key, KeyStructure, NetworkRecord, Problem, Source, Tolerance, Variant
from .roster import Student as Student  # re-exported with read_roster below
from .roster import read_roster as read_roster  # moved to roster.py; importers of pack keep working
from .solve import answer_records, asked_ids
from .spec import Spec

SECRET_ENV = "BACKPROP_EXAM_SECRET"
MAX_COUNT = 100_000
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


# A worksheet shows its pack name, student id and variant code; the code is an HMAC of the
# secret, so it lets anyone test guesses of the secret offline. Hence the secret must take at
# least 2^64 guesses: a random one has 256 bits; a passphrase must be estimated at MIN_BITS or
# more and is stretched by scrypt (~0.1 s and 32 MiB per guess) on top. A seed may be short
# (practice packs), with a warning. See docs/answer-key.md, "Threat model".
MIN_BITS = 64
SCRYPT_N, SCRYPT_R = 2**15, 8  # 128 * r * n = 32 MiB of memory per guess


@dataclass(frozen=True)
class PackSecret:
    value: str  # the HMAC key, 64 hex digits
    source: str  # random, passphrase, seed
    warning: str = ""  # said by the CLI when anyone who guesses the seed can rebuild the key


def guess_bits(text: str) -> float:
    """log2 of the guesses a good cracker needs (zxcvbn's estimate; dictionary words, dates,
    keyboard walks and repeats count for little). Long texts are judged by their first 72
    characters (zxcvbn's limit; this only underestimates)."""
    import math

    import zxcvbn

    if not text:
        return 0.0
    return float(zxcvbn.zxcvbn(text[:72])["guesses_log10"]) * math.log2(10)


@cache
def stretch(passphrase: str, salt: str) -> str:
    """scrypt(passphrase): every guess costs an attacker ~0.1 s and 32 MiB."""
    return hashlib.scrypt(
        passphrase.encode("utf-8"), salt=salt.encode("utf-8"), n=SCRYPT_N, r=SCRYPT_R, p=1, maxmem=2**26, dklen=32
    ).hex()


def resolve_secret(secret: str | None, seed: str | None, pack: str = "") -> PackSecret:
    """--secret (a passphrase), then $BACKPROP_EXAM_SECRET, then one derived from --seed, else random.

    A weak passphrase is refused; a weak seed gives a warning (practice packs only).
    """
    given, where = (secret, "--secret") if secret else (os.environ.get(SECRET_ENV), f"${SECRET_ENV}")
    if given:
        bits = guess_bits(given)
        if bits < MIN_BITS:
            raise SpecError(
                f"{where} is too easy to guess (about 2^{bits:.0f} guesses, at least 2^{MIN_BITS} needed): anyone "
                "with one worksheet could rebuild every variant; use 5 or more random words "
                "(e.g. 'orbit-kestrel-maple-fjord-lantern'), or leave it out for a random secret"
            )
        return PackSecret(stretch(given, f"backprop-exam passphrase\x1f{pack}"), "passphrase")
    if seed is not None:
        bits = guess_bits(seed)
        warning = ""
        if bits < MIN_BITS:
            warning = (
                f"Warning: --seed {seed!r} can be guessed (about 2^{bits:.0f} tries): anyone who guesses it can "
                "rebuild every student's variant and answers from one worksheet. Use it for practice packs "
                "only; for an exam leave out --seed (a random secret is kept in the key file) or give --secret "
                "with a long passphrase."
            )
        return PackSecret(stretch(seed, f"backprop-exam seed\x1f{pack}"), "seed", warning)
    return PackSecret(secrets.token_hex(32), "random")


ProgressFn = Callable[[int], None]


def student_record(s: Student) -> records.Student:
    """The key's student: id and name, and the optional roster fields only when given."""
    return records.Student(s.id, s.name, s.email or None, s.username or None, s.section or None)


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
) -> Key:
    """Solve every variant and return the answer key (not yet written).

    ``seed`` and ``secret`` as in resolve_secret; a weak seed's warning is in
    ``resolve_secret(secret, seed, pack).warning`` (cached: calling it again is free).
    """
    if (students is None) == (count is None):
        raise SpecError("give either a roster or a count of variants, not both")
    if count is not None and not 1 <= count <= MAX_COUNT:
        raise SpecError(f"--count must be 1 to {MAX_COUNT:,}")
    d = decimals or spec.decimals
    made = resolve_secret(secret, seed, pack)
    key_secret = made.value
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
        answer_ids = answer_ids or asked_ids(sol.graph, spec.ask)
        problem = Problem(1, NetworkRecord.of(sol.graph.network), answer_records(sol, answer_ids))
        variants.append(Variant(code, None if student is None else student_record(student), [problem]))
        if progress:
            progress(1)
    return Key(
        format=FORMAT,
        pack=pack,
        title=title or spec.title or "Backpropagation practice",
        course=course,
        created=datetime.now(UTC).replace(microsecond=0).isoformat(),
        generator=f"backprop-exam {__version__}",
        decimals=d,
        source=Source(spec.name, spec.is_fixed),
        seed=seed,
        secret=key_secret,
        secret_source=made.source,
        tolerance=Tolerance("interval", TOLERANCE_RULE),
        structure=KeyStructure(
            layers=list(st.layers),
            activation=list(st.activation),
            loss=st.loss,
            bias=st.bias,
            answer_ids=answer_ids or [],
            ask=list(spec.ask),
            leaky_slope=st.leaky_slope if "leaky_relu" in st.activation else None,
        ),
        variants=variants,
    )
