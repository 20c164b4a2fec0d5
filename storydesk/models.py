"""Shared data model: small typed records passed between every stage and stored in SQLite.

Every piece of evidence points back to an article by id and by character offsets into that
article's cleaned text (``Article.text``), so any statement can be shown in place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from functools import cache
from types import UnionType
from typing import Any, TypeVar, Union, cast, get_args, get_origin, get_type_hints

Model = TypeVar("Model")


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


# ---- the dossier (storydesk.dossier/1; the contract's schema ships in storydesk/schema/) ---------------

DOSSIER_SCHEMA = "storydesk.dossier/1"


def _omitted_when_empty(default: Any = None) -> Any:
    """A field the dossier's JSON leaves out when it is None or empty (the schema makes it optional)."""
    if isinstance(default, list):
        return field(default_factory=list, metadata={"omit_empty": True})
    return field(default=default, metadata={"omit_empty": True})


@dataclass
class Occurrence:
    """Where a claim, quote or summary sentence stands: verbatim text at offsets in one article."""

    article: str
    text: str
    start: int
    end: int


@dataclass
class StoryHead:
    id: str
    title: str
    first_published: str | None
    last_published: str | None
    article_count: int
    source_count: int  # independent sources: syndicated copies count once


@dataclass
class ArticleRef:
    """One article of the story, as the dossier lists it (citations are numbered in this order)."""

    id: str
    source: str
    title: str | None
    published: str | None
    url: str | None
    path: str | None
    words: int
    copy_of: str | None


@dataclass
class EntityRole:
    text: str  # a title or role as written ("foreign minister")
    articles: list[str]


@dataclass
class StoryEntity:
    """One person, organisation or place of the story, across all the ways the articles spell it."""

    id: str
    name: str
    type: str  # PERSON, ORG, GPE, ...
    variants: list[str]
    articles: list[str]
    mentions: int
    roles: list[EntityRole] = field(default_factory=list)


@dataclass
class StoryQuote:
    """One remark and every article that carries it; ``variants`` are its other wordings."""

    id: str
    speaker: str | None  # entity id
    speaker_name: str | None
    text: str
    occurrences: list[Occurrence]
    variants: list[str] = _omitted_when_empty([])


@dataclass
class Claim:
    id: str
    text: str
    status: str  # corroborated | single_source | disputed
    attributed_to: str | None  # entity id
    occurrences: list[Occurrence]
    sources: list[str]  # independent sources that carry it
    # sources that say it in words too far apart to align: the claim is then not one outlet's alone
    also_reported_by: list[str] = _omitted_when_empty([])


@dataclass
class Position:
    value: str
    articles: list[str]
    evidence: list[str]  # the sentences, verbatim


@dataclass
class Conflict:
    id: str
    kind: str  # number | date | entity | role | denial | quote
    subject: str
    positions: list[Position]
    certainty: str = "possible"  # likely | possible (reconcile.dossier.CONFIDENT_KINDS)


@dataclass
class TimelineEntry:
    date: str  # YYYY-MM-DD
    event: str
    articles: list[str]


@dataclass
class SummarySentence:
    """An extractive summary sentence: ``articles`` carry it verbatim, ``also_reported_by`` in other words."""

    text: str
    articles: list[str]
    also_reported_by: list[str]
    occurrences: list[Occurrence]
    status: str | None = _omitted_when_empty()  # "disputed" when it is an occurrence of a disputed claim


@dataclass
class Dossier:
    story: StoryHead
    articles: list[ArticleRef]
    entities: list[StoryEntity]
    quotes: list[StoryQuote]
    claims: list[Claim]
    conflicts: list[Conflict]
    timeline: list[TimelineEntry]
    summary: list[SummarySentence]
    unique: dict[str, list[str]]  # source -> ids of the claims only this source carries
    schema: str = DOSSIER_SCHEMA

    def to_json(self) -> dict[str, Any]:
        """The dossier as the contract's JSON object."""
        return cast(dict[str, Any], to_json(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Dossier:
        """Read back a dossier that ``to_json`` wrote."""
        return from_json(cls, data)


def to_json(value: Any) -> Any:
    """A dataclass tree as plain JSON values (fields marked omit-when-empty left out when empty)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {
            item.name: to_json(getattr(value, item.name))
            for item in fields(value)
            if not (item.metadata.get("omit_empty") and not getattr(value, item.name))
        }
    if isinstance(value, list | tuple):
        return [to_json(member) for member in value]
    if isinstance(value, dict):
        return {key: to_json(member) for key, member in value.items()}
    return value


def from_json(cls: type[Model], data: dict[str, Any]) -> Model:
    """The dataclass ``cls`` from what ``to_json`` wrote (keys it does not know are an error)."""
    hints, known = _shape(cast(type, cls))
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
    return cls(**{name: _typed(hints[name], value) for name, value in data.items()})


@cache
def _shape(cls: type) -> tuple[dict[str, Any], frozenset[str]]:
    """A dataclass's resolved field types and names, read once per class: resolving the hints is most of
    the cost of reading a dossier back (thousands of small objects)."""
    return get_type_hints(cls), frozenset(item.name for item in fields(cast(Any, cls)))


def _typed(hint: Any, value: Any) -> Any:
    """``value`` read as the type ``hint`` (lists, str-keyed dicts, optionals and dataclasses)."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType):
        if value is None:
            return None
        return _typed(next(arg for arg in args if arg is not type(None)), value)
    if origin is list:
        return [_typed(args[0], member) for member in value]
    if origin is dict:
        return {key: _typed(args[1], member) for key, member in value.items()}
    if is_dataclass(hint) and isinstance(value, dict):
        return from_json(cast(type, hint), value)
    return value
