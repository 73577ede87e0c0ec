"""Each student's worked solution, solutions/<student>.pdf (with --solutions)."""

from __future__ import annotations

from ..render.batch import render_key
from .base import OutputOptions, VariantWriter


def _wanted(options: OutputOptions) -> bool:
    return options.solutions


WRITER = VariantWriter(
    name="solution", label="solutions", folder="solutions", render=render_key, wanted=_wanted, builtin=True
)
