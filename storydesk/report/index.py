"""Report stage: the run's outputs on disk — index.json, index.html and every story's json/md/html."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models import Dossier, IngestReport, Story
from ..store import Store
from .templates import Link, render_page

INDEX_SCHEMA = "storydesk.index/1"


def build_index(store: Store, stories: Iterable[Story], report: IngestReport) -> dict[str, Any]:
    """index.json exactly as spec/README.md: stories, articles, rejected — in a stable order."""
    story_list = sorted(stories, key=lambda s: s.id)
    return {
        "schema": INDEX_SCHEMA,
        "stories": [
            {
                "id": s.id,
                "title": s.title,
                "articles": sorted(s.article_ids),
                "sources": sorted(s.sources),
                "dossier": f"stories/{s.id}.json",
            }
            for s in story_list
        ],
        "articles": [
            {"id": a.id, "source": a.source, "title": a.title, "published": a.published, "path": a.path}
            for a in sorted(store.iter_articles(), key=lambda a: a.id)
        ],
        "rejected": [
            {"path": r.path, "reason": r.reason} for r in sorted(report.rejected, key=lambda r: r.path)
        ],
    }


def story_rows(stories: Iterable[Story]) -> list[Story]:
    """Newest first, then biggest, then id: the order people scan a front page in."""
    ordered = sorted(stories, key=lambda s: s.id)
    ordered.sort(key=lambda s: len(s.article_ids), reverse=True)
    ordered.sort(key=lambda s: s.last_published or s.first_published or "", reverse=True)
    return ordered


def _dates(s: Story) -> str:
    first, last = (s.first_published or "")[:10], (s.last_published or "")[:10]
    return f"{first} – {last}" if first and last and first != last else (first or last or "undated")


@dataclass(frozen=True)
class StoryRow:
    """One line of the story list."""

    href: str
    title: str
    sources: list[str]
    dates: str
    articles: int
    outlets: int


def _row(s: Story, link: Callable[[str], str]) -> StoryRow:
    return StoryRow(
        link(s.id), s.title, sorted(s.sources), _dates(s), len(s.article_ids), len(set(s.sources))
    )


def index_html(
    stories: Iterable[Story],
    link: Callable[[str], str],
    rejected: Iterable[Any] = (),
    title: str = "storydesk: stories",
    nav: list[Link] | None = None,
) -> str:
    """The list of stories with links to their dossiers (also the web app's front page, with its ``nav``)."""
    rows = [_row(s, link) for s in story_rows(stories)]
    return render_page("index.html", nav=nav or [], title=title, rows=rows, rejected=list(rejected))


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def write_outputs(
    store: Store,
    stories: list[Story],
    report: IngestReport,
    out_dir: Path,
    progress: Any = None,
    dossier_fn: Callable[[Store, str], Dossier] | None = None,
) -> None:
    """Write DIR/index.json, DIR/index.html and DIR/stories/<id>.{json,md,html} for every story.

    ``dossier_fn`` builds a story's dossier; by default ``storydesk.reconcile.dossier_for``.
    """
    from . import render

    if dossier_fn is None:
        from ..reconcile import dossier_for

        dossier_fn = dossier_for

    out = Path(out_dir)
    (out / "stories").mkdir(parents=True, exist_ok=True)
    items = sorted(stories, key=lambda s: s.id)
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc="reports", unit="story")
    for s in items:
        doc = dossier_fn(store, s.id)
        for fmt in ("json", "md", "html"):
            _write(out / "stories" / f"{s.id}.{fmt}", render(doc, fmt))
    index = build_index(store, stories, report)
    _write(out / "index.json", json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    _write(out / "index.html", index_html(stories, lambda sid: f"stories/{sid}.html", report.rejected))
