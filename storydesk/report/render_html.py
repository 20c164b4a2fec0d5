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
from typing import TYPE_CHECKING

from ..models import ArticleRef, Claim, Dossier, StoryEntity, StoryHead, StoryQuote
from ..text import fold_space
from .common import STATUS_LABEL, Refs, claim_order, claim_sources, refs, short, sources, story_dates
from .templates import Link, render_page, safe_url

if TYPE_CHECKING:
    from .leaning import Split

# (article id, start, end) -> href for that article (or span), or None to point at the articles list
ArticleLink = Callable[[str, int | None, int | None], str | None]
# story entity id -> href of its page across stories, or None
EntityLink = Callable[[str], str | None]

TOP_QUOTES = 12
TOP_ENTITIES = 20


def label(source: str, limit: int = 16) -> str:
    """A column label: outlet names are short; an article id standing in for one is cut."""
    return source if len(source) <= limit else source[: limit - 4] + "…"


@dataclass(frozen=True)
class MatrixRow:
    """One claim of the matrix; ``tips`` per column: the outlet's wording, or None if it does not carry it."""

    claim: Claim
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

    def __init__(self, doc: Dossier, link: ArticleLink | None, entity_link: EntityLink | None = None) -> None:
        self.doc = doc
        self.r: Refs = refs(doc)
        self.link = link
        self.entity_link = entity_link
        self.story: StoryHead = doc.story

    def entity_href(self, entity_id: str) -> str | None:
        """Where a story entity's page across stories is (the web app's), or None."""
        return self.entity_link(entity_id) if self.entity_link else None

    def href(self, article: str, start: int | None = None, end: int | None = None) -> str:
        target = self.link(article, start, end) if self.link else None
        return target or f"#art-{self.r.number.get(article, 0)}"

    def cites(self, ids: list[str]) -> list[tuple[int, str, str]]:
        """(citation number, href, outlet) for each article cited."""
        return [
            (number, self.href(article_id), self.r.source.get(article_id, article_id))
            for number, article_id in self.r.cite(ids)
        ]

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
        story, claims = self.story, self.doc.claims
        meta = [
            story_dates(story),
            f"{story.article_count} articles",
            f"{story.source_count} independent sources",
            f"{len(claims)} claims",
            f"{sum(claim.status == 'disputed' for claim in claims)} disputed",
            f"{len(self.doc.conflicts)} conflicts",
        ]
        return [item for item in meta if item]

    def matrix(self) -> Matrix | None:
        """Claims by outlets, disputed first; None when there are no claims."""
        claims = claim_order(self.doc)
        if not claims:
            return None
        cols = sources(self.doc)
        rows = []
        for claim in claims:
            status = claim.status
            shared = status in ("disputed", "corroborated")
            rows.append(MatrixRow(claim, status, shared, self._tips(claim, cols)))
        counts = {status: sum(claim.status == status for claim in claims) for status in STATUS_LABEL}
        return Matrix(cols, rows, counts, max(28, 100 - 8 * len(cols)))

    def _tips(self, claim: Claim, cols: list[str]) -> list[str | None]:
        have = claim_sources(claim, self.r)
        by_src: dict[str, list[str]] = {}
        for occ in claim.occurrences:
            by_src.setdefault(self.r.source.get(occ.article, occ.article), []).append(occ.text)
        return [
            " / ".join(short(text, 200) for text in by_src.get(source, [])) if source in have else None
            for source in cols
        ]

    def disputed_apart(self) -> list[Claim]:
        """Disputed claims whose wordings are not already laid out, side by side, under a conflict."""
        shown = {
            fold_space(sentence)
            for conflict in self.doc.conflicts
            for position in conflict.positions
            for sentence in position.evidence
        }
        return [
            claim
            for claim in self.doc.claims
            if claim.status == "disputed"
            and not all(fold_space(occ.text) in shown for occ in claim.occurrences)
        ]

    def unique(self) -> list[tuple[str, list[Claim]]]:
        """(outlet, the claims only it carries), in citation order of the outlet."""
        unique = {source: claim_ids for source, claim_ids in self.doc.unique.items() if claim_ids}
        claims = {claim.id: claim for claim in self.doc.claims}
        order = sorted(unique, key=lambda source: (self.r.number.get(source, 0), source.lower()))
        return [(src, [claims[cid] for cid in unique[src] if cid in claims]) for src in order]

    def quotes(self) -> list[StoryQuote]:
        """The most widely carried first, then the most often reworded, then dossier order."""
        position = {id(quote): rank for rank, quote in enumerate(self.doc.quotes)}
        return sorted(
            self.doc.quotes,
            key=lambda quote: (
                -len(self.r.outlets([occ.article for occ in quote.occurrences])),
                -len(quote.variants),
                position[id(quote)],
            ),
        )

    def entities(self) -> list[StoryEntity]:
        """In the most articles first, then the most mentioned, then by name."""
        return sorted(
            self.doc.entities,
            key=lambda entity: (-len(entity.articles), -entity.mentions, entity.name.lower()),
        )

    def articles(self) -> list[tuple[int, ArticleRef, str | None, str | None]]:
        """(citation number, article, where its title links or None, the outlet it copies or None)."""
        out = []
        for number, article in enumerate(self.doc.articles, 1):
            target = self.link(article.id, None, None) if self.link else safe_url(article.url)
            copy_of = self.r.source.get(article.copy_of, article.copy_of) if article.copy_of else None
            out.append((number, article, target, copy_of))
        return out


def render_html(
    doc: Dossier,
    link: ArticleLink | None = None,
    nav: list[Link] | None = None,
    entity_link: EntityLink | None = None,
    leaning: Split | None = None,
) -> str:
    """The dossier page; ``nav`` links (the web app's) go above it; ``entity_link`` links entity names;
    ``leaning``: the story's split by leaning, shown under the title (when the user loaded ratings)."""
    return render_page(
        "dossier.html",
        nav=nav or [],
        v=DossierView(doc, link, entity_link),
        doc=doc,
        top_quotes=TOP_QUOTES,
        top_entities=TOP_ENTITIES,
        leaning=leaning,
    )
