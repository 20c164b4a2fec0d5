"""Report stage: what every human-facing format derives from a dossier (numbering, matrix, outlet names)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..text import fold_space

STATUS_LABEL = {"corroborated": "corroborated", "single_source": "one source", "disputed": "disputed"}


@dataclass(frozen=True)
class Refs:
    """Citation numbers [1..n] in the dossier's article order, and each article's outlet."""

    number: dict[str, int]
    source: dict[str, str]

    def cite(self, ids: list[str]) -> list[tuple[int, str]]:
        """(number, article id) for each known id, in number order, without repeats."""
        seen = {i for i in ids if i in self.number}
        return sorted((self.number[i], i) for i in seen)

    def outlets(self, ids: list[str]) -> list[str]:
        return sorted({self.source.get(i, i) for i in ids})


def refs(doc: dict[str, Any]) -> Refs:
    arts = doc.get("articles", [])
    return Refs(
        {a["id"]: n for n, a in enumerate(arts, 1)}, {a["id"]: a.get("source") or a["id"] for a in arts}
    )


def sources(doc: dict[str, Any]) -> list[str]:
    """Outlets as columns: those carrying the most claims first, then by name."""
    r = refs(doc)
    count: dict[str, int] = {s: 0 for s in r.source.values()}
    for c in doc.get("claims", []):
        for s in claim_sources(c, r):
            count[s] = count.get(s, 0) + 1
    return sorted(count, key=lambda s: (-count[s], s.lower()))


def claim_sources(claim: dict[str, Any], r: Refs) -> set[str]:
    """Outlets whose articles carry a claim (occurrences, plus the claim's own source list)."""
    found = {r.source.get(o["article"], o["article"]) for o in claim.get("occurrences", [])}
    return found | set(claim.get("sources", []))


def claim_order(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Disputed first, then the most widely carried, then dossier order."""
    rank = {"disputed": 0, "corroborated": 1, "single_source": 2}
    r = refs(doc)
    claims = list(doc.get("claims", []))
    return sorted(
        claims,
        key=lambda c: (rank.get(c.get("status", ""), 3), -len(claim_sources(c, r)), claims.index(c)),
    )


def story_dates(story: dict[str, Any]) -> str:
    first, last = (story.get("first_published") or "")[:10], (story.get("last_published") or "")[:10]
    if first and last and first != last:
        return f"{first} – {last}"
    return first or last


def short(text: str, limit: int = 160) -> str:
    text = fold_space(text)
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
