"""The package stays typed (mypy --strict) and linted (ruff), as configured in pyproject.toml.

Both run as ``sys.executable -m ...`` so they are found whether or not the venv is
activated; a missing tool fails the test (it is in the [test] extra) instead of skipping.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "generator", "tests", "benchmarks"], cwd=ROOT, capture_output=True,
        text=True,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_strict_is_clean() -> None:
    res = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
