"""Report stage: the run's outputs on disk — index.json, index.html and every story's json/md/html."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..models import IngestReport, Story
from ..store import Store
from .render_html import esc, page

INDEX_SCHEMA = "storydesk.index/1"


def build_index(store: Store, stories: Iterable[Story], report: IngestReport) -> dict[str, Any]:
    """index.json exactly as spec/README.md: stories, articles, rejected — in a stable order."""
    story_list = sorted(stories, key=lambda s: s.id)
    return {
        "schema": INDEX_SCHEMA,
        "stories": [
            {"id": s.id, "title": s.title, "articles": sorted(s.article_ids), "sources": sorted(s.sources),
             "dossier": f"stories/{s.id}.json"}
            for s in story_list
        ],
        "articles": [
            {"id": a.id, "source": a.source, "title": a.title, "published": a.published, "path": a.path}
            for a in sorted(store.iter_articles(), key=lambda a: a.id)
        ],
        "rejected": [{"path": r.path, "reason": r.reason} for r in sorted(report.rejected, key=lambda r: r.path)],
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


def index_html(stories: Iterable[Story], link: Callable[[str], str], rejected: Iterable[Any] = (),
               title: str = "storydesk: stories") -> str:
    """The list of stories with links to their dossiers (also the web app's front page)."""
    rows = []
    for s in story_rows(stories):
        srcs = ", ".join(sorted(s.sources))
        rows.append(f'<tr><td><a href="{esc(link(s.id))}"><b>{esc(s.title)}</b></a>'
                    f'<div class="small">{esc(srcs)}</div></td><td class="date">{esc(_dates(s))}</td>'
                    f"<td>{len(s.article_ids)}</td><td>{len(set(s.sources))}</td></tr>")
    table = ('<table><thead><tr><th scope="col">Story</th><th scope="col">Dates</th><th scope="col">Articles</th>'
             f'<th scope="col">Sources</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
             if rows else '<p class="small">No stories yet.</p>')
    rej = [f"<li><code>{esc(r.path)}</code> — {esc(r.reason)}</li>" for r in rejected]
    rej_html = f'<h2>Inputs not read</h2><ul class="small">{"".join(rej)}</ul>' if rej else ""
    n = len(rows)
    body = (f"<header><h1>Stories</h1><p class=\"meta\">{n} {'story' if n == 1 else 'stories'}</p></header>"
            f"{table}{rej_html}")
    return page(title, body, script=False)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def write_outputs(store: Store, stories: list[Story], report: IngestReport, out_dir: Path,
                  progress: Any = None,
                  dossier_fn: Callable[[Store, str], dict[str, Any]] | None = None) -> None:
    """Write DIR/index.json, DIR/index.html and DIR/stories/<id>.{json,md,html} for every story.

    ``dossier_fn`` builds a story's dossier; by default ``storydesk.reconcile.dossier_for``.
    """
    from . import render

    if dossier_fn is None:
        from ..reconcile import dossier_for as dossier_fn

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
