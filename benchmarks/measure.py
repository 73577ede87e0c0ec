"""Run one piece of work in a fresh Python process and report its wall time and peak memory.

A child process gives a clean peak: ``resource.getrusage`` in the child reports the largest
resident set of the child itself and, separately, of the largest of its own worker processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass


@dataclass
class Measured:
    seconds: float
    peak_mb: float  # the process's own peak resident set
    workers_peak_mb: float  # the largest peak of the worker processes it started (0 without)
    extra: dict[str, object]

    @property
    def total_peak_mb(self) -> float:
        """An upper bound of the memory the run held at once: parent peak + each worker's peak."""
        workers = int(self.extra.get("workers", 0) or 0)
        return self.peak_mb + workers * self.workers_peak_mb


PRELUDE = """
import json, resource, sys, time
t0 = time.perf_counter()
extra = {}
"""
EPILOGUE = """
seconds = time.perf_counter() - t0
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print("MEASURED " + json.dumps({"seconds": seconds, "peak_mb": me, "workers_peak_mb": kids, "extra": extra}))
"""


def measure(code: str) -> Measured:
    """Run ``code`` (it may set entries of the dict ``extra``) in a child Python; time and peak memory."""
    script = PRELUDE + textwrap.dedent(code) + EPILOGUE
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    line = next(line for line in out.stdout.splitlines() if line.startswith("MEASURED "))
    return Measured(**json.loads(line.removeprefix("MEASURED ")))
