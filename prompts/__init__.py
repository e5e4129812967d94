"""Jinja2 templates for every text alertfix writes: tickets, pull requests, comments, prompts.

StrictUndefined: a missing variable is an error, never an empty hole. Untrusted text (alert
messages, frame values) goes through the `fence` filter, which the caller supplies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

_DIR = Path(__file__).parent


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown, not HTML; untrusted text is fenced instead
    )


def render(name: str, filters: Mapping[str, Callable[..., str]], **variables: Any) -> str:
    """Render `name` (e.g. "pull_request.md.j2"); `filters` must provide `fence`."""
    environment = _environment().overlay()
    environment.filters.update(filters)
    return environment.get_template(name).render(**variables)
