"""benchmarks/bench_scan.py measures the memory of the whole process tree, workers included.

Its old line read the parent's ``RUSAGE_CHILDREN``, which never sees forkserver workers (they
are the forkserver's children, not ours), and printed 0 MB for them.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="reads /proc (Linux)")


def bench_scan() -> ModuleType:
    path = Path(__file__).parent.parent / "benchmarks" / "bench_scan.py"
    spec = importlib.util.spec_from_file_location("bench_scan", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_scan"] = module
    spec.loader.exec_module(module)
    return module


def hold(mb: int) -> int:
    block = bytearray(mb * 1024 * 1024)
    block[::4096] = b"x" * len(block[::4096])  # touch every page: resident, not just reserved
    time.sleep(0.6)
    return len(block)


def test_tree_memory_counts_forkserver_workers() -> None:
    bench = bench_scan()
    ctx = multiprocessing.get_context("forkserver")
    with bench.TreeMemory(every=0.02) as mem, ctx.Pool(2) as pool:
        assert pool.map(hold, [120, 120]) == [120 * 1024 * 1024] * 2
    assert mem.peak_pss >= 2 * 120  # both workers' blocks at the same instant
    assert mem.most_processes >= 3  # this process, the forkserver, the workers
