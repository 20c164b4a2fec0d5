"""Analyze stage: date expressions resolved against the article's publication date."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from dateparser.date import DateDataParser
from spacy.language import Language
from spacy.tokens import Doc, Span

from .entities import in_spans
from .numbers import _duration

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# Parts of a day and filler that dateparser does not need (and that make it fail).
_NOISE = re.compile(
    r"\b(?:morning|afternoon|evening|night|overnight|local time|earlier|later|late|early|"
    r"on|in|the|of|by|since|during|until|at|around)\b",
    re.I,
)
_WEEKDAY_ONLY = re.compile(rf"^(?:(this|last|next|past)\s+)?({'|'.join(WEEKDAYS)})$", re.I)
_AGO = re.compile(r"\b(year|month|week|day)s?\s+ago\b", re.I)
_APPROX = re.compile(
    r"\b(?:more than|less than|about|nearly|almost|roughly|around|over|some|just|only)\s+", re.I
)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_FUTURE = frozenset(
    {"will", "shall", "'ll", "’ll", "would", "should", "could", "may", "might", "must", "can"}
)
# Verbs that put what they govern ahead: "is expected to join on Thursday", "is due to arrive".
_AHEAD_LEMMAS = frozenset("expect schedule plan set due intend aim hope prepare seek want propose".split())


def parse_published(published: str | None) -> dt.datetime | None:
    if not published:
        return None
    try:
        return dt.datetime.fromisoformat(published.strip()[:10])
    except ValueError:
        return None


@lru_cache(maxsize=32)
def _parser(base: dt.datetime | None, prefer: str) -> DateDataParser:
    settings = {
        "PREFER_DATES_FROM": prefer,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DAY_OF_MONTH": "first",
    }
    if base is not None:
        settings["RELATIVE_BASE"] = base
    return DateDataParser(languages=["en"], settings=settings)


def _clean(text: str) -> str:
    text = _APPROX.sub("", text.replace("’s", "").replace("'s", ""))
    return re.sub(r"\s+", " ", _NOISE.sub(" ", text)).strip(" ,.")


@lru_cache(maxsize=4096)
def resolve_date(text: str, published: str | None, future: bool = False) -> tuple[str | None, str | None]:
    """(resolved, granularity) of a date expression: YYYY-MM-DD/day, YYYY-MM/month, YYYY/year,
    YYYY-MM-DD of the week's Monday/week; (None, None) when it cannot be resolved without guessing."""
    base = parse_published(published)
    clean = _clean(text)
    if not clean:
        return None, None
    if base is None and not _YEAR.search(clean):
        return None, None  # a relative date without a publication date would be a guess
    weekday = _WEEKDAY_ONLY.match(clean)
    if weekday and base is not None:
        day = _weekday_date(weekday, base, future)
        if day is not None:
            return day, "day"
    data = _parser(base, "future" if future else "past").get_date_data(clean)
    if data is None or data.date_obj is None:
        return None, None
    when = data.date_obj
    if base is not None and abs(when.year - base.year) > 200:
        return None, None
    return _at_granularity(when, _period(data.period, clean), clean)


def _weekday_date(weekday: re.Match[str], base: dt.datetime, future: bool) -> str | None:
    """The day a bare weekday ("Tuesday", "last Tuesday") names, or None to leave it to dateparser.

    dateparser sends a weekday equal to the base's weekday a week back; news means that same day.
    """
    which, day = (weekday.group(1) or "").lower(), WEEKDAYS.index(weekday.group(2).lower())
    delta = (base.weekday() - day) % 7
    if which in ("", "this") and not future:
        return (base - dt.timedelta(days=delta)).date().isoformat()
    if which == "last":
        return (base - dt.timedelta(days=delta or 7)).date().isoformat()
    if which == "next":
        return (base + dt.timedelta(days=(day - base.weekday()) % 7 or 7)).date().isoformat()
    if future:  # "will meet on Tuesday" in a Tuesday paper is that day
        return (base + dt.timedelta(days=(day - base.weekday()) % 7)).date().isoformat()
    return None


