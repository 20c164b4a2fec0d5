"""Analyze stage: sentence boundaries at line breaks, and paragraph numbering."""

from __future__ import annotations

import bisect
import re

from spacy.language import Language
from spacy.tokens import Doc

_BREAK = re.compile(r"\n\s*")


@Language.component("storydesk_paragraphs")
def paragraph_breaks(doc: Doc) -> Doc:
    """Reads token text; writes Token.is_sent_start=True on the first token after a line break.

    Runs before the parser, which keeps preset boundaries: a paragraph break always ends a sentence.
    """
    after_break = True
    for tok in doc:
        if tok.is_space:
            after_break = after_break or "\n" in tok.text
            continue
        if after_break and tok.i > 0:
            tok.is_sent_start = True
        after_break = False
    return doc


def paragraph_starts(text: str) -> list[int]:
    """Character offsets where each paragraph (a run of text between line breaks) begins."""
    return [0] + [match.end() for match in _BREAK.finditer(text)]


def paragraph_of(starts: list[int], offset: int) -> int:
    return max(0, bisect.bisect_right(starts, offset) - 1)


def trimmed(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Token range without leading/trailing whitespace tokens."""
    while start < end and doc[start].is_space:
        start += 1
    while end > start and doc[end - 1].is_space:
        end -= 1
    return start, end


_OPENING = frozenset("“‘«„([{")


def sentence_ranges(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges of the sentences, with punctuation glued to a sentence's end kept with it.

    The parser may start a sentence at a closing quotation mark written right after the full stop
    ("... alive.” Then") and end one with an opening mark; marks go with the words they touch.
    """
    ranges = [list(trimmed(doc, sent.start, sent.end)) for sent in doc.sents]
    ranges = [bounds for bounds in ranges if bounds[0] < bounds[1]]
    for prev, cur in zip(ranges, ranges[1:], strict=False):
        while (
            cur[0] < cur[1]
            and prev[1] == cur[0]
            and not doc[cur[0] - 1].whitespace_
            and doc[cur[0]].is_punct
            and doc[cur[0]].text not in _OPENING
        ):
            cur[0] += 1
            prev[1] += 1
        while (
            prev[1] - prev[0] > 1
            and prev[1] == cur[0]
            and doc[prev[1] - 1].text in _OPENING | {'"'}
            and doc[prev[1] - 1].whitespace_ == ""
            and doc[prev[1] - 2].whitespace_
        ):
            prev[1] -= 1
            cur[0] -= 1
    return [(start, end) for start, end in ranges if start < end]
