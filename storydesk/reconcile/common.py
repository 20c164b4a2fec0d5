"""Reconcile stage: shared context (articles, analyses, sources, sentence embeddings) and text folding."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from anyascii import anyascii

from ..models import Analysis, Article, Sentence

_QUOTE_MAP = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"',
                            "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "″": '"'})
_WS = re.compile(r"\s+")
_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")
# Photo credits and captions that cleaning may have left in a body: never a claim, quote or event.
_CREDIT = re.compile(
    r"(getty images|/afp\b|afp via|reuters/|/reuters\b|/ap\b|ap photo|/pool\b|\bpool/|\bphoto(graph)?:|"
    r"\bfile photo\b|\bin this (pool )?(photo|photograph|image|picture)|\bcredit:|all rights reserved)",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    """Fold white space and typographic quotes: the form grounding is checked in."""
    return _WS.sub(" ", text.translate(_QUOTE_MAP)).strip()


class UnionFind:
    """Disjoint sets over any sortable keys; a set's root is its smallest key, so results are stable."""

    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def short_hash(*parts: object, n: int = 10) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:n]


def ascii_fold(text: str) -> str:
    """Lowercase ASCII form for matching (transliterations and accents fold together)."""
    return _WS.sub(" ", anyascii(text).lower()).strip()


def quote_share(text: str) -> float:
    """Share of the characters that stand inside quotation marks."""
    inside = sum(len(m.group(0)) for m in _QUOTED.finditer(text))
    return inside / max(1, len(text))


def is_credit(text: str) -> bool:
    return bool(_CREDIT.search(text))


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
    _vec_cache: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # by publication, undated articles last, then by id
        self.articles = sorted(self.articles, key=lambda a: (a.published is None, a.published or "", a.id))
        self.by_id = {a.id: a for a in self.articles}
        for a in self.articles:
            self.analyses.setdefault(a.id, Analysis(article_id=a.id))

    def source_of(self, article_id: str) -> str:
        """Independent source: a syndicated copy counts as its original's outlet."""
        art = self.by_id[article_id]
        seen: set[str] = set()
        while art.copy_of and art.copy_of in self.by_id and art.copy_of not in seen:
            seen.add(art.copy_of)
            art = self.by_id[art.copy_of]
        return art.source or art.id

    def sources(self, article_ids: list[str] | set[str]) -> list[str]:
        return sorted({self.source_of(a) for a in article_ids})

    def order(self, article_id: str) -> int:
        return self.article_rank[article_id]

    @cached_property
    def article_rank(self) -> dict[str, int]:
        return {a.id: i for i, a in enumerate(self.articles)}

    def sentences(self, article_id: str) -> list[Sentence]:
        return self._sentences.get(article_id, [])

    @cached_property
    def _sentences(self) -> dict[str, list[Sentence]]:
        out = {}
        for a in self.articles:
            sents = sorted(self.analyses[a.id].sentences, key=lambda s: s.start)
            if not sents:
                from .summary import split_sentences

                sents = split_sentences(a)
            out[a.id] = sents
        return out

    def sentence_at(self, article_id: str, pos: int) -> Sentence | None:
        """The sentence holding character ``pos`` of an article."""
        for s in self.sentences(article_id):
            if s.start <= pos < s.end:
                return s
        return None

    def span_text(self, article_id: str, start: int, end: int) -> str:
        return self.by_id[article_id].text[start:end]

    def vectors(self, texts: list[str]) -> np.ndarray:
        """Embeddings of texts, each encoded once per story (the cache is shared with the summary)."""
        from ..embed import encode, reuse

        with reuse(self._vec_cache):
            return encode(texts)
