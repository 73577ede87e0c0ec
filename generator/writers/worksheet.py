"""The fillable worksheet of each variant (worksheets/<student>.pdf), joined into worksheets.pdf."""

from __future__ import annotations

from ..render.batch import render_worksheet
from .base import VariantWriter

WRITER = VariantWriter(name="worksheet", label="worksheets", folder="worksheets", render=render_worksheet, builtin=True)
