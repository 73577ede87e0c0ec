"""Scanning: digits read right, flagged and misread without a flag, and pages per second.

Run: python benchmarks/bench_scan.py [--sheets 100] [--jobs 2]

Builds a standard-profile pack (2-2-1, 28 answers of sign, one integer digit and four
decimals: 6 columns each) with ``generate --answer-sheet``, takes each student's sheet page out
of the print file worksheets.pdf where the layout JSON says it is, fills it with that student's
answers from the layout, and scans two sets:

- clean: marks drawn straight, 200 dpi PNG, no distortion. Target: 100 % read right.
- noisy: pen and pencil marks, off-centre and partial ones, erased-pencil traces; 150, 200 and
  300 dpi; skew up to ±3°, ±2 % scale, shift, blur, noise, darker or lighter scanners, JPEG,
  every fourth page upside down; and 0.2 % of columns given a deliberately ambiguous mark (two
  marks, a faint one, an erased and re-marked one), which must be flagged or, where the
  paper still shows one clear mark, read as that mark. Targets: ≥ 99.5 % of the plain marks
  read right, 0 misread without a flag.

A digit is one column of one answer (sign, integer digits, decimals). Each digit is counted
once, on its own: read right, flagged (its column undecided: the teacher decides it from
corrections.csv), misread without a flag, or shown wrong in a decided column of an answer that
is flagged for another column. A flagged answer does not make its other columns count as
flagged. The ordinary marks and the deliberately ambiguous ones are counted on separate lines.
Speed: pages per second over the clean 200-dpi set, with --jobs worker processes (target ≥ 4
on 2 cores). Memory: the peak, over each scan, of the whole process tree at one instant (this
process, the forkserver and every worker: their proportional set sizes summed, so pages shared
between them count once), sampled from /proc every 20 ms (Linux). It must not grow with the
stack: compare ``--sheets 50`` with ``--sheets 200`` (``--sets clean`` skips the noisy set).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from generator.answer_key import read_key
from generator.processes import memory_mb, process_tree
from generator.records import Key
from generator.scan.run import scan_files
from generator.scan.synthetic import Style, digits_for, distort, fill_page, jpeg
from generator.spec import load_builtin
from generator.workflow import PackOptions, generate_pack
from generator.writers import OutputOptions


def sheets(n: int) -> tuple[Key, Path]:
    """A standard pack of ``n`` students printed with ``generate --answer-sheet`` (cached in the temp folder)."""
    d = Path(tempfile.gettempdir()) / f"backprop-exam-bench-scan-{n}"
    options = PackOptions(pack="bench", seed="bench-scan", keys_dir=d, out_dir=d, force=True,
                          output=OutputOptions(answer_sheet=True))  # fmt: skip
    if not (d / "bench" / "answer-sheet-layout.json").exists():
        t = time.perf_counter()
        generate_pack(load_builtin("profile", "standard"), options, count=n)
        print(f"pack with answer sheets for {n} students printed in {time.perf_counter() - t:.1f} s")
    return read_key(d / "bench.json"), d / "bench"


def make_scans(key: Key, d: Path, out: Path, noisy: bool, seed: int) -> dict[str, dict[str, list[int]]]:
    """Each student's sheet page, taken from the print file worksheets.pdf where the layout says, filled."""
    import cv2
    import pypdfium2 as pdfium

    layout = json.loads((d / "answer-sheet-layout.json").read_text())
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(str(d / layout["print_file"]))
    tricky: dict[str, dict[str, list[int]]] = {}
    for i, (v, sheet) in enumerate(zip(key.variants, layout["sheets"], strict=True)):
        dpi = (150, 200, 300)[i % 3] if noisy else 200
        img = np.array(doc[sheet["print_pages"][0] - 1].render(scale=dpi / 72, grayscale=True).to_numpy())
        answers = {a.id: a.rounded for a in v.problems[0].answers}
        style = Style(noisy=noisy, ambiguous=0.002 if noisy else 0.0)
        tricky[v.variant] = fill_page(img, dpi, layout["pages"][0], answers, rng, style)
        img = distort(img, rng, noisy=noisy, flip=noisy and i % 4 == 3)
        if noisy and i % 2:
            img = jpeg(img, int(rng.integers(60, 90)))
            cv2.imwrite(str(out / f"{i:04d}.png"), img)
        else:
            cv2.imwrite(str(out / f"{i:04d}.png"), img)
    doc.close()
    return tricky


