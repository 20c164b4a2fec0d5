"""Reconcile stage: assemble one story's dossier (storydesk.dossier/1) from its articles and analyses."""

from __future__ import annotations

from typing import Any

from ..models import Analysis, Article, Story
from ..text import fold_text
from .claims import build_claims, unique_by_source
from .common import Context
from .conflicts import date_conflicts, number_conflicts, role_conflicts
from .entities import attach_roles, resolve_entities
from .quotes import reconcile_quotes
from .timeline import build_timeline

SCHEMA = "storydesk.dossier/1"
# Kinds whose flags were judged right at least 80% of the time by reading (bench/conflicts_judged.py,
# labels in tests/reconcile/data/conflict_labels.jsonl). None is yet: on ECB+ train/dev and AllSides
# every kind measured below 0.8 (docs/BENCHMARKS.md), so every conflict is shown as a possible one.
CONFIDENT_KINDS: frozenset[str] = frozenset()
_KIND_ORDER = {"denial": 0, "number": 1, "date": 2, "role": 3, "entity": 4, "quote": 5}


def _article(a: Article) -> dict[str, Any]:
    return {
        "id": a.id,
        "source": a.source or a.id,
        "title": a.title,
        "published": a.published,
        "url": a.url,
        "path": a.path,
        "words": a.words or len(a.text.split()),
        "copy_of": a.copy_of,
    }


def _outvoted(conflicts: list[dict]) -> set[str]:
    """Evidence of the positions fewer articles take in a number, date or role conflict.

    The summary states what the outlets agree on, so a sentence carrying the minority reading of a
    conflicted fact (a wrong title, an odd count) is left to the conflicts section.
    """
    out: set[str] = set()
    for c in conflicts:
        if c["kind"] not in {"number", "date", "role"}:
            continue
        most = max(len(p["articles"]) for p in c["positions"])
        for p in c["positions"]:
            if len(p["articles"]) < most:
                out |= {fold_text(e) for e in p.get("evidence", [])}
    return out


def _summary(ctx: Context, claims: list[dict], conflicts: list[dict]) -> list[dict]:
    """The summary writer's pick (reconcile/summary.py), cited by article."""
    try:
        from .summary import summarize
    except ImportError:  # the summary stage is not installed: the dossier stays valid without it
        return []
    from ..embed import reuse

    with reuse(ctx._vec_cache):  # the summary's sentences are mostly the claims' already encoded
        return summarize(ctx.articles, ctx.analyses, claims, max_sentences=8, avoid=_outvoted(conflicts))


def assemble(story: Story, articles: list[Article], analyses: dict[str, Analysis]) -> dict[str, Any]:
    """The dossier of one story: same input, same dossier (everything sorted by stable keys)."""
    ctx = Context(list(articles), dict(analyses))
    index = resolve_entities(ctx)
    attach_roles(ctx, index, [r for a in ctx.articles for r in ctx.analyses[a.id].roles])
    quotes, quote_conflicts = reconcile_quotes(ctx, index)
    claims, denials, units, groups = build_claims(ctx, index)
    conflicts = (
        denials
        + number_conflicts(ctx)
        + date_conflicts(ctx, units, groups)
        + role_conflicts(ctx, index)
        + quote_conflicts
    )
    conflicts.sort(key=lambda c: (_KIND_ORDER[c["kind"]], c["subject"], c["id"]))
    for conflict in conflicts:
        conflict["certainty"] = "likely" if conflict["kind"] in CONFIDENT_KINDS else "possible"
    published = sorted(a.published for a in ctx.articles if a.published)
    return {
        "schema": SCHEMA,
        "story": {
            "id": story.id,
            "title": story.title,
            "first_published": published[0] if published else None,
            "last_published": published[-1] if published else None,
            "article_count": len(ctx.articles),
            "source_count": len(ctx.sources([a.id for a in ctx.articles])),
        },
        "articles": [_article(a) for a in ctx.articles],
        "entities": [e.to_dict() for e in index.entities],
        "quotes": quotes,
        "claims": claims,
        "conflicts": conflicts,
        "timeline": build_timeline(ctx),
        "summary": _summary(ctx, claims, conflicts),
        "unique": unique_by_source(claims),
    }
