"""Answer-key speed and the rounding figures behind the grader's intervals.

Run: python benchmarks/bench_core.py [--students 300]

Prints, per profile: students/s and s/student of solving + validating + serialising a key;
then, over every asked answer of those variants: how far a student who rounds every value
(quantity) or every partial result (fine) lands from the exact value, and how wide the
accepted interval is, in units of the last decimal.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

from generator.answer_key import dumps, validate
from generator.evaluate import evaluate
from generator.graph import build_graph
from generator.network import Network
from generator.pack import build_pack
from generator.spec import load_builtin, profiles


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=300)
    n = ap.parse_args().students
    print(f"{'profile':<10}{'students':>9}{'seconds':>9}{'students/s':>12}{'s/student':>11}{'target':>10}")
    keys = {}
    for prof in profiles():
        t = time.perf_counter()
        key = build_pack(load_builtin("profile", prof), pack="bench", count=n, seed="bench")
        validate(key)
        dumps(key)
        dt = time.perf_counter() - t
        keys[prof] = key
        ok = "PASS" if dt <= 5 else "FAIL"
        print(f"{prof:<10}{n:>9}{dt:>9.2f}{n / dt:>12.0f}{dt / n:>11.4f}{ok + ' <=5s':>10}")
    print()
    print("Rounding, in units of the last kept decimal, over all asked answers:")
    print(f"{'kind':<8}{'answers':>9}{'max|quantity-exact|':>21}{'max|fine-exact|':>17}"
          f"{'half-width mean':>17}{'max':>7}{'hand != key':>13}")  # fmt: skip
    stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0, 0])
    outside = 0
    for key in keys.values():
        d = key["decimals"]
        u = 10.0**-d
        for v in key["variants"]:
            p = v["problems"][0]
            g = build_graph(Network.from_dict(p["network"]))
            ex = evaluate(g, "exact", d, backend="float")
            q = evaluate(g, "quantity", d, backend="float")
            f = evaluate(g, "fine", d, backend="float")
            for a in p["answers"]:
                s = stats[a["quantity"]["kind"]]
                lo, hi = a["accepted"]["interval"]
                s[0] += 1
                s[1] = max(s[1], abs(q[a["id"]] - ex[a["id"]]) / u)
                s[2] = max(s[2], abs(f[a["id"]] - ex[a["id"]]) / u)
                s[3] += (hi - lo) / 2 / u
                s[4] = max(s[4], (hi - lo) / 2 / u)
                s[5] += a["hand_rounded"] != a["rounded"]
                outside += not (lo <= q[a["id"]] <= hi and lo <= f[a["id"]] <= hi)
    for kind, s in stats.items():
        print(f"{kind:<8}{s[0]:>9.0f}{s[1]:>21.2f}{s[2]:>17.2f}{s[3] / s[0]:>17.2f}{s[4]:>7.2f}"
              f"{100 * s[5] / s[0]:>12.1f}%")  # fmt: skip
    print(f"hand-rounded values outside their accepted interval: {outside} (must be 0)")


if __name__ == "__main__":
    main()
