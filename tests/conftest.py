"""Hypothesis settings: CI runs a fixed, reproducible set of examples."""

import os

from hypothesis import settings

# Unexpected errors surface in tests instead of becoming "could not be graded" issues.
os.environ.setdefault("BACKPROP_EXAM_DEBUG", "1")

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
