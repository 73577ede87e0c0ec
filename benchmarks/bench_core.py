"""Answer-key speed, the 10,000-student pack, and the rounding figures behind the intervals.

Run: python benchmarks/bench_core.py [--students 300] [--class-size 10000] [--skip-class]

Prints, per profile: students/s and s/student of solving + checking + encoding a key; then
``generate --no-pdf`` of a hard-profile pack for a roster of --class-size students, run as
the CLI in a fresh process: wall time, peak memory and the key's size against the targets
(<= 20 s, <= 600 MB, <= 60 MB for 10,000 students on 2 cores); then, over every asked answer
of the first variants: how far a student who rounds every value (quantity) or every partial
result (fine) lands from the exact value, and how wide the accepted interval is, in units of
the last decimal.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from generator.answer_key import check, encode
from generator.evaluate import evaluate
from generator.graph import build_graph
from generator.pack import build_pack
from generator.spec import load_builtin, profiles
from generator.worked import worked_of

sys.path.insert(0, str(Path(__file__).parent))
from measure import measure

CLASS_TARGETS = {"seconds": 20.0, "peak_mb": 600.0, "key_mb": 60.0}


def class_pack(students: int) -> None:
    """``generate --roster <students> --profile hard --no-pdf`` in a fresh process, against the targets."""
    work = Path(tempfile.mkdtemp(prefix="bench-class-"))
    roster = work / "class.csv"
    roster.write_text("student_id,name\n" + "".join(f"s{i:06d},Student {i}\n" for i in range(students)), "utf-8")
    m = measure(f"""
        from click.testing import CliRunner
        from generator.cli import cli
        res = CliRunner().invoke(cli, ["generate", "--roster", {str(roster)!r}, "--profile", "hard",
                                       "--pack", "bench", "--keys", {str(work)!r}, "--no-pdf", "--force"])
        assert res.exit_code == 0, res.output
        extra["output"] = res.output
    """)
    key_mb = (work / "bench.json").stat().st_size / 2**20
    peak = m.total_peak_mb
    print(f"\ngenerate --roster ({students:,} students) --profile hard --no-pdf, in a fresh process:")
    rows = [
        (
            "wall time",
            f"{m.seconds:.1f} s",
            m.seconds <= CLASS_TARGETS["seconds"],
            f"<= {CLASS_TARGETS['seconds']:.0f} s",
        ),
        ("peak memory", f"{peak:.0f} MB", peak <= CLASS_TARGETS["peak_mb"], f"<= {CLASS_TARGETS['peak_mb']:.0f} MB"),
        ("key file", f"{key_mb:.1f} MB", key_mb <= CLASS_TARGETS["key_mb"], f"<= {CLASS_TARGETS['key_mb']:.0f} MB"),
    ]
    for what, value, ok, target in rows:
        print(f"  {what:<13}{value:>10}   {'PASS' if ok else 'FAIL'} ({target})")
    print(f"  (parent peak {m.peak_mb:.0f} MB, worker peak {m.workers_peak_mb:.0f} MB x {m.extra.get('workers', 0)})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=300)
    ap.add_argument("--class-size", type=int, default=10_000)
    ap.add_argument("--skip-class", action="store_true")
    args = ap.parse_args()
    n = args.students
    print(f"{'profile':<10}{'students':>9}{'seconds':>9}{'students/s':>12}{'s/student':>11}{'target':>10}")
    keys = {}
    for prof in profiles():
        t = time.perf_counter()
        key = build_pack(load_builtin("profile", prof), pack="bench", count=n, seed="bench")
        check(key)
        encode(key)
        dt = time.perf_counter() - t
        keys[prof] = key
        ok = "PASS" if dt <= 5 else "FAIL"
        print(f"{prof:<10}{n:>9}{dt:>9.2f}{n / dt:>12.0f}{dt / n:>11.4f}{ok + ' <=5s':>10}")
    if not args.skip_class:
        class_pack(args.class_size)
    print()
    print("Rounding, in units of the last kept decimal, over the asked answers of 100 variants per profile:")
    print(f"{'kind':<8}{'answers':>9}{'max|quantity-exact|':>21}{'max|fine-exact|':>17}"
          f"{'half-width mean':>17}{'max':>7}{'hand != key':>13}")  # fmt: skip
    stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0, 0])
    outside = 0
    for key in keys.values():
        d = key.decimals
        u = 10.0**-d
        for v in key.variants[:100]:
            p = worked_of(key, v.problems[0])
            g = build_graph(p.network.network())
            ex = evaluate(g, "exact", d, backend="float")
            q = evaluate(g, "quantity", d, backend="float")
            f = evaluate(g, "fine", d, backend="float")
            for a in p.answers:
                s = stats[a.quantity.kind]
                lo, hi = a.accepted.interval
                s[0] += 1
                s[1] = max(s[1], abs(q[a.id] - ex[a.id]) / u)
                s[2] = max(s[2], abs(f[a.id] - ex[a.id]) / u)
                s[3] += (hi - lo) / 2 / u
                s[4] = max(s[4], (hi - lo) / 2 / u)
                s[5] += a.hand_rounded != a.rounded
                outside += not (lo <= q[a.id] <= hi and lo <= f[a.id] <= hi)
    for kind, s in stats.items():
        print(f"{kind:<8}{s[0]:>9.0f}{s[1]:>21.2f}{s[2]:>17.2f}{s[3] / s[0]:>17.2f}{s[4]:>7.2f}"
              f"{100 * s[5] / s[0]:>12.1f}%")  # fmt: skip
    print(f"hand-rounded values outside their accepted interval: {outside} (must be 0)")


if __name__ == "__main__":
    main()
