"""Ingest stage, limits: how much one input may hold, and how little, in one place, with the reasons shown.

How little: an input is kept when its clean text holds at least one sentence, and it is a *brief*
when it holds fewer than ``BRIEF_WORDS`` words (a wire brief, a feed item's summary, a short record).
One rule decides what counts as a sentence (``rules.has_sentence``):

- a run of at least ``SENTENCE_WORDS`` words with letters in them, ending in ``.``, ``!`` or ``?``
  (a closing quote or bracket may follow). A run cut off with an ellipsis (``…``, ``...``) is a teaser,
  not a sentence; numbers and punctuation alone are no words;
- or, for an input that is not a whole HTML page, its title together with any word of body text: a
  feed item, JSON record or text file with a title and a line under it is a brief ("Port reopens" /
  "Ferries run again from Monday"). A page's title does not count, as every page shell has one.

Under ``BRIEF_WORDS`` words, a notice a page shows instead of an article (``rules.is_shell_notice``:
"Please enable JavaScript", a cookie wall, "Page not found", "Subscribe to continue reading") is no
sentence, and a whole page showing one (kept or cleaned away) is a page shell or a paywall teaser.

So a whole HTML page (an ``.html`` file, a WARC response, a record's ``html`` holding a page) whose
extraction left only a few words and no sentence (navigation, a menu, a cookie or login shell) is no
article, as is an input with no sentence at all: empty, only markup, only a credit line, only
numbers or punctuation. At ``BRIEF_WORDS`` words and more an input is an article, as it always was.
"""

from __future__ import annotations

MAX_BYTES = 20_000_000  # one file, page, feed, JSON line or record as read: above this it is not read
MAX_CHARS = 1_000_000  # one article's clean text: spaCy's nlp.max_length, which analysis cannot exceed
MAX_BAD_SHARE = 0.02  # a decoded text with more replaced (undecodable) characters than this is not text
BRIEF_WORDS = 20  # fewer words of clean text than this make a brief (a short item, kept and marked)
SENTENCE_WORDS = 3  # fewer lettered words than this before a final stop are no sentence ("Home.", "Next.")


def oversized_input(what: str) -> str:
    return f"oversized {what}: over {MAX_BYTES // 1_000_000} MB, the limit of one input"


def too_long_article(chars: int) -> str:
    return (
        f"too long: {chars:,} characters of clean text, over the {MAX_CHARS:,} one article may hold; "
        "split it into several articles (at its chapters or sections) and ingest those"
    )


def no_sentence(words: int, lettered: int, page: bool, removed: list[str]) -> str:
    """Why a clean text with no sentence is no article; ``removed``: the kinds cleaning took out."""
    took = f" (cleaning removed: {', '.join(removed)})" if removed else ""
    if words == 0:
        what = "no text left after cleaning"
    elif lettered == 0:
        what = f"only numbers or punctuation left after cleaning ({words} tokens)"
    elif page:
        what = (
            f"page shell: only {words} words left after extracting the page, and no sentence "
            f"(a run of {SENTENCE_WORDS}+ words ending in . ! or ?)"
        )
    else:
        what = (
            f"no sentence in the {words} words left after cleaning (a run of {SENTENCE_WORDS}+ words "
            "ending in . ! or ?, or a title with a line under it)"
        )
    return f"{what}{took}; not an article"


def shell_notice(words: int, notice: str, page: bool) -> str:
    """Why a short text that shows a page's notice (script, cookie, error, paywall) is no article."""
    what = "page shell or paywall teaser" if page else "only a page notice, no sentence of news,"
    shown = notice if len(notice) <= 60 else notice[:57] + "..."
    return f"{what}: {words} words left after cleaning, with the notice {shown!r}; not an article"
