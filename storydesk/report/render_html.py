"""Report stage: a dossier as one self-contained HTML page (inline CSS, a few lines of inline JS, no network).

The markup is ``templates/dossier.html`` (extending ``base.html``); this module prepares what it shows:
citation numbers, links, the claim matrix and the orderings. Every piece of article text is untrusted
and is escaped by the template environment (``templates.py``). The page's Content-Security-Policy lets
only the page's own script run (by its hash): no inline script that got into the page any other way,
no script from anywhere, no network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..text import fold_space
from .common import STATUS_LABEL, Refs, claim_order, claim_sources, refs, short, sources, story_dates
from .templates import Link, render_page, safe_url

# (article id, start, end) -> href for that article (or span), or None to point at the articles list
ArticleLink = Callable[[str, int | None, int | None], str | None]

TOP_QUOTES = 12
TOP_ENTITIES = 20


def label(source: str, limit: int = 16) -> str:
    """A column label: outlet names are short; an article id standing in for one is cut."""
    return source if len(source) <= limit else source[: limit - 4] + "…"


@dataclass(frozen=True)
class MatrixRow:
    """One claim of the matrix; ``tips`` per column: the outlet's wording, or None if it does not carry it."""

    claim: dict[str, Any]
    status: str
    shared: bool
    tips: list[str | None]


@dataclass(frozen=True)
class Matrix:
    columns: list[str]
    rows: list[MatrixRow]
    counts: dict[str, int]  # claims per status
    width: int  # of the claim column, in percent


class DossierView:
    """What dossier.html shows of one dossier; ``link`` decides where article references point."""

    def __init__(self, doc: dict[str, Any], link: ArticleLink | None) -> None:
        self.doc = doc
        self.r: Refs = refs(doc)
        self.link = link
        self.story: dict[str, Any] = doc.get("story", {})

    def href(self, article: str, start: int | None = None, end: int | None = None) -> str:
        target = self.link(article, start, end) if self.link else None
        return target or f"#art-{self.r.number.get(article, 0)}"

    def cites(self, ids: list[str]) -> list[tuple[int, str, str]]:
        """(citation number, href, outlet) for each article cited."""
        return [(n, self.href(i), self.r.source.get(i, i)) for n, i in self.r.cite(ids)]

    def outlets(self, ids: list[str]) -> list[str]:
        return self.r.outlets(ids)

    def name(self, source: str, short: bool = False) -> str:
        """An outlet's name; an article id standing in for an unknown outlet reads "article N"."""
        if source in self.r.number:
            return f"{'art.' if short else 'article'} {self.r.number[source]}"
        return label(source) if short else source

    def outlet_name(self, article: str) -> str:
        return self.name(self.r.source.get(article, article))

    def status_label(self, status: str) -> str:
        return STATUS_LABEL.get(status, status)

    def meta(self) -> list[str]:
        """The line under the title: dates and counts."""
        story, claims = self.story, self.doc.get("claims", [])
        meta = [
            story_dates(story),
            f"{story.get('article_count', len(self.doc.get('articles', [])))} articles",
            f"{story.get('source_count', 0)} independent sources",
            f"{len(claims)} claims",
            f"{sum(c.get('status') == 'disputed' for c in claims)} disputed",
            f"{len(self.doc.get('conflicts', []))} conflicts",
        ]
        return [m for m in meta if m]

    def matrix(self) -> Matrix | None:
        """Claims by outlets, disputed first; None when there are no claims."""
        claims = claim_order(self.doc)
        if not claims:
            return None
        cols = sources(self.doc)
        rows = []
        for c in claims:
            status = c.get("status", "")
            rows.append(MatrixRow(c, status, status in ("disputed", "corroborated"), self._tips(c, cols)))
        counts = {k: sum(c.get("status") == k for c in claims) for k in STATUS_LABEL}
        return Matrix(cols, rows, counts, max(28, 100 - 8 * len(cols)))

    def _tips(self, claim: dict[str, Any], cols: list[str]) -> list[str | None]:
        have = claim_sources(claim, self.r)
        by_src: dict[str, list[dict[str, Any]]] = {}
        for o in claim.get("occurrences", []):
            by_src.setdefault(self.r.source.get(o["article"], o["article"]), []).append(o)
        return [
            " / ".join(short(o["text"], 200) for o in by_src.get(s, [])) if s in have else None for s in cols
        ]

    def disputed_apart(self) -> list[dict[str, Any]]:
        """Disputed claims whose wordings are not already laid out, side by side, under a conflict."""
        shown = {
            fold_space(e)
            for x in self.doc.get("conflicts", [])
            for p in x.get("positions", [])
            for e in p.get("evidence", [])
        }
        return [
            c
            for c in self.doc.get("claims", [])
            if c.get("status") == "disputed"
            and not all(fold_space(o["text"]) in shown for o in c.get("occurrences", []))
        ]

    def unique(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """(outlet, the claims only it carries), in citation order of the outlet."""
        unique = {k: v for k, v in (self.doc.get("unique") or {}).items() if v}
        claims = {c["id"]: c for c in self.doc.get("claims", [])}
        order = sorted(unique, key=lambda x: (self.r.number.get(x, 0), x.lower()))
        return [(src, [claims[cid] for cid in unique[src] if cid in claims]) for src in order]

    def quotes(self) -> list[dict[str, Any]]:
        """The most widely carried first, then the most often reworded, then dossier order."""
        qs = self.doc.get("quotes", [])
        return sorted(
            qs,
            key=lambda q: (
                -len(self.r.outlets([o["article"] for o in q["occurrences"]])),
                -len(q.get("variants", [])),
                qs.index(q),
            ),
        )

    def entities(self) -> list[dict[str, Any]]:
        """In the most articles first, then the most mentioned, then by name."""
        ents = self.doc.get("entities", [])
        return sorted(
            ents, key=lambda e: (-len(e.get("articles", [])), -e.get("mentions", 0), e["name"].lower())
        )

    def articles(self) -> list[tuple[int, dict[str, Any], str | None, str | None]]:
        """(citation number, article, where its title links or None, the outlet it copies or None)."""
        out = []
        for n, a in enumerate(self.doc.get("articles", []), 1):
            target = self.link(a["id"], None, None) if self.link else safe_url(a.get("url"))
            copy_of = self.r.source.get(a["copy_of"], a["copy_of"]) if a.get("copy_of") else None
            out.append((n, a, target, copy_of))
        return out


def render_html(doc: dict[str, Any], link: ArticleLink | None = None, nav: list[Link] | None = None) -> str:
    """The dossier page; ``nav`` links (the web app's) go above it."""
    return render_page(
        "dossier.html",
        nav=nav or [],
        v=DossierView(doc, link),
        doc=doc,
        top_quotes=TOP_QUOTES,
        top_entities=TOP_ENTITIES,
    )
