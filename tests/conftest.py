"""Hypothesis settings: CI runs a fixed, reproducible set of examples; `thorough` tries many more.

Profiles (``HYPOTHESIS_PROFILE=NAME pytest``; CI=true picks ``ci`` unless a profile is named):

- ``default``: random examples, each property test at its everyday count (seconds, not minutes).
- ``ci``: the same counts, derandomized: every CI run tries the same examples (no flaky run).
- ``thorough``: random, and ten times the examples (``tests.strategies.examples``; at least 1000
  for tests that set no count): for a change to the core or a parser, or a nightly run.
"""

import os

from hypothesis import settings

# Unexpected errors surface in tests instead of becoming "could not be graded" issues.
os.environ.setdefault("BACKPROP_EXAM_DEBUG", "1")

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("thorough", max_examples=1000, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default"))
