"""Report stage: dossiers rendered for people (Markdown, HTML) and scripts (JSON), and the run's files."""

from __future__ import annotations

import json

from ..errors import StorydeskError
from ..models import Dossier
from .index import build_index, index_html, write_outputs
from .render_html import ArticleLink, render_html
from .render_md import render_md

FORMATS = ("json", "md", "html")


def render_json(doc: Dossier) -> str:
    """Pretty and stable: sorted keys, two-space indent, UTF-8 as is."""
    return json.dumps(doc.to_json(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def render(doc: Dossier, fmt: str, *, link: ArticleLink | None = None) -> str:
    """One dossier as ``json``, ``md`` or ``html`` (``link`` points article references elsewhere, for
    the web)."""
    if fmt == "json":
        return render_json(doc)
    if fmt == "md":
        return render_md(doc)
    if fmt == "html":
        return render_html(doc, link)
    raise StorydeskError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


__all__ = [
    "FORMATS",
    "build_index",
    "index_html",
    "render",
    "render_html",
    "render_json",
    "render_md",
    "write_outputs",
]
