"""Ingest stage, metadata: dates, outlets from URLs, authors, language and article ids.

Pure helpers with no I/O; every regex is compiled once at import because the text path runs
them on every article of a large corpus.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlsplit

from ..ids import article_id_hash
from ..text import DATE_DMY_RE, DATE_MDY_RE, LETTERS_RE, MONTH_NAME, UPPER, month_number

# ---- dates -------------------------------------------------------------------------------

_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?"
_TIME = r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.]\d{2})?\s*(?P<ampm>[ap]\.?m\.?)?"
_ISO_RE = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?$"
)
# Dates are "December 2, 2025", "Dec. 2 2025", "2 December 2025" (text.DATE_MDY_RE, DATE_DMY_RE), with an
# optional weekday and time around them.
_TIME_RE = re.compile(rf"\b{_TIME}", re.I)
_ANY_DATE_RE = re.compile(
    rf"(?:{DATE_MDY_RE.pattern}|{DATE_DMY_RE.pattern.replace('?P<', '?P<x')}"
    r"|\b\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?|\b\d{1,2}/\d{1,2}/\d{4}\b)",
    re.I,
)
# Words that may stand next to a date on a timestamp line and carry no content of their own.
_DATE_FILLER_RE = re.compile(
    rf"\b(?:{_WEEKDAY}|{MONTH_NAME}|updated|published|posted|last|modified|first|on|at|am|pm|a\.m|p\.m|"
    r"utc|gmt|et|est|edt|ct|cst|cdt|pt|pst|pdt|bst|cet|cest|eet|eest|msk|ist|jst|aest|aedt|z|st|nd|rd|th|"
    r"hours?|hrs?|mins?|minutes?|ago|read|time)\b\.?",
    re.I,
)


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year <= 2100


def find_date(text: str) -> str | None:
    """The first calendar date written in ``text`` as ISO (with the time when one is written next to it)."""
    for pattern in (DATE_MDY_RE, DATE_DMY_RE):
        match = pattern.search(text)
        if match:
            year, month, day = int(match["y"]), month_number(match["mon"]), int(match["d"])
            if not _valid(year, month, day):
                continue
            out = f"{year:04d}-{month:02d}-{day:02d}"
            clock = _TIME_RE.search(text)
            if clock:
                hour, minute = int(clock["h"]), int(clock["mi"])
                ampm = (clock["ampm"] or "").lower().replace(".", "")
                if ampm == "pm" and hour < 12:
                    hour += 12
                elif ampm == "am" and hour == 12:
                    hour = 0
                if hour < 24 and minute < 60:
                    out += f"T{hour:02d}:{minute:02d}:00"
            return out
    match = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
    if match and _valid(int(match[1]), int(match[2]), int(match[3])):
        return match.group(0)
    return None


_HAS_DIGIT_RE = re.compile(r"\d")


def is_timestamp_line(line: str) -> bool:
    """True for a short line that only gives a date and time ("December 2, 2025, 12:10 PM")."""
    if len(line) > 90 or not _HAS_DIGIT_RE.search(line) or not _ANY_DATE_RE.search(line):
        return False
    rest = _ANY_DATE_RE.sub(" ", line)
    rest = _TIME_RE.sub(" ", rest)
    rest = _DATE_FILLER_RE.sub(" ", rest)
    return not re.search(r"[^\W\d_]", rest)


def to_iso(value: object) -> str | None:
    """A published value from a record or a page (ISO, RFC 822, prose, struct_time) as ISO 8601."""
    if value is None or value == "":
        return None
    if isinstance(value, time.struct_time):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)):  # seconds since the epoch
        try:
            return datetime.utcfromtimestamp(float(value)).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    match = _ISO_RE.match(text)
    if match and _valid(int(match["y"]), int(match["m"]), int(match["d"])):
        return text.replace(" ", "T", 1)
    found = find_date(text)
    if found:
        return found
    # Without a four-digit year dateparser guesses ("10 March" -> 2010); better no date than a wrong one.
    return _dateparser(text[:100]) if re.search(r"\b\d{4}\b", text) else None


@lru_cache(maxsize=4096)
def _dateparser(text: str) -> str | None:
    """Slow path for unusual date strings; dateparser is imported only when needed."""
    import dateparser

    try:
        # Absolute dates only: "yesterday" must not become the day of the run.
        dt = dateparser.parse(
            text,
            settings={
                "RETURN_AS_TIMEZONE_AWARE": False,
                "PREFER_DAY_OF_MONTH": "first",
                "PARSERS": ["timestamp", "custom-formats", "absolute-time"],
                "REQUIRE_PARTS": ["year", "month"],
            },
        )
    except Exception:  # dateparser raises many kinds of errors on odd strings
        return None
    if dt is None or not 1900 <= dt.year <= 2100:
        return None
    return dt.strftime("%Y-%m-%dT%H:%M:%S") if (dt.hour or dt.minute) else dt.strftime("%Y-%m-%d")


# ---- outlets and URLs ------------------------------------------------------------------------


def url_host(url: str | None) -> str | None:
    """The host of a URL without a leading ``www.`` ("https://www.bbc.co.uk/x" -> "bbc.co.uk")."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


