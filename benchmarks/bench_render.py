"""Rendering speed and memory, side by side with R/exams in the same run.

    python benchmarks/bench_render.py            # everything (about 15 minutes on 2 cores)
    python benchmarks/bench_render.py --quick    # skip the 300-student class pack
    python benchmarks/bench_render.py --versions 20 --rounds 3   # the side-by-side comparison's size [50, 3]
    python benchmarks/bench_render.py --designs  # only the render designs compared (CPU, one process)

The binding target is a ratio measured in one run, because this machine's speed drifts by
±40 % from hour to hour: per student, our class pack (worksheets, print file, marking key,
JSON; `generate --count N`) costs at most 0.2x the wall time R/exams' exams2pdf spends per
version (one exam PDF + one solution PDF of benchmarks/rexams/backprop.Rmd, the standard
profile's exercise as an R/exams cloze), each the median of ROUNDS alternating runs; by default
the issue's own comparison, 50 students against exams2pdf(n = 50). Beside the ratio: the CPU
our pack spent per student (every process of its tree, read from /proc: the command's own
process, that is solving, JSON and joining the print files, and the render processes) and the
CPU of one worksheet and of one marking-key variant rendered in this process. When R or R/exams
is missing the benchmark says so and prints our figures alone.

Absolute figures: a 300-student pack (wall, peak memory of the whole process tree, target
400 MB), `generate --count 1` from a cold start (target 2 s), and worked solutions for a
class (`key --solutions`: seconds per student and per page). Memory is the largest sum of PSS
(shared pages split between the processes that share them) over the process and all its
descendants (the forkserver and the render workers), sampled every 50 ms. Every figure is
printed with the load average of the machine at that moment ("load 1.2"): on a shared
machine, a figure measured at load 5 is not comparable with one at load 0.5.
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

TARGET_RATIO, TARGET_MB, TARGET_COLD_S, TARGET_STUDENTS = 0.2, 400.0, 2.0, 300
REXAMS_EXERCISE = ROOT / "benchmarks" / "rexams" / "backprop.Rmd"


def tree_memory_mb(pid: int) -> float:
    """Memory of pid and all its descendants in MB (Linux /proc): the sum of PSS, which splits
    shared pages between the processes sharing them, or of RSS where PSS is not available."""
    from generator.processes import memory_mb, process_tree

    return sum(memory_mb(p)[0] for p in process_tree(pid))


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds ``pid`` has used itself (Linux /proc; 0 when it has ended)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class PeakMemory:
    """Samples a process tree every 50 ms: its peak memory, and the CPU each of its processes
    used (the last sample of each: a process's last 50 ms are missed)."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid or os.getpid()
        self.peak = 0.0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from generator.processes import process_tree

        while not self._stop.is_set():
            self.peak = max(self.peak, tree_memory_mb(self.pid))
            for p in process_tree(self.pid):
                self.cpu[p] = max(self.cpu.get(p, 0.0), cpu_seconds(p))
            self._stop.wait(0.05)

    @property
    def cpu_parent(self) -> float:
        return self.cpu.get(self.pid, 0.0)

    @property
    def cpu_total(self) -> float:
        return sum(self.cpu.values())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def class_pack(n: int, profile: str) -> tuple[float, float, float, float]:
    """`generate --count n` (solve, validate, render, merge, JSON; all cores) in a fresh process,
    as a teacher runs it; returns its wall time, the peak memory of its process tree, and the
    CPU seconds of the whole tree and of the command's own process."""
    exe = shutil.which("backprop-exam")
    cmd = [exe] if exe else [sys.executable, "-m", "generator"]
    work = Path(tempfile.mkdtemp(prefix="bench-class-"))
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [*cmd, "generate", "--count", str(n), "--profile", profile, "--pack", "class", "--seed", "bench",
             "--force"],
            cwd=work, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        with PeakMemory(proc.pid) as mem:
            proc.wait()
        dt = time.perf_counter() - t0
        if proc.returncode:
            raise SystemExit(f"generate failed with exit code {proc.returncode}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dt, mem.peak, mem.cpu_total, mem.cpu_parent


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


def rexams_available() -> str:
    """'' when Rscript and the exams package are there, else what is missing."""
    exe = shutil.which("Rscript")
    if exe is None:
        return "Rscript is not installed (Debian: r-base-core)"
    probe = subprocess.run([exe, "-e", "library(exams)"], capture_output=True, text=True)
    if probe.returncode:
        return "the R package exams is not installed (install.packages('exams') or R CMD INSTALL its source)"
    return ""


def rexams_run(n: int) -> float:
    """Wall seconds of exams2pdf for n versions of the exercise: one exam and one solution PDF each."""
    work = Path(tempfile.mkdtemp(prefix="bench-rexams-"))
    try:
        shutil.copy(REXAMS_EXERCISE, work / "backprop.Rmd")
        script = (
            "suppressMessages(library(exams)); set.seed(1); "
            f'exams2pdf("backprop.Rmd", n = {n}, dir = "out", template = c("exam", "solution"), verbose = FALSE)'
        )
        t0 = time.perf_counter()
        subprocess.run(["Rscript", "-e", script], cwd=work, check=True, capture_output=True)
        dt = time.perf_counter() - t0
        made = len(list((work / "out").glob("*.pdf")))
        if made != 2 * n:
            raise SystemExit(f"R/exams wrote {made} PDFs, expected {2 * n}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dt


def side_by_side(n: int, rounds: int, profile: str, parts: tuple[float, float] | None = None) -> None:
    """Alternating runs of `generate --count n` and exams2pdf(n); medians per student / version.

    ``parts``: CPU seconds of one worksheet and one marking-key variant in one process, printed
    beside the CPU our runs spent per student."""
    missing = rexams_available()
    ours: list[float] = []
    cpu: list[tuple[float, float]] = []
    theirs: list[float] = []
    loads = [load()]
    for _ in range(rounds):
        wall, _mb, total, parent = class_pack(n, profile)
        ours.append(wall)
        cpu.append((total, parent))
        loads.append(load())
        if not missing:
            theirs.append(rexams_run(n))
            loads.append(load())
    per_ours = statistics.median(ours) / n
    total = statistics.median(c[0] for c in cpu) / n
    parent = statistics.median(c[1] for c in cpu) / n
    print(f"\nSide by side, {n} students / versions, median of {rounds} alternating runs "
          f"({', '.join(loads)} before and after each run):")  # fmt: skip
    print(f"  backprop-exam generate (worksheet, print file, marking key, JSON): {per_ours:.3f} s per student "
          f"(runs: {', '.join(f'{t:.1f}' for t in ours)} s)")  # fmt: skip
    print(f"    CPU per student, every process of the run: {total:.3f} s = command {parent:.3f} s (solving, JSON, "
          f"print files) + render processes {total - parent:.3f} s")  # fmt: skip
    if parts is not None:
        print(f"    in one process: worksheet {parts[0]:.3f} s, marking key {parts[1]:.3f} s per variant")
    if missing:
        print(f"  R/exams: not measured: {missing}")
        return
    per_theirs = statistics.median(theirs) / n
    ratio = per_ours / per_theirs
    print(f"  R/exams exams2pdf (exam + solution PDF):                        {per_theirs:.3f} s per version "
          f"(runs: {', '.join(f'{t:.1f}' for t in theirs)} s)")  # fmt: skip
    print(f"{verdict(ratio <= TARGET_RATIO)}  ours / R/exams per student = {ratio:.2f} (target <= {TARGET_RATIO})")


def solutions_cost(n: int, profile: str, jobs: int) -> tuple[float, int]:
    """Wall seconds and total pages of the worked solutions of n students (render_keys, all cores)."""
    from pypdf import PdfReader

    from generator.pack import build_pack
    from generator.render import render_keys
    from generator.spec import load_builtin

    key = build_pack(load_builtin("profile", profile), pack="sol", count=n, seed="sol", course="NN 101")
    dest = Path(tempfile.mkdtemp(prefix="bench-solutions-"))
    try:
        t0 = time.perf_counter()
        paths = render_keys(key, dest, marking=False, solutions=True, jobs=jobs)
        dt = time.perf_counter() - t0
        pages = sum(len(PdfReader(p).pages) for p in paths)
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    return dt, pages


def document_costs(profile: str, n: int = 20) -> tuple[float, float, float, int, int, int]:
    """CPU seconds of one worksheet, one worked solution and one marking-key block, rendered in
    this process after a warm-up (median of n variants), and their page counts."""
    from generator.pack import build_pack
    from generator.render import render_key, render_worksheet
    from generator.render.batch import render_marking
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
    t0 = time.process_time()
    _, mark_pages = render_marking(key, [[v] for v in key.variants[1:]], "a4", total=n)
    mark = (time.process_time() - t0) / n
    return statistics.median(ws_t), statistics.median(key_t), mark, ws_pages, key_pages, mark_pages


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def load() -> str:
    """The 1-minute load average, for the figure printed beside it."""
    try:
        return f"load {os.getloadavg()[0]:.1f}"
    except OSError:
        return "load ?"


def designs(profile: str, rounds: int = 6) -> None:
    """CPU seconds of the render designs tried for the worksheet, interleaved, min and median of ``rounds``.

    (b) the question pages after page 1 laid out once and stamped on each student's head
    (render/stamp.py, as shipped) against the whole worksheet laid out per student; (a) several
    students in one WeasyPrint document (CSS, fonts and subsetting shared; the pages would then
    be split per student); (c) cheaper CSS for the answer boxes (flex or float instead of a
    table); and, to show where the time goes, the same worksheet without its answer tables or
    without its diagram.
    """
    import re

    from generator.pack import build_pack
    from generator.render.batch import render_worksheet
    from generator.render.context import worksheet_context
    from generator.render.pdf import engine
    from generator.render.templating import render_template
    from generator.spec import load_builtin

    key = build_pack(load_builtin("profile", profile), pack="d", count=11, seed="designs", course="NN 101")
    render_worksheet(key, key.variants[0], "a4", stamp=False)  # warm-up
    render_worksheet(key, key.variants[0], "a4", stamp=True)  # and the shared question pages laid out
    eng = engine()
    sheets = eng.stylesheets("worksheet", "a4")
    htmls = [render_template("worksheet.html.j2", **worksheet_context(key, v, "a4")) for v in key.variants[1:]]

    def pdf(html: str, css: str = "") -> None:
        extra = [eng.css(f"design:{css}", css)] if css else []
        eng.render(html, stylesheets=sheets + extra, forms=True, xml=True)

    def one_document(hs: list[str]) -> str:
        head, _, _ = hs[0].partition("<body")
        bodies = [re.search(r"<body[^>]*>(.*)</body>", h, re.S).group(1) for h in hs]  # type: ignore[union-attr]
        bodies = [re.sub(r'name="([^"]+)"', rf'name="\1_{i}"', b) for i, b in enumerate(bodies)]  # unique fields
        pages = "".join(f'<div style="break-before: page">{b}</div>' for b in bodies)
        return f'{head}<body class="worksheet">{pages}</body></html>'

    flex = ".box{display:flex} .aid{display:flex; align-items:center; width:auto} input.answer{flex:1; width:auto}"
    flt = (".box{display:block} .aid{display:block; float:left; width:auto; height:7.5mm; line-height:7.5mm} "
           "input.answer{display:block; width:auto; overflow:hidden}")  # fmt: skip
    S, tables = re.S, r"<table class=\"answers\">.*?</table>"
    five = htmls[:5]
    others = key.variants[1:]
    batched = one_document(five)
    cases = {
        "(b) stamped question pages (as shipped)": lambda i: render_worksheet(key, others[i], "a4", stamp=True),
        "worksheet, one document per student": lambda i: render_worksheet(key, others[i], "a4", stamp=False),
        "(a) 5 students per document, per student": lambda i: pdf(batched),
        "(c) answer box as flex, not a table": lambda i: pdf(htmls[i], flex),
        "(c) answer box as float, not a table": lambda i: pdf(htmls[i], flt),
        "where: without the answer tables": lambda i: pdf(re.sub(tables, "", htmls[i], flags=S)),
        "where: without the diagram": lambda i: pdf(re.sub(r"<svg.*?</svg>", "", htmls[i], flags=re.S)),
    }  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in cases}
    for r in range(rounds):
        for name, run in cases.items():
            t0 = time.process_time()
            run(r % len(htmls))
            dt = time.process_time() - t0
            times[name].append(dt / len(five) if name.startswith("(a)") else dt)
    print(f"\nRender designs, worksheet of {profile}, CPU s per student, min / median of {rounds} runs ({load()}):")
    for name, ts in times.items():
        print(f"  {name:<44} {min(ts):.3f} / {statistics.median(ts):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip the 300-student class pack")
    ap.add_argument("--profile", default="standard", help="profile to render [standard]")
    ap.add_argument("--versions", type=int, default=50, help="students / R/exams versions side by side [50]")
    ap.add_argument("--rounds", type=int, default=3, help="alternating runs of each side [3]")
    ap.add_argument("--designs", action="store_true", help="only compare the render designs (CPU, one process)")
    args = ap.parse_args()
    if args.designs:
        designs(args.profile)
        return

    from generator.render.batch import default_jobs
    from generator.render.pdf import harfbuzz_subset_available

    cores = default_jobs()
    print(f"cores: {cores}; libharfbuzz-subset: {'yes' if harfbuzz_subset_available() else 'NO (1.5x slower)'}")
    print(f"profile: {args.profile}; {load()} at the start")

    ws, ak, mark, ws_pages, key_pages, mark_pages = document_costs(args.profile)
    costs_load = load()
    side_by_side(args.versions, args.rounds, args.profile, (ws, mark))

    print(f"\nCPU per document (one process, warm, median of 20; {costs_load}):")
    print(f"  worksheet         {ws:.3f} s for {ws_pages} pages ({ws / ws_pages:.3f} s per page)")
    print(f"  marking key       {mark:.3f} s per variant (20 variants: {mark_pages} pages)")
    print(f"  worked solution   {ak:.3f} s for {key_pages} pages ({ak / key_pages:.3f} s per page)")
    print(f"  lower bound for {TARGET_STUDENTS} students on {cores} cores, rendering the pack alone: "
          f"{TARGET_STUDENTS * (ws + mark) / cores:.1f} s")  # fmt: skip

    n_sol = args.versions
    dt, pages = solutions_cost(n_sol, args.profile, cores)
    print(f"\nworked solutions of {n_sol} students ({cores} workers): {dt:.1f} s, "
          f"{dt / n_sol:.3f} s per student, {dt / pages:.3f} s per page ({pages} pages; {load()})")  # fmt: skip

    cold = cold_start()
    print(f"\ngenerate --count 1 from a cold start: {cold:.2f} s (median of 3; {load()})")
    print(f"{verdict(cold < TARGET_COLD_S)}  cold start < {TARGET_COLD_S:.0f} s")

    if not args.quick:
        n = TARGET_STUDENTS
        dt, mb, cpu_total, cpu_parent = class_pack(n, args.profile)
        print(f"\n{n}-student class pack (solve, worksheets, print file, marking key, JSON; {cores} workers): "
              f"{dt:.1f} s wall, {dt / n:.3f} s per student, {cpu_total / n:.3f} CPU-s per student "
              f"(command {cpu_parent / n:.3f}), peak {mb:.0f} MB ({load()})")  # fmt: skip
        print(f"{verdict(mb < TARGET_MB)}  peak memory of the process tree < {TARGET_MB:.0f} MB ({mb:.0f} MB)")


if __name__ == "__main__":
    main()
