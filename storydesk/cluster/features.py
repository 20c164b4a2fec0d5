"""Clustering features: what tells one event from another in an article (entities, places, dates,
numbers, words).

Reads an Article and, when the analysis stage stored one, its Analysis (named mentions with ``norm``,
resolved dates); without an analysis it falls back to cheap capitalised-phrase entities and regex dates.
Writes plain term counts (words, ``e:`` entities, ``d:``/``y:`` dates, numbers) and the date that places
the article in time, which the clustering stage weighs with an incrementally estimated IDF.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from anyascii import anyascii
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ..ids import short_hash
from ..models import Analysis, Article
from ..text import ASCII_TERM_RE, MONTH_NAME, MONTH_NUMBERS, fold_term, month_number
from .copies import order_key

HASH_BITS = 22  # term ids: crc32 folded to 4M buckets (collisions are rare and harmless for similarity)
ENTITY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
LEAD_CHARS = 600
DATELINE_CHARS = 300  # a full date this close to the start dates the article when nothing else does

_MON = rf"({MONTH_NAME})"  # compiled with re.I below
_DATE_MDY = re.compile(_MON + r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b", re.I)
_DATE_DMY = re.compile(r"\b(\d{1,2})\s+" + _MON + r"\.?,?\s+((?:19|20)\d\d)\b", re.I)
_DATE_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
# A run of capitalised words, possibly joined by a lowercase particle ("Bank of England").
_CAPS = re.compile(
    r"\b[A-Z][\w'’.-]*[\w](?:\s+(?:(?:of|de|del|la|van|von|al|bin|the)\s+)?[A-Z][\w'’.-]*[\w])*"
)
_STOP = frozenset(ENGLISH_STOP_WORDS) | {
    "said",
    "says",
    "told",
    "also",
    "would",
    "could",
    "mr",
    "mrs",
    "ms",
    "s",
    "t",
    "new",
    "one",
    "two",
    "year",
    "years",
    "time",
    "people",
}
_CAPS_STOP = (
    frozenset(ENGLISH_STOP_WORDS)
    | {
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "reuters",
        "ap",
        "afp",
        "cnn",
        "bbc",
        "updated",
        "published",
        "photo",
        "image",
        "advertisement",
        "read",
        "watch",
        "video",
        "getty",
        "images",
        "edt",
        "est",
        "pdt",
        "pst",
        "gmt",
        "utc",
        "et",
        "pm",
        "am",
        "i",
        "it's",
        "he's",
        "she's",
        "we",
        "they",
        "us",
        "mr.",
        "mrs.",
        "ms.",
        "dr.",
        "first",
    }
    | set(MONTH_NUMBERS)
)


@dataclass
class Features:
    """What the clustering stage needs of one article."""

    id: str
    key: tuple  # processing order: dated first, by date, then id
    day: int | None  # ordinal day placing the article in time (published, else a date in its lead)
    pub_day: int | None  # ordinal day of publication only (the reliable one)
    title: str
    lead: str
    # weighted term counts as parallel arrays (term ids, counts): a dict per article would not fit 100k
    term_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    term_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    entities: list[str] = field(default_factory=list)  # entity norms, most frequent first
    lead_entities: list[str] = field(default_factory=list)  # entities of the title and first sentences
    words: int = 0  # words of the text

    @property
    def embed_text(self) -> str:
        return f"{self.title}. {self.lead}" if self.title else self.lead

    @property
    def embed_hash(self) -> str:
        return short_hash(self.embed_text, n=40)

    def has(self, term: str) -> bool:
        return bool(np.isin(term_id(term), self.term_ids))


def term_id(term: str) -> int:
    """Stable term id (crc32 is deterministic across processes, unlike ``hash``)."""
    return zlib.crc32(term.encode()) & ((1 << HASH_BITS) - 1)


def to_day(value: str | None) -> int | None:
    """Ordinal day of an ISO date or datetime ("2025-12-02", "2025-12-02T10:00"), None if unreadable."""
    if not value or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).toordinal()
    except ValueError:
        return None


def text_dates(text: str) -> list[tuple[int, str]]:
    """Full dates written in a text, as (offset, YYYY-MM-DD)."""
    out = []
    for match in _DATE_MDY.finditer(text):
        out.append((match.start(), _iso(match.group(3), month_number(match.group(1)), match.group(2))))
    for match in _DATE_DMY.finditer(text):
        out.append((match.start(), _iso(match.group(3), month_number(match.group(2)), match.group(1))))
    for match in _DATE_ISO.finditer(text):
        out.append((match.start(), _iso(match.group(1), int(match.group(2)), match.group(3))))
    return sorted((offset, date) for offset, date in out if date)


def _iso(year: str, month: int, day: str) -> str:
    try:
        return dt.date(int(year), month, int(day)).isoformat()
    except ValueError:
        return ""


def lead_of(text: str, limit: int = LEAD_CHARS) -> str:
    """The first paragraphs up to ``limit`` characters, cut at a sentence end when there is one."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = max(text.rfind(". ", 0, limit), text.rfind("\n", 0, limit))
    return text[: cut + 1] if cut > limit // 3 else text[:limit]


