"""The marking key of the pack, answer-key.pdf: final answers and accepted ranges per variant."""

from __future__ import annotations

from pathlib import Path

from ..records import Key
from .base import OutputOptions, PackWriter


def write(key: Key, dest: Path, options: OutputOptions) -> list[Path]:
    from ..render.batch import render_keys

    return render_keys(key, dest, paper=options.paper, marking=True, solutions=False, jobs=options.jobs)


WRITER = PackWriter(name="marking-key", label="marking key", write=write, builtin=True)
