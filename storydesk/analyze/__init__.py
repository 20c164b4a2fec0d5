"""Analyze stage: sentences, entities, roles, quotes, quantities, statements and dates for each article.

    from storydesk.analyze import analyze_article, analyze_store
    analysis = analyze_article(article)          # one Article -> Analysis (offsets into article.text)
    n = analyze_store(store)                     # only new or changed articles; returns how many
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence

from tqdm import tqdm

from ..models import Analysis, Article
from ..store import Store

# Bump when the analysis output changes, so stored analyses are redone.
ANALYSIS_VERSION = "1"
SAVE_EVERY = 32
# Below this many articles a second process costs more to start than it saves.
MIN_FOR_PROCESSES = 12

__all__ = ["ANALYSIS_VERSION", "analyze_article", "analyze_articles", "analyze_store"]


def content_hash(article: Article) -> str:
    return article.content_hash or hashlib.sha1(article.text.encode("utf-8")).hexdigest()


def analyze_article(article: Article) -> Analysis:
    """Analyse one article in this process."""
    from .convert import doc_to_analysis
    from .pipeline import get_nlp, make_doc

    nlp = get_nlp()
    return doc_to_analysis(nlp(make_doc(nlp, article)), article.id)


def analyze_articles(articles: Sequence[Article], n_process: int | None = None):
    """Analyses of many articles, in order, on up to two processes for larger batches."""
    from .convert import doc_to_analysis
    from .pipeline import run

    if n_process is None:
        n_process = min(2, os.cpu_count() or 1) if len(articles) >= MIN_FOR_PROCESSES else 1
    for article, doc in run(articles, n_process=n_process):
        yield doc_to_analysis(doc, article.id)


def analyze_store(store: Store, ids: Sequence[str] | None = None, progress: bool | None = None) -> int:
    """Analyse the stored articles that are new or changed since their stored analysis; return how many."""
    state = store.analysis_state()
    wanted = list(ids) if ids is not None else store.article_ids()
    pending: list[Article] = []
    for article in store.iter_articles(wanted):
        if state.get(article.id) != (content_hash(article), ANALYSIS_VERSION):
            pending.append(article)
    if not pending:
        return 0
    show = sys.stderr.isatty() if progress is None else progress
    hashes = {a.id: content_hash(a) for a in pending}
    done = 0
    with tqdm(total=len(pending), desc="analyze", unit="article", disable=not show) as bar:
        for analysis in analyze_articles(pending):
            store.save_analysis(analysis, hashes[analysis.article_id], ANALYSIS_VERSION)
            done += 1
            bar.update(1)
    return done