def truth_columns(value: str, columns: list[dict[str, Any]]) -> list[str]:
    """One character per column for a number: '-' or '' (sign), a digit, '0' for a leading zero."""
    rows = digits_for(value, columns)
    out = []
    for col, row in zip(columns, rows, strict=True):
        if col["kind"] == "sign":
            out.append("-" if row is not None else "")
        else:
            out.append("0" if row is None else str(col["bubbles"][row]["value"]))
    return out


def seen_columns(seen: str, columns: list[dict[str, Any]]) -> list[str] | None:
    """One character per column from a flagged answer's ``seen`` ('-0.12?4'): '?' undecided, '_' empty.

    None when ``seen`` cannot be laid over the columns (the benchmark then counts the whole answer flagged).
    """
    n_int = sum(1 for c in columns if c["kind"] == "digit" and c["place"] >= 0)
    n_dec = sum(1 for c in columns if c["kind"] == "digit" and c["place"] < 0)
    pre, dot, dec = seen.partition(".")
    if len(dec) != n_dec or (n_dec and not dot):
        return None
    sign = ""
    if pre.startswith("-"):
        sign, pre = "-", pre[1:]
    elif pre.startswith("?") and len(pre) == n_int + 1:
        sign, pre = "?", pre[1:]
    if len(pre) > n_int:
        return None
    ints = list(pre.rjust(n_int, "0")) if n_int else []  # "_": an empty column after a digit
    out: list[str] = []
    it_i, it_d = iter(ints), iter(dec)
    for c in columns:
        if c["kind"] == "sign":
            out.append(sign)
        elif c["place"] >= 0:
            out.append(next(it_i))
        else:
            out.append(next(it_d))
    return out


def count(key: Key, layout: dict[str, Any], result: Any, tricky: dict[str, dict[str, list[int]]]) -> dict[str, int]:
    """Per digit (one column of one answer), for the ordinary marks and the deliberately ambiguous ones apart.

    For each column: read right (an answer read cleanly whose column matches, or a flagged
    answer whose grid shows this column's digit), flagged (the column is undecided, '?', or
    left empty where a digit is needed, '_': what the answer is flagged for),
    misread without a flag (read cleanly but wrong), or wrong in a flagged answer (the grid
    shows another digit in a column that was decided; the teacher sees it while checking the
    flagged answer). A leading zero marked or left empty are the same digit.
    """
    want = {v.variant: {a.id: a.rounded for a in v.problems[0].answers} for v in key.variants}
    columns = {a["id"]: a["columns"] for a in layout["pages"][0]["answers"]}
    c = dict.fromkeys(
        ["sheets", "answers", "answers_flagged", "unaligned"]
        + [f"{s}_{k}" for s in ("plain", "amb") for k in ("digits", "right", "flagged", "misread", "wrong_in_flagged")],
        0,
    )
    for s in result.sheets:
        c["sheets"] += 1
        for aid, r in s.reads.items():
            cols = columns[aid]
            truth = truth_columns(want[s.variant][aid], cols)
            amb = set(tricky.get(s.variant, {}).get(aid, []))
            c["answers"] += 1
            if r.flag:
                c["answers_flagged"] += 1
                got = seen_columns(r.seen, cols)
                if got is None:
                    c["unaligned"] += 1
                    got = ["?"] * len(cols)
            else:
                got = truth_columns(r.value or "0", cols)
            for i, (t, g) in enumerate(zip(truth, got, strict=True)):
                k = "amb" if i in amb else "plain"
                c[f"{k}_digits"] += 1
                if g in ("?", "_"):  # the column the answer is flagged for: undecided or left empty
                    c[f"{k}_flagged"] += 1
                elif g == t:
                    c[f"{k}_right"] += 1
                elif r.flag:
                    c[f"{k}_wrong_in_flagged"] += 1
                else:
                    c[f"{k}_misread"] += 1
    return c


