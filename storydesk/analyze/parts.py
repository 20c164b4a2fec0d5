"""Analyze stage: a text too long to parse at once, analysed in parts cut at paragraph breaks.

spaCy refuses texts over ``nlp.max_length`` (1,000,000 characters) and its parser's memory grows with
the text, so a long text is cut into parts of at most ``PART_CHARS``, each analysed alone; the parts'
analyses are then joined into one, with offsets, sentence and paragraph numbers moved to the whole text.
"""

from __future__ import annotations

from dataclasses import fields, replace

from ..models import Analysis
from ..store import ANALYSIS_TABLES

PART_CHARS = 100_000  # far above any news article; only an archive dump or a book is cut
# Where a part may end, best first: a paragraph break, a line break, a sentence end, a space.
_BREAKS = ("\n\n", "\n", ". ", " ")
_OFFSET_FIELDS = ("start", "end", "person_start", "person_end", "speaker_start", "speaker_end")


def part_bounds(text: str, limit: int = PART_CHARS) -> list[tuple[int, int]]:
    """(start, end) of the parts of ``text``: one part when it fits, else cuts at the best break."""
    bounds, start = [], 0
    while len(text) - start > limit:
        end = _cut(text, start, start + limit)
        bounds.append((start, end))
        start = end
    bounds.append((start, len(text)))
    return bounds


def _cut(text: str, start: int, stop: int) -> int:
    """The end of a part starting at ``start``: after the last break before ``stop`` in its second half."""
    for mark in _BREAKS:
        at = text.rfind(mark, start + (stop - start) // 2, stop)
        if at >= 0:
            return at + len(mark)
    return stop


def join_parts(article_id: str, parts: list[tuple[int, Analysis]]) -> Analysis:
    """One Analysis of the whole text from (part start, analysis of the part) in text order."""
    whole = Analysis(article_id)
    for offset, part in parts:
        sentences_before = len(whole.sentences)
        paragraphs_before = whole.sentences[-1].paragraph + 1 if whole.sentences else 0
        for name in ANALYSIS_TABLES:
            moved = [
                _moved(item, offset, sentences_before, paragraphs_before) for item in getattr(part, name)
            ]
            getattr(whole, name).extend(moved)
    return whole


def _moved(item: object, offset: int, sentences_before: int, paragraphs_before: int) -> object:
    """``item`` with its offsets into a part moved to offsets into the whole text."""
    names = {field.name for field in fields(item)}  # type: ignore[arg-type]
    changes = {
        name: getattr(item, name) + offset
        for name in _OFFSET_FIELDS
        if name in names and getattr(item, name) is not None
    }
    if "sentence" in names:
        changes["sentence"] = item.sentence + sentences_before  # type: ignore[attr-defined]
    if "index" in names:
        changes["index"] = item.index + sentences_before  # type: ignore[attr-defined]
    if "paragraph" in names:
        changes["paragraph"] = item.paragraph + paragraphs_before  # type: ignore[attr-defined]
    return replace(item, **changes)  # type: ignore[type-var]
