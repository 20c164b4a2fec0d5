"""Ids and hashes: the digests that name articles, texts and a dossier's items, each defined once.

Stored values depend on these exact definitions (article ids, ``articles.content_hash``, the ids of a
dossier's items), so a change to one is a change to every database and dossier written before.
(The copy index's band keys and the clustering's term ids are hashes of that stage's own.)

- ``content_hash``: sha256 of an article's clean text with white space folded, so paragraphing alone
  does not change it. Ingest stores it as ``articles.content_hash``; analyses and the copy index are
  keyed by it (``article_hash``), so a changed text is analysed again.
- ``article_id_hash``: the first digits of the sha256 of a text, the hashed part of an article id made
  from a URL, an unusable record id or the raw input.
- ``short_hash``: the first digits of the sha1 of some parts: the ids of stories and of a dossier's
  entities, claims, quotes and conflicts, and cache keys.
"""

from __future__ import annotations

import hashlib

from .models import Article
from .text import fold_space


def _sha256(data: str | bytes) -> str:
    """Hex sha256 of bytes, or of a text as UTF-8 (a lone surrogate is encoded, not refused)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def content_hash(text: str) -> str:
    """sha256 of the clean text with white space folded, so paragraphing alone does not change it."""
    return _sha256(fold_space(text))


def article_hash(article: Article) -> str:
    """The content hash of an article: the one ingest stored, else that of its text."""
    return article.content_hash or content_hash(article.text)


def article_id_hash(text: str | bytes, n: int = 12) -> str:
    """The first ``n`` hex digits of the sha256 of a text: the hashed part of an article id."""
    return _sha256(text)[:n]


def short_hash(*parts: object, n: int = 10) -> str:
    """The first ``n`` hex digits of the sha1 of the parts, as text joined by U+001F: a stable short id."""
    return hashlib.sha1("\x1f".join(str(part) for part in parts).encode("utf-8")).hexdigest()[:n]