def report(name: str, c: dict[str, int]) -> None:
    def pct(k: str, kind: str) -> str:
        return f"{c[f'{kind}_{k}']} ({100 * c[f'{kind}_{k}'] / max(1, c[f'{kind}_digits']):.2f} %)"

    print(f"{name}: {c['sheets']} sheets, {c['answers']} answers ({c['answers_flagged']} flagged), "
          f"{c['plain_digits'] + c['amb_digits']} digits (a digit = one column of one answer)")  # fmt: skip
    print(f"  ordinary marks, {c['plain_digits']} digits: read right {pct('right', 'plain')}, "
          f"flagged {pct('flagged', 'plain')}, misread without a flag {pct('misread', 'plain')}, "
          f"shown wrong inside a flagged answer {c['plain_wrong_in_flagged']}")  # fmt: skip
    if c["amb_digits"]:
        print(f"  deliberately ambiguous marks (must be flagged; where the paper shows one clear mark, "
              f"reading it is right), {c['amb_digits']} digits: flagged {pct('flagged', 'amb')}, "
              f"read as the intended digit {pct('right', 'amb')}, misread without a flag {pct('misread', 'amb')}, "
              f"shown wrong inside a flagged answer {c['amb_wrong_in_flagged']}")  # fmt: skip
    if c["unaligned"]:
        print(f"  {c['unaligned']} flagged answer(s) whose grid could not be laid over the columns: counted flagged")


class TreeMemory:
    """Peak memory of this process and all its descendants at one instant, sampled from /proc.

    ``resource.getrusage(RUSAGE_CHILDREN)`` sees only children this process waited for; the scan's
    workers are children of multiprocessing's forkserver, so it reported 0. PSS (proportional set
    size, /proc/<pid>/smaps_rollup) shares each page among the processes mapping it, so the sum is
    the memory the tree holds; RSS sums count pages shared with the forkserver once per worker.
    """

    def __init__(self, every: float = 0.02) -> None:
        self.every = every
        self.peak_pss = self.peak_rss = self.peak_self = 0.0  # MB; peak_self: this process's own PSS
        self.most_processes = 0
        self.before = self.before_self = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self.sample()
        self.before, self.before_self = self.peak_pss, self.peak_self  # what this process held already
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    tree = staticmethod(process_tree)  # this process, the fork server, its workers
    usage = staticmethod(memory_mb)  # (PSS, RSS) in MB; (0, 0) when it has just ended

    def sample(self) -> None:
        pids = self.tree(os.getpid())
        got = [self.usage(p) for p in pids]
        self.peak_pss = max(self.peak_pss, sum(g[0] for g in got))
        self.peak_self = max(self.peak_self, got[0][0])  # tree() lists this process first
        self.peak_rss = max(self.peak_rss, sum(g[1] for g in got))
        self.most_processes = max(self.most_processes, sum(1 for g in got if g[1]))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def line(self) -> str:
        return (f"peak memory of the process tree: {self.peak_pss:.0f} MB PSS ({self.peak_rss:.0f} MB RSS summed), "
                f"{self.most_processes} processes; this process alone {self.peak_self:.0f} MB PSS, of which "
                f"{self.before_self:.0f} MB before the scan (the benchmark's own work)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sheets", type=int, default=120)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sets", choices=("both", "clean", "noisy"), default="both")
    args = ap.parse_args()
    key, d = sheets(args.sheets)
    layout = json.loads((d / "answer-sheet-layout.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        for name, noisy in (("clean", False), ("noisy", True)):
            if args.sets not in ("both", name):
                continue
            folder = Path(tmp) / name
            tricky = make_scans(key, d, folder, noisy, seed=11)
            t = time.perf_counter()
            with TreeMemory() as mem:  # every answer's crop written to disk, as `scan` does
                result = scan_files(key, layout, [folder], jobs=args.jobs, crops=Path(tmp) / f"{name}-crops")
            dt = time.perf_counter() - t
            report(name, count(key, layout, result, tricky))
            print(f"  {result.pages} pages in {dt:.1f} s: {result.pages / dt:.1f} pages/s with {args.jobs} worker(s)"
                  f"{' (200 dpi)' if not noisy else ' (150/200/300 dpi)'}; issues: {len(result.issues)}")  # fmt: skip
            print(f"  {mem.line()}")


if __name__ == "__main__":
    main()
