"""Text helpers every stage shares: folds, what counts as a word, month names and written dates.

Each fold has one meaning and its own name; none stands in for another:

- ``fold_space``: runs of white space become one space, the ends are trimmed.
- ``fold_text``: ``fold_space`` after typographic quotes become ASCII ones; case and accents stay. The
  form in which the dossier's quoted words are checked against their article (grounding).
- ``fold_ascii``: a lowercase ASCII transliteration with white space folded; transliterations and
  accents fold together. The form texts are matched in (quotes, claims, names).
- ``fold_name``: a name's key inside one article, stored as ``Mention.norm``: ``fold_ascii`` without a
  leading "the" or a final possessive; dots and hyphens stay ("U.S." -> "u.s.").
- ``fold_term``: a name as a clustering term: only its words of ASCII letters and digits
  ("Jane Doe's" -> "jane doe", "U.S." -> "u s").

What a word is differs as much as what a stage counts it for, so each word pattern below is named for
what it matches. Month names are English, as the rest of the text rules are.
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

# ---- folds ------------------------------------------------------------------------------------

_QUOTE_MAP = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "″": '"',
    }
)


def fold_space(text: str) -> str:
    """White space folded: every run of it one space, none at the ends ("a\\n\\n b " -> "a b")."""
    return " ".join(text.split())


def fold_text(text: str) -> str:
    """``fold_space`` with typographic quotes made ASCII: the form grounding checks quoted words in."""
    return fold_space(text.translate(_QUOTE_MAP))


def fold_ascii(text: str) -> str:
    """Lowercase ASCII form for matching (transliterations and accents fold together), white space folded."""
    return fold_space(anyascii(text).lower())


def fold_name(text: str) -> str:
    """A name's matching key within an article (``Mention.norm``): ascii, lowercase, no leading 'the',
    no final possessive, single spaces."""
    out = anyascii(text).lower().strip()
    out = re.sub(r"^the\s+", "", out)
    out = re.sub(r"'s?$", "", out).strip()
    return re.sub(r"\s+", " ", out)


@lru_cache(maxsize=1 << 17)
def fold_term(text: str) -> str:
    """A name as a clustering term: ascii, lowercase, no possessive, only letters and digits, single
    spaces."""
    term = anyascii(text).lower().strip()
    term = re.sub(r"['’]s\b", "", term)
    return re.sub(r"[^a-z0-9]+", " ", term).strip()


# ---- words ------------------------------------------------------------------------------------

# Capital letters of the Latin, Greek and Cyrillic alphabets, as the body of a character class.
UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u017f\u0391-\u03a9\u0400-\u042f"
CAPITALISED = r"[A-Z][\w'’.\-]*"  # a word opening with an ASCII capital, as a piece of a pattern
LETTERS_RE = re.compile(r"[^\W\d_]+")  # a run of letters of any script; digits and marks split it
WORD_RE = re.compile(r"[\w'’-]+")  # letters or digits with inner apostrophes and hyphens ("don't", "co-op")
WORD_OR_NUMBER_RE = re.compile(
    r"[A-Za-z][A-Za-z'’-]*|\d[\d,.]*"
)  # in ASCII text: a word, or a written number
ASCII_RUN_RE = re.compile(r"[a-z0-9]+")  # in folded ASCII text: a run of letters and digits
ASCII_TERM_RE = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*")  # the same, with "3.5", "1,200", "o'neill" whole


# ---- quotation ---------------------------------------------------------------------------------

_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")


def quote_share(text: str) -> float:
    """Share of the characters that stand inside quotation marks."""
    inside = sum(len(match.group(0)) for match in _QUOTED.finditer(text))
    return inside / max(1, len(text))


def quoted(text: str) -> list[str]:
    """The passages that stand inside quotation marks, in text order, without the marks."""
    return [match.group(0)[1:-1] for match in _QUOTED.finditer(text)]


# ---- months and written dates ------------------------------------------------------------------

MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTH_ABBREVIATIONS = tuple(name[:3] for name in MONTH_NAMES)
# month name, three-letter abbreviation or "sept" -> its number
MONTH_NUMBERS = {name: i + 1 for i, name in enumerate(MONTH_NAMES)}
MONTH_NUMBERS.update({name: i + 1 for i, name in enumerate(MONTH_ABBREVIATIONS)})
MONTH_NUMBERS["sept"] = 9
# A month written out or abbreviated, as a non-capturing group; compile it with re.IGNORECASE.
MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# "December 2, 2025", "Dec. 2nd 2025" and "2 December 2025", with the groups mon, d and y.
DATE_MDY_RE = re.compile(
    rf"\b(?P<mon>{MONTH_NAME})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.I
)
DATE_DMY_RE = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{MONTH_NAME})\.?,?\s+(?P<y>\d{{4}})\b", re.I
)


def month_number(name: str) -> int:
    """The number of a month written out or abbreviated ("Sept." -> 9); KeyError for no month."""
    return MONTH_NUMBERS[name.lower()[:3]]
