"""Rendering speed and memory: students per second for 1, 50 and 300 students, 1 vs 2 workers.

    python benchmarks/bench_render.py            # everything (about 4 minutes on 2 cores)
    python benchmarks/bench_render.py --quick    # skip the 300-student class pack

Prints one line per measurement and PASS/FAIL lines for the targets of the rendering issue:
a 300-student pack (worksheets, print file, answer key, JSON) in at most 45 s wall with the
whole process tree under 400 MB, and `generate --count 1` under 2 s from a cold start.
Memory is the largest sum of PSS (proportional set size: shared pages split between the
processes that share them) over the process and all its descendants (the forkserver and
the render workers), sampled every 50 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_CLASS_S, TARGET_MB, TARGET_COLD_S, TARGET_STUDENTS = 45.0, 400.0, 2.0, 300


def tree_memory_mb(pid: int) -> float:
    """Memory of pid and all its descendants in MB (Linux /proc): the sum of PSS, which splits
    shared pages between the processes sharing them, or of RSS where PSS is not available."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        total += _kb(f"/proc/{p}/smaps_rollup", "Pss:") or _kb(f"/proc/{p}/status", "VmRSS:")
    return total / 1024


def _kb(path: str, field: str) -> int:
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakMemory:
    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid or os.getpid()
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_memory_mb(self.pid))
            self._stop.wait(0.05)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def render(n: int, jobs: int, profile: str) -> tuple[float, float]:
    """Seconds and peak MB to render a pack of n students (key already solved)."""
    from generator.pack import build_pack
    from generator.render import render_pack
    from generator.spec import load_builtin

    key = build_pack(load_builtin("profile", profile), pack="bench", count=n, seed="bench", course="NN 101")
    dest = Path(tempfile.mkdtemp(prefix="bench-render-"))
    try:
        with PeakMemory() as mem:
            t0 = time.perf_counter()
            render_pack(key, dest, jobs=jobs)
            dt = time.perf_counter() - t0
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    return dt, mem.peak


def class_pack(n: int, profile: str) -> tuple[float, float]:
    """`generate --count n` (solve, validate, render, merge, JSON; all cores) in a fresh process,
    as a teacher runs it; returns its wall time and the peak memory of its process tree."""
    exe = shutil.which("backprop-exam")
    cmd = [exe] if exe else [sys.executable, "-m", "generator"]
    work = Path(tempfile.mkdtemp(prefix="bench-class-"))
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [*cmd, "generate", "--count", str(n), "--profile", profile, "--pack", "class", "--seed", "bench",
             "--duplex", "--force"],
            cwd=work, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        with PeakMemory(proc.pid) as mem:
            proc.wait()
        dt = time.perf_counter() - t0
        if proc.returncode:
            raise SystemExit(f"generate failed with exit code {proc.returncode}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dt, mem.peak


def cold_start(runs: int = 3) -> float:
    """Median wall time of `backprop-exam generate --count 1` in a fresh process."""
    exe = shutil.which("backprop-exam")
    cmd = [exe] if exe else [sys.executable, "-m", "generator"]
    times = []
    work = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(
                [*cmd, "generate", "--count", "1", "--pack", "x", "--force"],
                cwd=work, check=True, capture_output=True,
            )  # fmt: skip
            times.append(time.perf_counter() - t0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return statistics.median(times)


def document_costs(profile: str, n: int = 20) -> tuple[float, float, int, int]:
    """CPU seconds of one worksheet and of one answer key, rendered in this process after a
    warm-up (median of n variants), and their page counts."""
    from generator.pack import build_pack
    from generator.render import render_key, render_worksheet
    from generator.spec import load_builtin

    key = build_pack(load_builtin("profile", profile), pack="cost", count=n + 1, seed="cost", course="NN 101")
    first = key.variants[0]
    render_worksheet(key, first, "a4")
    render_key(key, first, "a4")
    ws_t, key_t = [], []
    ws_pages = key_pages = 0
    for v in key.variants[1:]:
        t0 = time.process_time()
        _, ws_pages = render_worksheet(key, v, "a4")
        t1 = time.process_time()
        _, key_pages = render_key(key, v, "a4")
        ws_t.append(t1 - t0)
        key_t.append(time.process_time() - t1)
    return statistics.median(ws_t), statistics.median(key_t), ws_pages, key_pages


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip the 300-student class pack")
    ap.add_argument("--profile", default="standard", help="profile to render [standard]")
    args = ap.parse_args()

    from generator.render.batch import default_jobs
    from generator.render.pdf import harfbuzz_subset_available

    cores = default_jobs()
    print(f"cores: {cores}; libharfbuzz-subset: {'yes' if harfbuzz_subset_available() else 'NO (1.5x slower)'}")
    print(f"profile: {args.profile}\n")
    print(f"{'students':>8} {'workers':>7} {'seconds':>8} {'students/s':>10} {'s/student':>9} {'peak MB':>8}")
    results: dict[tuple[int, int], float] = {}
    for n in (1, 50):
        for jobs in (1, 2):
            if n == 1 and jobs == 2:
                continue  # one student always renders in-process
            dt, mb = render(n, jobs, args.profile)
            results[(n, jobs)] = dt
            print(f"{n:>8} {jobs:>7} {dt:>8.2f} {n / dt:>10.2f} {dt / n:>9.3f} {mb:>8.0f}")
    print(f"\nratio 1 worker / 2 workers (50 students): {results[(50, 1)] / results[(50, 2)]:.2f}x")

    ws, ak, ws_pages, key_pages = document_costs(args.profile)
    print("\nCPU per document (one process, warm, median of 20):")
    print(f"  worksheet   {ws:.3f} s for {ws_pages} pages ({ws / ws_pages:.3f} s per page)")
    print(f"  answer key  {ak:.3f} s for {key_pages} pages ({ak / key_pages:.3f} s per page)")
    both, sheets = TARGET_STUDENTS * (ws + ak) / cores, TARGET_STUDENTS * ws / cores
    print(f"  lower bound for {TARGET_STUDENTS} students on {cores} cores, rendering alone: "
          f"{both:.1f} s (worksheets only: {sheets:.1f} s)")  # fmt: skip

    cold = cold_start()
    print(f"\ngenerate --count 1 from a cold start: {cold:.2f} s (median of 3)")
    print(f"{verdict(cold < TARGET_COLD_S)}  cold start < {TARGET_COLD_S:.0f} s")

    if not args.quick:
        n = TARGET_STUDENTS
        dt, mb = class_pack(n, args.profile)
        print(f"\n{n}-student class pack (solve, worksheets, print file, answer key, JSON; {cores} workers):")
        print(f"{n:>8} {cores:>7} {dt:>8.2f} {n / dt:>10.2f} {dt / n:>9.3f} {mb:>8.0f}")
        print(f"{verdict(dt <= TARGET_CLASS_S)}  {n} students in <= {TARGET_CLASS_S:.0f} s wall ({dt:.1f} s)")
        print(f"{verdict(mb < TARGET_MB)}  peak memory of the process tree < {TARGET_MB:.0f} MB ({mb:.0f} MB)")


if __name__ == "__main__":
    main()
