"""Scanning: digits read right, flagged and misread without a flag, and pages per second.

Run: python benchmarks/bench_scan.py [--sheets 100] [--jobs 2]

Builds a standard-profile pack (2-2-1, 28 answers of sign, one integer digit and four
decimals: 6 columns each) with one answer sheet per student, fills every sheet with that
student's answers from the layout, and scans two sets:

- clean: marks drawn straight, 200 dpi PNG, no distortion. Target: 100 % read right.
- noisy: pen and pencil marks, off-centre and partial ones, erased-pencil traces; 150, 200 and
  300 dpi; skew up to ±3°, ±2 % scale, shift, blur, noise, darker or lighter scanners, JPEG,
  every fourth page upside down; and 0.2 % of columns given a deliberately ambiguous mark (two
  marks, a faint one, an erased and re-marked one), which must be flagged or, where the
  paper still shows one clear mark, read as that mark. Targets: ≥ 99.5 % of the plain marks
  read right, 0 misread without a flag.

A digit is one column of one answer. An answer whose number is read right counts all its
columns right; a flagged answer counts all its columns flagged (the teacher checks the
whole answer); a number read wrong without a flag counts its differing columns as misread.
Speed: pages per second over the clean 200-dpi set, with --jobs worker processes (target ≥ 4
on 2 cores), and the peak memory of the parent and of one worker.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from generator.pack import build_pack
from generator.render.context import unique_stems
from generator.scan.run import scan_files
from generator.scan.synthetic import Style, distort, fill_page, jpeg
from generator.sheet.render import write_answer_sheets
from generator.spec import load_builtin


def sheets(n: int) -> tuple[dict[str, Any], Path]:
    d = Path(tempfile.gettempdir()) / f"backprop-exam-bench-scan-{n}"
    key = build_pack(load_builtin("profile", "standard"), pack="bench", count=n, seed="bench-scan")
    if not (d / "answer-sheet-layout.json").exists():
        t = time.perf_counter()
        write_answer_sheets(key, d, unique_stems(key["variants"]))
        print(f"answer sheets for {n} students printed in {time.perf_counter() - t:.1f} s")
    return key, d


def make_scans(key: dict[str, Any], d: Path, out: Path, noisy: bool, seed: int) -> dict[str, set[str]]:
    import cv2
    import pypdfium2 as pdfium

    layout = json.loads((d / "answer-sheet-layout.json").read_text())
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(str(d / "answer-sheets.pdf"))
    tricky: dict[str, set[str]] = {}
    for i, v in enumerate(key["variants"]):
        dpi = (150, 200, 300)[i % 3] if noisy else 200
        img = np.array(doc[i].render(scale=dpi / 72, grayscale=True).to_numpy())
        answers = {a["id"]: a["rounded"] for a in v["problems"][0]["answers"]}
        style = Style(noisy=noisy, ambiguous=0.002 if noisy else 0.0)
        tricky[v["variant"]] = set(fill_page(img, dpi, layout["pages"][0], answers, rng, style))
        img = distort(img, rng, noisy=noisy, flip=noisy and i % 4 == 3)
        if noisy and i % 2:
            img = jpeg(img, int(rng.integers(60, 90)))
            cv2.imwrite(str(out / f"{i:04d}.png"), img)
        else:
            cv2.imwrite(str(out / f"{i:04d}.png"), img)
    doc.close()
    return tricky


def count(key: dict[str, Any], result: Any, tricky: dict[str, set[str]]) -> dict[str, int]:
    want = {v["variant"]: {a["id"]: a["rounded"] for a in v["problems"][0]["answers"]} for v in key["variants"]}
    c = {"digits": 0, "right": 0, "flagged": 0, "misread": 0, "flagged_ambiguous": 0, "ambiguous": 0, "sheets": 0,
         "plain": 0, "plain_right": 0}  # fmt: skip
    for s in result.sheets:
        c["sheets"] += 1
        for aid, r in s.reads.items():
            truth = want[s.variant][aid]
            cols = 6
            c["digits"] += cols
            amb = aid in tricky.get(s.variant, set())
            c["ambiguous"] += cols if amb else 0
            c["plain"] += 0 if amb else cols
            if r.flag:
                c["flagged"] += cols
                c["flagged_ambiguous"] += cols if amb else 0
            elif r.value and Decimal(r.value) == Decimal(truth):
                c["right"] += cols
                c["plain_right"] += 0 if amb else cols
            else:
                a, b = f"{Decimal(truth):+.4f}", f"{Decimal(r.value or '0'):+.4f}"
                c["misread"] += max(1, sum(x != y for x, y in zip(a, b, strict=False)))
    return c


def report(name: str, c: dict[str, int]) -> None:
    n = max(1, c["digits"])
    plain = 100 * c["plain_right"] / max(1, c["plain"])
    print(f"{name}: {c['sheets']} sheets, {c['digits']} digits: read right {c['right']} "
          f"({100 * c['right'] / n:.2f} %), flagged {c['flagged']} ({100 * c['flagged'] / n:.2f} %; "
          f"{c['flagged_ambiguous']} of them on the {c['ambiguous']} deliberately ambiguous), "
          f"misread without a flag {c['misread']}; plain marks: {plain:.2f} % read right")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sheets", type=int, default=120)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    key, d = sheets(args.sheets)
    layout = json.loads((d / "answer-sheet-layout.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        for name, noisy in (("clean", False), ("noisy", True)):
            folder = Path(tmp) / name
            tricky = make_scans(key, d, folder, noisy, seed=11)
            t = time.perf_counter()
            result = scan_files(key, layout, [folder], jobs=args.jobs)
            dt = time.perf_counter() - t
            report(name, count(key, result, tricky))
            print(f"  {result.pages} pages in {dt:.1f} s: {result.pages / dt:.1f} pages/s with {args.jobs} worker(s)"
                  f"{' (200 dpi)' if not noisy else ' (150/200/300 dpi)'}; issues: {len(result.issues)}")  # fmt: skip
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: parent {me:.0f} MB, largest worker {kids:.0f} MB")


if __name__ == "__main__":
    main()
