"""The Jinja2 environment: autoescape, StrictUndefined, templates from templates/."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..mathtext import to_html


def templates_dir() -> Path:
    """templates/ of a source checkout, or the copy inside an installed wheel."""
    installed = Path(__file__).resolve().parent.parent / "_templates"
    return installed if installed.is_dir() else Path(__file__).resolve().parent.parent.parent / "templates"


def _math(text: str) -> Markup:
    return Markup(to_html(text))  # to_html escapes every literal character itself


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["math"] = _math
    return env


def render_template(name: str, **context: Any) -> str:
    """Render templates/<name> with plain values; a missing variable is an error, not a blank."""
    return environment().get_template(name).render(**context)
