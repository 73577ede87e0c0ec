"""Preloaded by the forkserver: every render worker forks from a process that has already
imported WeasyPrint, registered the bundled fonts, parsed the stylesheets and compiled the
templates, so a worker's first job starts rendering at once (see render/batch.py)."""

from __future__ import annotations

from . import pdf

pdf.preload()
