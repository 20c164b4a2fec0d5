"""Shared data model: small typed records passed between every stage and stored in SQLite.

Every piece of evidence points back to an article by id and by character offsets into that
article's cleaned text (``Article.text``), so any statement can be shown in place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Removal:
    """A piece of the raw input that cleaning took out of the article body, and why."""

    kind: str  # caption, credit, repeated_title, repeated_paragraph, tags, furniture, byline, dateline...
    text: str
    reason: str


@dataclass
class Article:
    """One clean article: the record every later stage reads."""

    id: str
    text: str
    source: str
    title: str | None = None
    published: str | None = None  # ISO 8601 date or datetime
    url: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    path: str | None = None  # where it was read from (file, file:line, file#record)
    format: str | None = None  # txt, html, jsonl, json, feed, warc
    words: int = 0
    content_hash: str = ""
    removed: list[Removal] = field(default_factory=list)
    copy_of: str | None = None  # set by clustering: the article this one syndicates
    brief: bool = False  # a short item kept whole (fewer than ingest.limits.BRIEF_WORDS words)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RawRecord:
    """What a reader yields before cleaning: one candidate article as found in the input."""

    origin: str  # names the input for messages: "path", "path:line", "path#n"
    fmt: str
    text: str | None = None
    html: str | None = None
    id: str | None = None
    title: str | None = None
    source: str | None = None
    published: str | None = None
    url: str | None = None
    authors: list[str] = field(default_factory=list)
    stem: str | None = None  # file name without extension, the id for file inputs


@dataclass
class Rejection:
    """An input that could not be read, with a one-line reason naming it."""

    path: str
    reason: str


# ---- analysis (per article) -------------------------------------------------------------


@dataclass
class Span:
    """A stretch of an article's clean text."""

    article_id: str
    start: int
    end: int
    text: str


@dataclass
class Sentence(Span):
    index: int = 0
    paragraph: int = 0


@dataclass
class Mention(Span):
    """A named-entity mention as written; ``label`` is spaCy's type after correction."""

    label: str = ""
    sentence: int = 0
    norm: str = ""  # the name folded for matching (text.fold_name: ascii, lowercase, no possessive)


@dataclass
class Role(Span):
    """A title or role the article gives a named person ("government spokesman")."""

    person: str = ""  # the name as written next to the role
    person_start: int = 0
    person_end: int = 0


@dataclass
class Quote(Span):
    """Quoted or reported speech. ``text`` is the content only, without the cue."""

    kind: str = "direct"  # direct | indirect | partial
    cue: str | None = None
    speaker: str | None = None  # the speaker as resolved to a named mention in this article
    speaker_text: str | None = None  # the speaker span as written ("he", "the president")
    speaker_start: int | None = None
    speaker_end: int | None = None
    sentence: int = 0


@dataclass
class Quantity(Span):
    """A number with what it measures."""

    value: float | None = None
    unit: str | None = None  # %, sq km, $, years...
    noun: str | None = None  # what is counted ("point", "men", "meeting")
    approx: str | None = None  # about, over, nearly, at least...
    ordinal: bool = False
    sentence: int = 0


@dataclass
class Statement(Span):
    """A sentence-level statement of fact, with who asserts it and how (the claims material)."""

    sentence: int = 0
    stance: str = "assert"  # assert | claim | deny | dispute | report
    holder: str | None = None  # who the article attributes it to (named mention text)
    cue: str | None = None


@dataclass
class DateRef(Span):
    """A date expression resolved against the article's publication date."""

    resolved: str | None = None  # YYYY-MM-DD, YYYY-MM or YYYY; None when it cannot be resolved
    granularity: str | None = None  # day | month | year
    sentence: int = 0


@dataclass
class Analysis:
    """Everything the analysis stage stores for one article."""

    article_id: str
    sentences: list[Sentence] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    dates: list[DateRef] = field(default_factory=list)


# ---- stories ------------------------------------------------------------------------------


@dataclass
class Story:
    id: str
    title: str
    article_ids: list[str]
    sources: list[str]
    first_published: str | None = None
    last_published: str | None = None


@dataclass
class IngestReport:
    """What one ingest run did, for the CLI and the exit status."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    # input id -> stored id, for articles not stored because the same text is stored under another id
    duplicates: dict[str, str] = field(default_factory=dict)

    @property
    def read(self) -> int:
        return len(self.added) + len(self.unchanged)
