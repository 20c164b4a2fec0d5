"""Report stage: the web app's pages across stories (search, outlets, entities), as HTML and as JSON.

The views come from ``lookup.py``; this module turns them into pages through the Jinja2 templates, with
every statement linking to its article at the evidence. ``Hrefs`` says where links point (the web app
gives its routes), so the pages need nothing of the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from ..models import to_json
from ..store import Store
from . import lookup
from .templates import Link, render_page


@dataclass(frozen=True)
class Hrefs:
    """Where a page's links point: a story, an article (optionally at a span), an outlet, an entity."""

    story: Callable[[str], str]
    article: Callable[[str, int | None, int | None], str]
    outlet: Callable[[str], str]
    entity: Callable[[str], str]


class Links:
    """What the templates call to link: hrefs, plus story titles (each read once, when first asked)."""

    def __init__(self, store: Store, hrefs: Hrefs) -> None:
        self.hrefs = hrefs
        self.conn = store.conn
        self.titles: dict[str, str] = {}

    def story(self, story_id: str) -> str:
        return self.hrefs.story(story_id)

    def title(self, story_id: str | None) -> str:
        if not story_id:
            return "(no story yet)"
        if story_id not in self.titles:
            row = self.conn.execute("SELECT title FROM stories WHERE id = ?", (story_id,)).fetchone()
            self.titles[story_id] = row[0] if row else "(no story yet)"
        return self.titles[story_id]

    def article(self, article_id: str) -> str:
        return self.hrefs.article(article_id, None, None)

    def span(self, article_id: str, start: int | None, end: int | None) -> str:
        return self.hrefs.article(article_id, start, end)

    def outlet(self, source: str) -> str:
        return self.hrefs.outlet(source)

    def entity(self, entity_id: str) -> str:
        return self.hrefs.entity(entity_id)


def as_json(view: object) -> str:
    return json.dumps(to_json(view), indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class ShownHit:
    kind: str
    text: str
    href: str
    outlet: str
    story: str | None
    story_href: str
    story_title: str


def search_page(store: Store, words: str, hrefs: Hrefs, nav: list[Link]) -> str:
    found = lookup.search(store, words) if words.strip() else lookup.SearchResults(words, [])
    links = Links(store, hrefs)
    outlet_of = lookup.sources_of(store, {hit.article for hit in found.results})
    hits = [
        ShownHit(
            hit.kind,
            hit.text,
            links.span(hit.article, hit.start, hit.end),
            outlet_of.get(hit.article, hit.article),
            hit.story,
            links.story(hit.story) if hit.story else "",
            links.title(hit.story),
        )
        for hit in found.results
    ]
    return render_page("search.html", nav=nav, query=words, hits=hits)


@dataclass(frozen=True)
class ShownOutlet:
    source: str
    href: str
    articles: int
    stories: int


def outlets_page(store: Store, hrefs: Hrefs, nav: list[Link]) -> str:
    rows = [
        ShownOutlet(row.source, hrefs.outlet(row.source), row.articles, row.stories)
        for row in lookup.outlets(store)
    ]
    return render_page("outlets.html", nav=nav, rows=rows)


def outlet_page(store: Store, source: str, hrefs: Hrefs, nav: list[Link]) -> str:
    view = lookup.outlet_view(store, source)
    return render_page("outlet.html", nav=nav, view=view, links=Links(store, hrefs))


def entity_page(store: Store, entity_id: str, hrefs: Hrefs, nav: list[Link]) -> str:
    view = lookup.entity_view(store, entity_id)
    return render_page("entity.html", nav=nav, view=view, links=Links(store, hrefs))


def new_page(store: Store, hrefs: Hrefs, nav: list[Link]) -> str:
    return render_page("new.html", nav=nav, view=lookup.whats_new(store), links=Links(store, hrefs))
