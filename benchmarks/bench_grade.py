"""Grading speed: 10,000 CSV submissions of a 2-2-2 problem with every answer asked.

Run: python benchmarks/bench_grade.py [--students 10000]

Builds (once, cached in the temp folder) a 'hard' profile key (2-2-2, sigmoid, shared
biases, all 41 quantities asked) with one variant per student, and a CSV of a realistic
class: most students honest (each rounding habit), some with a wrong early value carried
forward, some with one misconception, some typos, blanks and unreadable entries, decimal
commas and Unicode minus signs. Then runs ``grade --no-pdf`` end to end (loading and
checking the key included) in a fresh process and prints the time of each phase and the
peak memory. Targets for 10,000 students on 2 cores: <= 8 s end to end, <= 800 MB. Feedback
PDFs are excluded (about 0.1 s each per core).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator.answer_key import read_key, write_key
from generator.evaluate import evaluate
from generator.graph import Node, build_graph
from generator.numbers import fmt
from generator.pack import Student, build_pack
from generator.records import Key, Variant
from generator.spec import load_builtin

sys.path.insert(0, str(Path(__file__).parent))
from measure import measure

TARGET_SECONDS = 8.0
TARGET_MB = 800.0


def cached_key(students: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"backprop-exam-bench-hard-v2-{students}.json"
    if not path.exists():
        t = time.perf_counter()
        roster = [Student(f"s{i:05d}", f"Student {i}") for i in range(students)]
        key = build_pack(load_builtin("profile", "hard"), pack="bench", students=roster, seed="bench")
        write_key(key, path, force=True)
        print(f"built and cached the key in {time.perf_counter() - t:.0f} s: {path}")
    return path


def _sign(node: Node, v: Sequence[Any], M: Any) -> Any:
    return v[1] - v[0] if node.op == "dloss" else None


def _no_dact(node: Node, v: Sequence[Any], M: Any) -> Any:
    return v[0] if node.kind == "delta" and node.op == "mul" else None


def _no_eta(node: Node, v: Sequence[Any], M: Any) -> Any:
    return v[0] - v[2] if node.op == "update" else None


def student_row(variant: Variant, d: int, rng: random.Random) -> dict[str, str]:
    problem = variant.problems[0]
    ids = [a.id for a in problem.answers]
    kind = rng.random()
    g = build_graph(problem.network.network())
    if kind < 0.6:  # honest, one of the rounding habits
        values = evaluate(g, rng.choice(["exact", "quantity", "fine"]), d, backend="float")
    else:
        if kind < 0.75:  # a wrong early value, carried forward
            first = rng.choice(ids[:8])
            wrong = float(evaluate(g, "exact", d, backend="float")[first]) * 1.2 + 0.01
            values = evaluate(g, "quantity", d, fixed={first: wrong}, backend="float")
        elif kind < 0.9:  # one misconception
            values = evaluate(g, "quantity", d, override=rng.choice([_sign, _no_dact, _no_eta]), backend="float")
        else:
            values = evaluate(g, "quantity", d, backend="float")
    row = {i: fmt(values[i], d) for i in ids}
    if kind >= 0.9:  # slips: swapped digits, a blank, an unreadable entry
        for i in rng.sample(ids, 3):
            s = row[i]
            row[i] = rng.choice([s[:-2] + s[-1] + s[-2], "", "see back", s.replace(".", ",")])
    if rng.random() < 0.1:
        row = {i: s.replace("-", "−") for i, s in row.items()}
    sid, name = (variant.student.id, variant.student.name) if variant.student else ("", "")
    return {"variant": variant.variant, "student_id": sid, "name": name, **row}


def write_class(key: Key, path: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    ids = key.structure.answer_ids
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["variant", "student_id", "name", *ids])
        w.writeheader()
        for v in key.variants:
            w.writerow(student_row(v, key.decimals, rng))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=10000)
    args = ap.parse_args()
    key_path = cached_key(args.students)
    csv_path = key_path.with_suffix(".class.csv")
    if not csv_path.exists():
        write_class(read_key(key_path), csv_path)
    work = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    m = measure(f"""
        from generator.grading import grade_files
        run = grade_files({str(key_path)!r}, [{str(csv_path)!r}], {str(work / "out")!r}, pdf=False)
        extra.update(run.seconds)
        extra["graded"] = len(run.grading.graded)
        extra["totals"] = run.grading.verdict_totals()
    """)
    s = m.extra
    totals: dict[str, int] = s["totals"]  # type: ignore[assignment]
    print(f"{s['graded']} submissions, {sum(totals.values())} answers: "
          + ", ".join(f"{n} {v}" for v, n in totals.items()))  # fmt: skip
    print(f"{'phase':<44}{'seconds':>9}")
    print(f"{'load + check the key (read_key)':<44}{s['key']:>9.2f}")
    print(f"{'read CSV + mark (ecf, diagnosis)':<44}{s['grading']:>9.2f}")
    print(f"{'write gradebook.csv + answers.csv':<44}{s['writing']:>9.2f}")
    ok = m.seconds <= TARGET_SECONDS
    print(f"{'end to end (grade --no-pdf, fresh process)':<44}{m.seconds:>9.2f}   "
          f"{'PASS' if ok else 'FAIL'} (target <= {TARGET_SECONDS:.0f} s, imports included)")  # fmt: skip
    peak = m.total_peak_mb
    print(
        f"{'peak memory (MB)':<44}{peak:>9.0f}   {'PASS' if peak <= TARGET_MB else 'FAIL'} "
        f"(target <= {TARGET_MB:.0f} MB)"
    )
    print(f"key: {key_path} ({key_path.stat().st_size / 2**20:.1f} MB); output: {work / 'out'}")


if __name__ == "__main__":
    main()