_SLUG_RE = re.compile(r"[^a-z0-9]+")


def slug(text: str, limit: int = 48) -> str:
    return _SLUG_RE.sub("-", text.lower()).strip("-")[:limit].strip("-")


def url_id(url: str) -> str:
    """A readable, stable id for an article known by its URL: host, last path words, short hash."""
    host = url_host(url) or "url"
    path = urlsplit(url).path.rstrip("/")
    last = path.rsplit("/", 1)[-1] if path else ""
    last = re.sub(r"\.(?:s?html?|php|aspx?)$", "", last)
    parts = [slug(host, 40), slug(last, 40), article_id_hash(url, 8)]
    return "-".join(part for part in parts if part)


_ID_OK_RE = re.compile(r"^[\w.:@+-]{1,80}$")


def usable_id(value: object) -> str | None:
    """A record's own id when it can serve as ours (short, no spaces or slashes)."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text if _ID_OK_RE.match(text) else None


def record_id(value: object) -> str | None:
    """A record's id as ours: kept as is when it is a plain token, else a readable stable form of it
    (a URL or a long, spaced or slashed id would break file names, links and the command line)."""
    own = usable_id(value)
    if own or value is None or isinstance(value, bool) or not str(value).strip():
        return own
    text = str(value).strip()
    if re.match(r"^https?://", text, re.I):
        return url_id(text)
    return "-".join(part for part in (slug(text, 40), article_id_hash(text, 8)) if part)


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """Text that UTF-8, and so SQLite, can hold: a lone surrogate (left by a JSON or HTML escape) becomes
    U+FFFD."""
    return _SURROGATE_RE.sub("\ufffd", text) if _SURROGATE_RE.search(text) else text


# ---- authors -------------------------------------------------------------------------------

_PARTICLE = r"(?:de|da|das|do|dos|du|van|von|der|den|del|della|di|la|le|al|el|bin|ibn|y|ter|ten)"
_NAME_WORD = rf"[{UPPER}][\w'’.\-]*"
NAME_RE = re.compile(rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+){{0,2}}{_NAME_WORD}){{1,3}}")
_ROLE_WORDS = {
    "correspondent",
    "reporter",
    "writer",
    "editor",
    "staff",
    "contributor",
    "columnist",
    "producer",
    "desk",
    "bureau",
    "chief",
    "senior",
    "news",
    "reporters",
    "writers",
    "editors",
    "team",
    "service",
    "analyst",
    "photographer",
    "press",
    "agency",
    "wire",
    "media",
    "times",
    "post",
    "journal",
    "daily",
}


_POSSESSIVE_RE = re.compile(r"^.*['’]s?\s+(?=\S)")


def person_names(text: str) -> list[str]:
    """Person-shaped names (two to four capitalised words) in a byline or contributor line."""
    text = re.sub(rf"\bin\s+{_NAME_WORD}(?:\s+{_NAME_WORD})*", " ", text)  # "Jane Doe in London" places
    out = []
    for part in re.split(r"\s*(?:,|;|\||\b(?:and|with|et|und|en|og|och)\b|&|\+)\s*", text):
        part = _POSSESSIVE_RE.sub("", part)  # "ABC News' Jane Doe" -> "Jane Doe"
        for match in NAME_RE.finditer(part):
            for run in _case_runs(match.group(0).strip(" .").split()):
                name = _name_before_role(run)
                if name and name not in out:
                    out.append(name)
    return out


def _case_runs(words: list[str]) -> list[list[str]]:
    """Split where the lettering changes ("JANE DOE Associated Press" -> JANE DOE | Associated Press)."""
    runs: list[list[str]] = []
    for word in words:
        caps = word.isupper() and len(word) > 1
        if runs and (runs[-1][-1].isupper() and len(runs[-1][-1]) > 1) == caps:
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def _name_before_role(words: list[str]) -> str | None:
    """The person in a run of capitalised words, without an outlet or role after it."""
    low = [word.lower().replace(".", "") for word in words]
    if low[0] == "the":  # "The Associated Press", "The Valley Times": an outlet, never a person
        return None
    cut = next((i for i, word in enumerate(low) if word in _ROLE_WORDS), None)
    if cut is not None:
        # "Jane Doe Associated Press": the outlet's first words are not part of the name
        words = words[:cut][:2] if cut > 2 else words[:cut]
    if len([word for word in words if word[:1].isupper()]) < 2:
        return None
    return " ".join(words)


def split_authors(value: object) -> list[str]:
    """A record's authors field (a list, or one string with separators) as a list of names."""
    if value is None:
        return []
    if isinstance(value, str):
        items = re.split(r"\s*(?:;|\||,\s*(?=\S+\s+\S)|\band\b|&)\s*", value)
    elif isinstance(value, (list, tuple)):
        items = []
        for entry in value:
            if isinstance(entry, dict):
                entry = entry.get("name") or entry.get("author") or ""
            items.append(str(entry))
    else:
        return []
    out = []
    for it in items:
        it = re.sub(r"^\s*by\s+", "", it.strip(), flags=re.I).strip(" ,.")
        if it and it not in out:
            out.append(it)
    return out


