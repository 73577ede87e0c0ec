"""Preloaded by the forkserver, so every render worker starts with WeasyPrint already imported."""

from __future__ import annotations

import weasyprint  # noqa: F401  (the import is the point: half a second saved per worker)

from . import batch, context, diagram, pdf, templating  # noqa: F401

templating.environment().get_template("worksheet.html.j2")
templating.environment().get_template("answer-key.html.j2")
templating.environment().get_template("marking-key.html.j2")
