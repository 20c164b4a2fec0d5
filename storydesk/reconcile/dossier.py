"""Reconcile stage: assemble one story's dossier (storydesk.dossier/1) from its articles and analyses."""

from __future__ import annotations

from ..embed import VectorStore
from ..models import (
    DOSSIER_SCHEMA,
    Analysis,
    Article,
    ArticleRef,
    Claim,
    Conflict,
    Dossier,
    Story,
    StoryHead,
    SummarySentence,
)
from ..text import fold_text
from .claims import build_claims, unique_by_source
from .common import Context
from .conflicts import date_conflicts, number_conflicts, role_conflicts
from .entities import attach_roles, resolve_entities
from .quotes import reconcile_quotes
from .timeline import build_timeline

SCHEMA = DOSSIER_SCHEMA
# Kinds whose flags were judged right at least 80% of the time by reading (bench/conflicts_judged.py,
# labels in tests/reconcile/data/conflict_labels.jsonl). None is yet: on ECB+ train/dev and AllSides
# every kind measured below 0.8 (docs/BENCHMARKS.md), so every conflict is shown as a possible one.
CONFIDENT_KINDS: frozenset[str] = frozenset()
_KIND_ORDER = {"denial": 0, "number": 1, "date": 2, "role": 3, "entity": 4, "quote": 5}


def _article(article: Article) -> ArticleRef:
    return ArticleRef(
        id=article.id,
        source=article.source or article.id,
        title=article.title,
        published=article.published,
        url=article.url,
        path=article.path,
        words=article.words or len(article.text.split()),
        copy_of=article.copy_of,
    )


def _outvoted(conflicts: list[Conflict]) -> set[str]:
    """Evidence of the positions fewer articles take in a number, date or role conflict.

    The summary states what the outlets agree on, so a sentence carrying the minority reading of a
    conflicted fact (a wrong title, an odd count) is left to the conflicts section.
    """
    out: set[str] = set()
    for conflict in conflicts:
        if conflict.kind not in {"number", "date", "role"}:
            continue
        most = max(len(position.articles) for position in conflict.positions)
        for position in conflict.positions:
            if len(position.articles) < most:
                out |= {fold_text(sentence) for sentence in position.evidence}
    return out


def _summary(ctx: Context, claims: list[Claim], conflicts: list[Conflict]) -> list[SummarySentence]:
    """The summary writer's pick (reconcile/summary.py), cited by article."""
    try:
        from .summary import summarize
    except ImportError:  # the summary stage is not installed: the dossier stays valid without it
        return []
    with ctx.encoding():  # the summary's sentences are mostly the claims' already encoded
        return summarize(ctx.articles, ctx.analyses, claims, max_sentences=8, avoid=_outvoted(conflicts))


def _ranked(conflicts: list[Conflict]) -> list[Conflict]:
    """Every kind of conflict in one order, each marked with how far its kind is to be trusted."""
    conflicts.sort(key=lambda conflict: (_KIND_ORDER[conflict.kind], conflict.subject, conflict.id))
    for conflict in conflicts:
        conflict.certainty = "likely" if conflict.kind in CONFIDENT_KINDS else "possible"
    return conflicts


def _head(story: Story, ctx: Context) -> StoryHead:
    published = sorted(article.published for article in ctx.articles if article.published)
    return StoryHead(
        id=story.id,
        title=story.title,
        first_published=published[0] if published else None,
        last_published=published[-1] if published else None,
        article_count=len(ctx.articles),
        source_count=len(ctx.sources([article.id for article in ctx.articles])),
    )


def assemble(
    story: Story,
    articles: list[Article],
    analyses: dict[str, Analysis],
    kept_vectors: VectorStore | None = None,
) -> Dossier:
    """The dossier of one story: same input, same dossier (everything sorted by stable keys).

    ``kept_vectors`` (the store) keeps the sentence vectors between builds."""
    ctx = Context(list(articles), dict(analyses), kept_vectors)
    index = resolve_entities(ctx)
    attach_roles(ctx, index, [role for article in ctx.articles for role in ctx.analyses[article.id].roles])
    quotes, quote_conflicts = reconcile_quotes(ctx, index)
    claims, denials, units, groups = build_claims(ctx, index)
    conflicts = _ranked(
        denials
        + number_conflicts(ctx)
        + date_conflicts(ctx, units, groups)
        + role_conflicts(ctx, index)
        + quote_conflicts
    )
    return Dossier(
        story=_head(story, ctx),
        articles=[_article(article) for article in ctx.articles],
        entities=[entity.public() for entity in index.entities],
        quotes=quotes,
        claims=claims,
        conflicts=conflicts,
        timeline=build_timeline(ctx),
        summary=_summary(ctx, claims, conflicts),
        unique=unique_by_source(claims),
    )