# ---- language --------------------------------------------------------------------------------

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the of and to in a is that for on with as was by it at from his her said have has be are "
        "were this which an not but they their will".split()
    ),
    "de": frozenset(
        "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es "
        "an werden aus er hat dass sie nach wird bei".split()
    ),
    "fr": frozenset(
        "le la les de des et en un une du est que qui dans pour pas sur au par il elle a ont été "
        "avec ce se sont aux".split()
    ),
    "es": frozenset(
        "el la los las de del y en un una que es por con para se su al lo como más pero sus ha "
        "fue este dijo".split()
    ),
    "it": frozenset(
        "il lo la gli le di del della e in un una che è per con non si da al sono ha nel alla "
        "anche come".split()
    ),
    "pt": frozenset(
        "o a os as de do da dos das e em um uma que é para com não se por no na ao foi mais "
        "como disse".split()
    ),
    "nl": frozenset(
        "de het een en van in is dat op te zijn met voor niet aan er die als door ook bij heeft "
        "werd wordt naar".split()
    ),
    "ru": frozenset(
        "и в не на что с по как это он она они из за к у от о так но его был было для также".split()
    ),
}


_LANGS_OF: dict[str, tuple[str, ...]] = {}
for _lang, _stop in _STOPWORDS.items():
    for _w in _stop:
        _LANGS_OF[_w] = (*_LANGS_OF.get(_w, ()), _lang)


def guess_language(text: str, sample_chars: int = 1200) -> str | None:
    """ISO 639-1 code by stop-word share over the first words; None when no language is clear."""
    words = LETTERS_RE.findall(text[:sample_chars].lower())
    if len(words) < 5:
        return None
    hits: dict[str, int] = {}
    for word, count in Counter(words).items():
        for lang in _LANGS_OF.get(word, ()):
            hits[lang] = hits.get(lang, 0) + count
    if not hits:
        return None
    best = max(hits, key=hits.__getitem__)
    return best if hits[best] / len(words) >= 0.12 else None
