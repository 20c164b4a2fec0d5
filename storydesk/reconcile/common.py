"""Reconcile stage: shared context (articles, analyses, sources, sentence embeddings) and span helpers.

Text folds, hashes, disjoint sets and credit wording, which other stages share, live in
``storydesk.text``, ``storydesk.ids``, ``storydesk.groups`` and ``storydesk.credits``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..embed import VectorStore
from ..models import Analysis, Article, Sentence


def source_of(article: Article, by_id: dict[str, Article]) -> str:
    """Independent source: a syndicated copy counts as its original's outlet (``by_id``: the story's
    articles)."""
    seen: set[str] = set()
    while article.copy_of and article.copy_of in by_id and article.copy_of not in seen:
        seen.add(article.copy_of)
        article = by_id[article.copy_of]
    return article.source or article.id


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so that it neither begins nor ends with white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass
class Context:
    """One story's inputs, with lookups every reconcile part shares."""

    articles: list[Article]
    analyses: dict[str, Analysis]
    kept_vectors: VectorStore | None = None  # the store's vector cache, when there is a store
    _vec_cache: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # by publication, undated articles last, then by id
        self.articles = sorted(
            self.articles,
            key=lambda article: (article.published is None, article.published or "", article.id),
        )
        self.by_id = {article.id: article for article in self.articles}
        for article in self.articles:
            self.analyses.setdefault(article.id, Analysis(article_id=article.id))

    def source_of(self, article_id: str) -> str:
        """Independent source: a syndicated copy counts as its original's outlet."""
        return source_of(self.by_id[article_id], self.by_id)

    def sources(self, article_ids: list[str] | set[str]) -> list[str]:
        return sorted({self.source_of(article_id) for article_id in article_ids})

    def order(self, article_id: str) -> int:
        return self.article_rank[article_id]

    @cached_property
    def article_rank(self) -> dict[str, int]:
        return {article.id: i for i, article in enumerate(self.articles)}

    def sentences(self, article_id: str) -> list[Sentence]:
        return self._sentences.get(article_id, [])

    @cached_property
    def _sentences(self) -> dict[str, list[Sentence]]:
        out = {}
        for article in self.articles:
            sents = sorted(self.analyses[article.id].sentences, key=lambda sentence: sentence.start)
            if not sents:
                from .summary import split_sentences

                sents = split_sentences(article)
            out[article.id] = sents
        return out

    def sentence_at(self, article_id: str, pos: int) -> Sentence | None:
        """The sentence holding character ``pos`` of an article."""
        for sentence in self.sentences(article_id):
            if sentence.start <= pos < sentence.end:
                return sentence
        return None

    def span_text(self, article_id: str, start: int, end: int) -> str:
        return self.by_id[article_id].text[start:end]

    def vectors(self, texts: list[str]) -> np.ndarray:
        """Embeddings of texts, each encoded once per story (the cache is shared with the summary)."""
        from ..embed import encode

        with self.encoding():
            return encode(texts)

    @contextmanager
    def encoding(self) -> Iterator[None]:
        """Within the block every ``embed.encode`` reads the story's cache, then the store's."""
        from ..embed import reuse

        with reuse(self._vec_cache, self.kept_vectors):
            yield
