"""Shared helpers for the analyze tests: analyse once per text (spaCy loads once per session)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from conftest import SEEDS
from storydesk.analyze import analyze_article
from storydesk.models import Analysis, Article

_HEADER = re.compile(r"\s*date (\d{4}-\d\d-\d\d)\s+")


@lru_cache(maxsize=256)
def analyse(text: str, published: str | None = "2025-12-02") -> Analysis:
    return analyze_article(Article(id="t", text=text, source="test", published=published))


def seed_article(prefix: str) -> Article:
    """A seed file as ingest would give it: the ' date YYYY-MM-DD ' header read as the publication date."""
    path = next(p for p in sorted(Path(SEEDS).glob("*.txt")) if p.name.startswith(prefix))
    raw = path.read_text(encoding="utf-8")
    m = _HEADER.match(raw)
    return Article(
        id=path.stem, text=raw[m.end() :] if m else raw, source=path.stem, published=m.group(1) if m else None
    )


@lru_cache(maxsize=8)
def seed_analysis(prefix: str) -> Analysis:
    return analyze_article(seed_article(prefix))
