"""Analyze stage: sentences, entities, roles, quotes, quantities, statements and dates for each article.

from storydesk.analyze import analyze_article, analyze_store
analysis = analyze_article(article)          # one Article -> Analysis (offsets into article.text)
n = analyze_store(store)                     # only new or changed articles; returns how many
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Iterator, Sequence

from tqdm import tqdm

from ..ids import article_hash
from ..models import Analysis, Article
from ..store import Store

# Bump when the analysis output changes, so stored analyses are redone.
ANALYSIS_VERSION = "4"
# Below this many articles a second process costs more to start than it saves.
MIN_FOR_PROCESSES = 12

log = logging.getLogger(__name__)

__all__ = ["ANALYSIS_VERSION", "analyze_article", "analyze_articles", "analyze_store"]


def analyze_article(article: Article) -> Analysis:
    """Analyse one article in this process."""
    return next(analyze_articles([article], n_process=1))


def analyze_articles(articles: Iterable[Article], n_process: int | None = None) -> Iterator[Analysis]:
    """Analyses of many articles, in order; two processes for larger batches unless ``n_process`` says."""
    from .convert import doc_to_analysis
    from .parts import join_parts
    from .pipeline import run

    if n_process is None:
        articles = list(articles)
        n_process = min(2, os.cpu_count() or 1) if len(articles) >= MIN_FOR_PROCESSES else 1
    for article, parts in run(articles, n_process=n_process):
        if len(parts) == 1:
            yield doc_to_analysis(parts[0][1], article.id)
        else:
            yield join_parts(article.id, [(start, doc_to_analysis(doc, article.id)) for start, doc in parts])


def _pending(store: Store, ids: Sequence[str]) -> list[str]:
    """The ids whose stored analysis is missing, of another text, or of another analysis version."""
    state = store.analysis_state()
    out = []
    for aid in ids:
        meta = store.article_meta(aid)
        if meta is None:
            continue
        stored_hash = meta["content_hash"] or article_hash(store.get_article(aid))
        if state.get(aid) != (stored_hash, ANALYSIS_VERSION):
            out.append(aid)
    return out


def analyze_store(store: Store, ids: Sequence[str] | None = None, progress: bool | None = None) -> int:
    """Analyse the stored articles that are new or changed since their stored analysis; return how many.

    Articles stream from the store to spaCy (two processes when there are enough of them) and each
    analysis is saved as soon as it is done, so an interrupted run keeps what it finished.
    """
    pending = _pending(store, list(ids) if ids is not None else store.article_ids())
    if not pending:
        return 0
    show = sys.stderr.isatty() if progress is None else progress
    n_process = min(2, os.cpu_count() or 1) if len(pending) >= MIN_FOR_PROCESSES else 1
    log.debug("analysing %d articles in %d process(es)", len(pending), n_process)
    hashes: dict[str, str] = {}

    def stream() -> Iterator[Article]:
        for article in store.iter_articles(pending):
            hashes[article.id] = article_hash(article)
            yield article

    done = 0
    with tqdm(total=len(pending), desc="analyze", unit="article", disable=not show) as bar:
        for analysis in analyze_articles(stream(), n_process=n_process):
            store.save_analysis(analysis, hashes.pop(analysis.article_id), ANALYSIS_VERSION)
            done += 1
            bar.update(1)
    return done