def _period(parsed: str | None, clean: str) -> str:
    """The granularity of a parsed date: dateparser's, but "two years ago" is as precise as its unit."""
    ago = _AGO.search(clean)
    if ago:
        return {"year": "year", "month": "month"}.get(ago.group(1).lower(), "day")
    return parsed or "day"


def _at_granularity(when: dt.datetime, period: str, clean: str) -> tuple[str, str]:
    """(resolved, granularity) of a parsed date written to its period; a week is its Monday."""
    if period == "year":
        return f"{when.year:04d}", "year"
    if period == "month":
        return f"{when.year:04d}-{when.month:02d}", "month"
    if period == "week":
        if "ago" in clean.lower():
            return when.date().isoformat(), "day"
        monday = when - dt.timedelta(days=when.weekday())
        return monday.date().isoformat(), "week"
    return when.date().isoformat(), "day"


def _is_future(ent: Span) -> bool:
    """Whether the date is what the article looks forward to: "will meet on Tuesday", "next week"."""
    if {token.lower_ for token in ent} & {"next", "coming", "upcoming"}:
        return True
    verb = ent.root.head
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        verb = verb.head
    if ent.root.head.lower_ in ("before", "by", "until", "till") and verb.tag_ != "VBD":
        return True  # a deadline not yet past: "has demanded a deal before June"
    if any(child.dep_ in ("aux", "auxpass") and child.lower_ in _FUTURE for child in verb.children):
        return True  # future or modal: "will meet", "should have power again by Sunday"
    if verb.tag_ in ("VBZ", "VBP") and verb.dep_ != "ROOT" or verb.lower_ == "going":
        return True  # present tense inside a clause: "before the dry season begins in June"
    if any(child.dep_ == "aux" and child.lower_ == "to" for child in verb.children):
        # an infinitive governed by a verb of planning looks ahead: "is expected to join on Thursday"
        head = verb.head
        return head.lemma_.lower() in _AHEAD_LEMMAS or head.lower_ in ("due", "set", "going")
    return False


_PARTS_OF_DAY = frozenset("morning afternoon evening night midnight noon overnight".split())


def _names_an_event(ent: Span) -> bool:
    """A date without a year that modifies a noun after it ("the Sept. 11 attacks", "the May 4 rally").

    It names an event rather than dating this story's, and its year is unknown: resolving it against
    the publication date would invent one.
    """
    head = ent.root.head
    modifies = ent.root.dep_ in ("nmod", "compound", "nummod", "amod") and head.pos_ in ("NOUN", "PROPN")
    day_of_month = any(token.like_num for token in ent)  # a weekday before "night" is a time, not a name
    return (
        modifies
        and day_of_month
        and head.i >= ent.end
        and head.lower_ not in _PARTS_OF_DAY
        and not _YEAR.search(ent.text)
    )


@Language.component("storydesk_dates")
def find_dates(doc: Doc) -> Doc:
    """Reads DATE doc.ents, Doc._.published and Doc._.credits; writes Doc._.dates:
    [{start, end, text, resolved, granularity}] (char offsets). Durations ("two days") are not dates."""
    credits = doc._.credits or []
    out = []
    for ent in doc.ents:
        if ent.label_ != "DATE" or in_spans(credits, ent.start_char, ent.end_char) or _duration(ent):
            continue
        if any(token.lower_ == "old" for token in ent):
            continue  # an age ("4-year-old")
        resolved, gran = resolve_date(ent.text, doc._.published, _is_future(ent))
        if _names_an_event(ent):
            resolved, gran = None, None
        out.append(
            {
                "start": ent.start_char,
                "end": ent.end_char,
                "text": ent.text,
                "resolved": resolved,
                "granularity": gran,
            }
        )
    doc._.dates = out
    return doc
