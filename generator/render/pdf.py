"""The one place that calls WeasyPrint."""

from __future__ import annotations

from typing import Any

from .templating import templates_dir


def html_to_pdf(html: str, *, forms: bool = False, metadata: dict[str, str] | None = None) -> bytes:
    """Lay out ``html`` (relative URLs resolve inside templates/) and return the PDF bytes.

    ``forms`` turns <input> elements into fillable PDF text fields.
    """
    import weasyprint

    doc = weasyprint.HTML(string=html, base_url=str(templates_dir()) + "/")
    options: dict[str, Any] = {"pdf_forms": forms}
    out: bytes = doc.write_pdf(**options)
    return out
