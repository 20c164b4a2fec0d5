"""Report stage: what every human-facing format derives from a dossier (numbering, matrix, outlet names)."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Claim, Dossier, StoryHead
from ..text import fold_space

STATUS_LABEL = {"corroborated": "corroborated", "single_source": "one source", "disputed": "disputed"}


@dataclass(frozen=True)
class Refs:
    """Citation numbers [1..n] in the dossier's article order, and each article's outlet."""

    number: dict[str, int]
    source: dict[str, str]

    def cite(self, ids: list[str]) -> list[tuple[int, str]]:
        """(number, article id) for each known id, in number order, without repeats."""
        seen = {article_id for article_id in ids if article_id in self.number}
        return sorted((self.number[article_id], article_id) for article_id in seen)

    def outlets(self, ids: list[str]) -> list[str]:
        return sorted({self.source.get(article_id, article_id) for article_id in ids})


def refs(doc: Dossier) -> Refs:
    return Refs(
        {article.id: number for number, article in enumerate(doc.articles, 1)},
        {article.id: article.source or article.id for article in doc.articles},
    )


def sources(doc: Dossier) -> list[str]:
    """Outlets as columns: those carrying the most claims first, then by name."""
    numbering = refs(doc)
    count: dict[str, int] = {source: 0 for source in numbering.source.values()}
    for claim in doc.claims:
        for source in claim_sources(claim, numbering):
            count[source] = count.get(source, 0) + 1
    return sorted(count, key=lambda source: (-count[source], source.lower()))


def claim_sources(claim: Claim, numbering: Refs) -> set[str]:
    """Outlets whose articles carry a claim (occurrences, plus the claim's own source list)."""
    found = {numbering.source.get(occ.article, occ.article) for occ in claim.occurrences}
    return found | set(claim.sources)


def claim_order(doc: Dossier) -> list[Claim]:
    """Disputed first, then the most widely carried, then dossier order."""
    rank = {"disputed": 0, "corroborated": 1, "single_source": 2}
    numbering = refs(doc)
    position = {id(claim): order for order, claim in enumerate(doc.claims)}
    return sorted(
        doc.claims,
        key=lambda claim: (
            rank.get(claim.status, 3),
            -len(claim_sources(claim, numbering)),
            position[id(claim)],
        ),
    )


def story_dates(story: StoryHead) -> str:
    first, last = (story.first_published or "")[:10], (story.last_published or "")[:10]
    if first and last and first != last:
        return f"{first} – {last}"
    return first or last


def short(text: str, limit: int = 160) -> str:
    text = fold_space(text)
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
