"""Ingest stage, limits: how much one input may hold, in one place, with the reasons shown when it holds more."""

from __future__ import annotations

MAX_BYTES = 20_000_000  # one file, page, feed, JSON line or record as read: above this it is not read
MAX_CHARS = 1_000_000  # one article's clean text: spaCy's nlp.max_length, which analysis cannot exceed
MAX_BAD_SHARE = 0.02  # a decoded text with more replaced (undecodable) characters than this is not text


def oversized_input(what: str) -> str:
    return f"oversized {what}: over {MAX_BYTES // 1_000_000} MB, the limit of one input"


def too_long_article(chars: int) -> str:
    return (f"too long: {chars:,} characters of clean text, over the {MAX_CHARS:,} one article may hold; "
            "split it into several articles (at its chapters or sections) and ingest those")
