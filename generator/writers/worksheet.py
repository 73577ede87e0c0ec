"""The fillable worksheet of each variant, and worksheets.pdf for printing."""

from __future__ import annotations

from ..render.batch import render_worksheet
from .base import VariantWriter

WRITER = VariantWriter(
    name="worksheet",
    label="worksheets",
    folder="worksheets",
    print_file="worksheets.pdf",
    print_title="worksheets of",
    render=render_worksheet,
)