def first_sentence(text: str, limit: int = 200) -> str:
    text = text.strip()
    line = text.split("\n", 1)[0].strip()
    match = re.search(r"(?<=[.!?])\s", line)
    sent = line[: match.start()] if match else line
    return sent if len(sent) <= limit else sent[:limit].rsplit(" ", 1)[0] + "…"


def fallback_entities(text: str) -> list[str]:
    """Capitalised phrases that are not sentence-start function words: a cheap stand-in for NER."""
    out = []
    for match in _CAPS.finditer(text):
        words = match.group(0).split()
        while words and fold_term(words[0]) in _CAPS_STOP:
            words = words[1:]
        while words and fold_term(words[-1]) in _CAPS_STOP:
            words = words[:-1]
        if not words:
            continue
        norm = fold_term(" ".join(words))
        if len(norm) > 2 and norm not in _CAPS_STOP:
            out.append(norm)
    return out


def analysis_entities(analysis: Analysis) -> list[str]:
    return [
        mention.norm or fold_term(mention.text)
        for mention in analysis.mentions
        if mention.label in ENTITY_LABELS and (mention.norm or mention.text)
    ]


def words(text: str) -> list[str]:
    toks = ASCII_TERM_RE.findall(anyascii(text).lower())
    return [
        token.replace(",", "") for token in toks if token not in _STOP and (len(token) > 2 or token.isdigit())
    ]


def article_features(
    article: Article,
    analysis: Analysis | None = None,
    title_boost: float = 2.0,
    entity_boost: float = 2.0,
    lead_chars: int = 300,
) -> Features:
    """Term counts and time of one article; uses the stored analysis when there is one."""
    text = article.text or ""
    title = (article.title or "").strip()
    body = text
    counts: defaultdict[str, float] = defaultdict(float)  # weighted term counts
    for word in words(body):
        counts[word] += 1.0
    for word in words(title):
        counts[word] += title_boost
    if analysis and analysis.mentions:
        ents = analysis_entities(analysis)
        lead_ents = [
            mention.norm or fold_term(mention.text)
            for mention in analysis.mentions
            if mention.label in ENTITY_LABELS
            and mention.start < lead_chars
            and (mention.norm or mention.text)
        ]
    else:
        ents = fallback_entities(body)
        lead_ents = fallback_entities(body.lstrip()[:lead_chars])
    ents += fallback_entities(title)
    lead_ents = sorted(set(lead_ents + fallback_entities(title)))
    ent_counts = Counter(ents)
    for entity, count in ent_counts.items():
        counts["e:" + entity] += entity_boost * count
        # a multi-word name also matches its last word ("Smith" for "Ann Smith")
        if " " in entity:
            counts["e:" + entity.rsplit(" ", 1)[1]] += entity_boost * count * 0.5
    resolved = (
        [date_ref.resolved for date_ref in analysis.dates if date_ref.resolved]
        if analysis and analysis.dates
        else []
    )
    found = [date for _, date in text_dates(body)]
    for date in resolved + found:
        counts["d:" + date] += 1.0
        counts["y:" + date[:4]] += 0.5
    day = pub_day = to_day(article.published)
    if day is None:
        lead_dates = [date for offset, date in text_dates(body.lstrip()) if offset < DATELINE_CHARS]
        lead_resolved = [
            date_ref.resolved
            for date_ref in (analysis.dates if analysis else [])
            if date_ref.start < DATELINE_CHARS and date_ref.resolved and len(date_ref.resolved) == 10
        ]
        day = to_day(next(iter(lead_resolved or lead_dates), None))
    key = order_key(dt.date.fromordinal(day).isoformat() if day else None, article.id)
    terms = sorted(counts)
    tids = np.fromiter((term_id(term) for term in terms), dtype=np.int64, count=len(terms))
    tcounts = np.fromiter((counts[term] for term in terms), dtype=np.float32, count=len(terms))
    return Features(
        article.id,
        key,
        day,
        pub_day,
        title,
        lead_of(text),
        tids,
        tcounts,
        entities=[entity for entity, _ in sorted(ent_counts.items(), key=lambda item: (-item[1], item[0]))],
        lead_entities=lead_ents,
        words=len(text.split()),
    )
