"""The worked answer key of each variant, joined into answer-key.pdf (per variant on request)."""

from __future__ import annotations

from ..render.batch import render_key
from .base import OutputOptions, VariantWriter


def _keep(options: OutputOptions) -> bool:
    return options.key_per_student


WRITER = VariantWriter(
    name="marking-key",
    label="answer key",
    folder="answer-keys",
    print_file="answer-key.pdf",
    print_title="answer key of",
    render=render_key,
    keep=_keep,
)
