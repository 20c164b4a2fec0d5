"""Report stage: the run's outputs on disk — index.json, index.html and every story's json/md/html."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..models import Dossier, IngestReport, Story
from ..store import Store
from .lookup import StoryFilter
from .templates import Link, render_page

if TYPE_CHECKING:
    from .leaning import Split

INDEX_SCHEMA = "storydesk.index/1"


def build_index(store: Store, stories: Iterable[Story], report: IngestReport) -> dict[str, Any]:
    """index.json exactly as spec/README.md: stories, articles, rejected — in a stable order."""
    story_list = sorted(stories, key=lambda story: story.id)
    return {
        "schema": INDEX_SCHEMA,
        "stories": [
            {
                "id": story.id,
                "title": story.title,
                "articles": sorted(story.article_ids),
                "sources": sorted(story.sources),
                "dossier": f"stories/{story.id}.json",
            }
            for story in story_list
        ],
        "articles": [
            {
                "id": article.id,
                "source": article.source,
                "title": article.title,
                "published": article.published,
                "path": article.path,
            }
            for article in sorted(store.iter_articles(), key=lambda article: article.id)
        ],
        "rejected": [
            {"path": rejection.path, "reason": rejection.reason}
            for rejection in sorted(report.rejected, key=lambda rejection: rejection.path)
        ],
    }


def story_rows(stories: Iterable[Story]) -> list[Story]:
    """Newest first, then biggest, then id: the order people scan a front page in."""
    ordered = sorted(stories, key=lambda story: story.id)
    ordered.sort(key=lambda story: len(story.article_ids), reverse=True)
    ordered.sort(key=lambda story: story.last_published or story.first_published or "", reverse=True)
    return ordered


def _dates(story: Story) -> str:
    first, last = (story.first_published or "")[:10], (story.last_published or "")[:10]
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


def _row(story: Story, link: Callable[[str], str]) -> StoryRow:
    return StoryRow(
        link(story.id),
        story.title,
        sorted(story.sources),
        _dates(story),
        len(story.article_ids),
        len(set(story.sources)),
    )


def index_html(
    stories: Iterable[Story],
    link: Callable[[str], str],
    rejected: Iterable[Any] = (),
    title: str = "storydesk: stories",
    nav: list[Link] | None = None,
    filters: StoryFilter | None = None,
    leanings: Mapping[str, Split] | None = None,
    paging: list[Link] | None = None,
) -> str:
    """The list of stories with links to their dossiers (also the web app's front page, with its ``nav``,
    and ``filters``: the story list's filter form, a lookup.StoryFilter; ``leanings``: story id -> its
    split by leaning, shown under its sources, when the user loaded outlet ratings; ``paging``: links to
    the pages before and after this one)."""
    ordered = story_rows(stories)
    rows = [_row(story, link) for story in ordered]
    known = leanings or {}
    splits = {link(story.id): known[story.id] for story in ordered if story.id in known}
    return render_page(
        "index.html",
        nav=nav or [],
        title=title,
        rows=rows,
        rejected=list(rejected),
        filters=filters,
        splits=splits,
        paging=paging or [],
    )


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
    items = sorted(stories, key=lambda story: story.id)
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc="reports", unit="story")
    for story in items:
        doc = dossier_fn(store, story.id)
        for fmt in ("json", "md", "html"):
            _write(out / "stories" / f"{story.id}.{fmt}", render(doc, fmt))
    index = build_index(store, stories, report)
    _write(out / "index.json", json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    _write(out / "index.html", index_html(stories, lambda sid: f"stories/{sid}.html", report.rejected))
