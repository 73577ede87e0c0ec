"""What --tagged costs: CPU per document, plain vs tagged PDF/UA-1, in one process.

    python benchmarks/bench_tagged.py            # 6 standard variants
    python benchmarks/bench_tagged.py 12 hard    # 12 variants of the hard profile

Each worksheet and worked solution is rendered plain and tagged in turn (so a change in the
machine's load hits both alike) and the median CPU seconds (``time.process_time``) and file
sizes are printed; then the marking key of all the variants, plain and tagged. Run it twice
and give the load average (``uptime``) beside the figures: CPU time on a busy machine is
inflated too.
"""

from __future__ import annotations

import statistics
import sys
import time

import msgspec

from generator.pack import build_pack
from generator.records import PrintSettings
from generator.render.batch import render_key, render_marking, render_worksheet
from generator.spec import load_builtin


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    profile = sys.argv[2] if len(sys.argv) > 2 else "standard"
    key = build_pack(load_builtin("profile", profile), pack="bench", count=n, seed="bench-tagged")
    keys = {t: msgspec.structs.replace(key, printing=PrintSettings(tagged=t)) for t in (False, True)}
    for t in (False, True):  # warm-up: fonts and stylesheets
        render_worksheet(keys[t], key.variants[0], "a4")
    print(f"{n} variants of the {profile} profile; CPU seconds, median")
    for name, render in (("worksheet", render_worksheet), ("worked solution", render_key)):
        cpu: dict[bool, list[float]] = {False: [], True: []}
        size: dict[bool, list[int]] = {False: [], True: []}
        pages = 0
        for v in key.variants:
            for t in (False, True):
                c0 = time.process_time()
                pdf, pages = render(keys[t], v, "a4")
                cpu[t].append(time.process_time() - c0)
                size[t].append(len(pdf))
        plain, tagged = statistics.median(cpu[False]), statistics.median(cpu[True])
        print(
            f"  {name} ({pages} pages): plain {plain:.3f} s, tagged {tagged:.3f} s "
            f"({100 * (tagged / plain - 1):+.0f} %);"
            f" {statistics.median(size[False]) / 1024:.0f} -> {statistics.median(size[True]) / 1024:.0f} KB"
        )
    groups = [[v] for v in key.variants]
    row = []
    for t in (False, True):
        c0 = time.process_time()
        pdf, pages = render_marking(keys[t], groups, "a4")
        row.append(f"{'tagged' if t else 'plain'} {time.process_time() - c0:.3f} s, {len(pdf) // 1024} KB")
    print(f"  marking key ({n} variants, {pages} pages): " + "; ".join(row))


if __name__ == "__main__":
    main()
