"""Ingest stage, cleaning: one raw record in, one clean Article out (a pure function).

What is taken out of the body, and recorded in ``Article.removed`` with a reason:
photo captions and credit lines, a title repeated at the top, repeated paragraphs, trailing tag
lists and stray labels, share/subscribe/newsletter furniture and syndication notes, bylines and
contributor lines (their names go to ``authors``), lone timestamp lines (to ``published`` when
the record has no date), the seeds' leading `` date YYYY-MM-DD `` marker, and a headline-shaped
first line when the record has no title (it becomes the title).

Subheadings inside the body are kept: they are the article's own structure and words. They stay
paragraphs of their own, so later stages can tell them from sentences by their missing final stop.

The clean text has one paragraph per input paragraph, separated by a blank line; a block of
hard-wrapped lines is joined back into one paragraph first.

What is left must hold a sentence to be an article; under ``limits.BRIEF_WORDS`` words it is kept
as a brief (``Article.brief``). ``limits`` states the rule; a whole HTML page's title does not count.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields, replace
from typing import Any

from rapidfuzz import fuzz

from ..errors import InputError
from ..ids import article_id_hash, content_hash
from ..models import Article, RawRecord, Removal
from . import rules
from .html import fragment_text, page_text
from .limits import (
    BRIEF_WORDS,
    MAX_BYTES,
    MAX_CHARS,
    no_sentence,
    oversized_input,
    shell_notice,
    too_long_article,
)
from .meta import (
    find_date,
    guess_language,
    is_timestamp_line,
    storable,
    to_iso,
    url_host,
)

_HEADER_SPAN = 6  # paragraphs at the top where a title, byline and timestamp may stand

_SPACE_TABLE: dict[int, str | None] = {
    ord(char): " "
    for char in "\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000\x0b\x0c"
}
_SPACE_TABLE.update({ord(char): None for char in "\u200b\u200c\u200d\u2060\ufeff\u00ad"})
_SPACE_TABLE.update({code: None for code in range(0, 32) if code not in (9, 10, 11, 12, 13)})
_SPACE_TABLE[0x7F] = None
_SPACE_TABLE[0x2028] = "\n"
_SPACE_TABLE[0x2029] = "\n"
_ODD_CHARS_RE = re.compile("[" + "".join(re.escape(chr(code)) for code in _SPACE_TABLE) + "]")
_MULTISPACE_RE = re.compile(r" {2,}")
_DATE_MARKER_RE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})(?:\s+|$)")


@dataclass
class _Para:
    text: str
    block: int  # which blank-line separated block of the input it came from
    kind: str | None = None  # set when cleaning removes it
    reason: str = ""


@dataclass
class _Meta:
    title: str | None = None
    published: str | None = None
    url: str | None = None
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    removed: list[Removal] = field(default_factory=list)
    page: bool = False  # the body was extracted from a whole HTML page


def normalise(text: str) -> str:
    """NFC, one kind of line ending, spaces folded inside lines, lines stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _ODD_CHARS_RE.search(text):  # translate is slow; most texts have none of these characters
        text = text.translate(_SPACE_TABLE)
    if "  " in text:
        text = _MULTISPACE_RE.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n"))


def _wrapped(lines: list[str]) -> bool:
    """A block of hard-wrapped lines (one paragraph broken at a fixed width), not one paragraph a line."""
    if len(lines) < 3:
        return False
    body = lines[:-1]
    if max(len(line) for line in body) > 100 or min(len(line) for line in body) < 30:
        return False
    return sum(rules.ends_sentence(line) for line in body) / len(body) < 0.4


def split_paragraphs(text: str) -> list[_Para]:
    out: list[_Para] = []
    for block_no, block in enumerate(re.split(r"\n\s*\n", text)):
        lines = [line for line in block.split("\n") if line]
        if not lines:
            continue
        if _wrapped(lines):
            out.append(_Para(" ".join(lines), block_no))
        else:
            out.extend(_Para(line, block_no) for line in lines)
    return out


def _body_and_meta(raw: RawRecord) -> tuple[str, _Meta]:
    """The record's body text (HTML turned to text) and the metadata the record or page gives."""
    meta = _Meta(
        title=(raw.title or "").strip() or None,
        published=to_iso(raw.published),
        url=(raw.url or "").strip() or None,
        source=(raw.source or "").strip() or None,
        authors=list(raw.authors),
    )
    if raw.text is not None and raw.text.strip():
        return raw.text, meta
    if raw.html is None or not raw.html.strip():
        raise InputError(raw.origin, "no text: the record has neither text nor html")
    if raw.fmt == "feed":
        return fragment_text(raw.html), meta
    page = page_text(raw.html, meta.url)
    meta.page = page.whole
    meta.title = meta.title or page.title
    meta.published = meta.published or to_iso(page.published)
    meta.url = meta.url or page.url
    meta.source = meta.source or page.source
    meta.authors = meta.authors or page.authors
    return page.text, meta


def _mark(para: _Para, kind: str, reason: str) -> None:
    para.kind, para.reason = kind, reason


# Cheap prefix tests that let most body paragraphs skip a rule's regex (lower case, first 14 characters).
_BYLINE_STARTS = (
    "by ",
    "written",
    "words by",
    "story by",
    "text by",
    "reported by",
    "author",
    "reporter",
    "byline",
    "von ",
    "par ",
    "por ",
    "di ",
    "door ",
    "av ",
    "af ",
)
_CONTRIB_STARTS = (
    "reporting",
    "additional",
    "with addition",
    "writing",
    "research",
    "editing",
    "edited",
    "compiled",
    "reported",
    "produced",
    "this report",
    "this story",
    "this article",
)
_TAG_STARTS = ("tag", "topic", "related", "keyword", "filed", "categor", "subject", "more on")


def _classify(paras: list[_Para], meta: _Meta) -> None:
    """Mark every paragraph that is not the article's own words, line by line.

    Each rule only applies to lines short enough to be what it removes; the length gates also keep
    the text path fast, since most paragraphs are long enough to skip all but the credit test.
    """
    for i, para in enumerate(paras):
        n_words = para.text.count(" ") + 1  # text is normalised: single spaces between words
        if not (
            _byline(para, n_words, meta)
            or _timestamp(para, meta)
            or _contributors(para, n_words, meta)
            or _tag_line(para, n_words)
            or _furniture(para, n_words)
            or _photo_credit(para, n_words)
        ):
            _lone_credit(para, n_words, paras[i - 1] if i else None)


def _byline(para: _Para, n_words: int, meta: _Meta) -> bool:
    """A byline: its names go to the authors, and its time to published when the record has none."""
    if n_words > 16 or not para.text[:14].lower().startswith(_BYLINE_STARTS):
        return False
    names = rules.byline_names(para.text)
    if names is None:
        return False
    meta.authors += [name for name in names if name not in meta.authors]
    when = find_date(para.text) if meta.published is None else None
    meta.published = meta.published or when
    _mark(
        para,
        "byline",
        "byline: "
        + (", ".join(names) + " moved to authors" if names else "no person named")
        + (f"; its time {when} read as published" if when else ""),
    )
    return True


def _timestamp(para: _Para, meta: _Meta) -> bool:
    """A lone timestamp line: the published time when the record has none."""
    if len(para.text) > 90 or not is_timestamp_line(para.text):
        return False
    when = find_date(para.text) or to_iso(para.text)
    if meta.published is None and when:
        meta.published = when
        _mark(para, "dateline", f"timestamp line read as the published time {when}")
    else:
        _mark(para, "dateline", "timestamp line (the record already has a published date)")
    return True


def _contributors(para: _Para, n_words: int, meta: _Meta) -> bool:
    """A contributor line ("Reporting by ..."): its names go to the authors."""
    text = para.text
    if n_words > 40 or not (text[:14].lower().startswith(_CONTRIB_STARTS) or "ontribut" in text):
        return False
    names = rules.contributor_names(text)
    if names is None:
        return False
    meta.authors += [name for name in names if name not in meta.authors]
    _mark(
        para,
        "byline",
        "contributor line" + (": " + ", ".join(names) + " moved to authors" if names else ""),
    )
    return True


def _tag_line(para: _Para, n_words: int) -> bool:
    if n_words > 40 or not para.text[:14].lower().startswith(_TAG_STARTS) or not rules.is_tag_line(para.text):
        return False
    _mark(para, "tags", "tag list or tag label")
    return True


def _furniture(para: _Para, n_words: int) -> bool:
    """Code, or share/subscribe/newsletter furniture and syndication notes."""
    why = rules.code_reason(para.text) or (rules.furniture_reason(para.text) if n_words <= 35 else None)
    if not why:
        return False
    _mark(para, "furniture", why)
    return True


def _photo_credit(para: _Para, n_words: int) -> bool:
    """A photo credit line, or a caption: ending in a credit, or describing a photo."""
    credit = rules.credit_tail(para.text)
    if credit:
        if credit.strip() == para.text.strip():
            _mark(para, "credit", "photo credit line (names with slashes: photographer/agency)")
        else:
            _mark(para, "caption", f"photo caption ending in the credit {credit.strip()!r}")
        return True
    if n_words <= 80 and rules.has_photo_cue(para.text):
        _mark(para, "caption", "photo caption (describes a photo)")
        return True
    return False


def _lone_credit(para: _Para, n_words: int, prev: _Para | None) -> bool:
    """A line naming only an agency or photographer; the line before it is its caption when it looks
    like one."""
    if n_words > 7 or not rules.is_lone_credit(para.text):
        return False
    _mark(para, "credit", "line naming only a photo agency or photographer")
    if (
        prev is not None
        and prev.kind is None
        and rules.looks_like_caption(prev.text, prev.block == para.block)
    ):
        _mark(prev, "caption", f"photo caption: the line before the credit {para.text!r}")
    return True


def _similar(first: str, second: str) -> bool:
    first_key, second_key = rules.key(first), rules.key(second)
    if not first_key or not second_key:
        return False
    if first_key == second_key:
        return True
    short, long_ = sorted((first_key, second_key), key=len)
    # "Title | Site" against "Title": the same words plus an outlet's name.
    if long_.startswith(short) and len(long_.split()) - len(short.split()) <= 5 and len(short.split()) >= 3:
        return True
    return fuzz.ratio(first_key, second_key) >= 92


def _title(paras: list[_Para], meta: _Meta) -> None:
    """Take a headline-shaped top line as the title when the record has none; drop the title's repeats."""
    kept = [para for para in paras if para.kind is None]
    # The header ends where the body clearly starts: a long paragraph, or a second sentence (one
    # sentence may be a standfirst printed above the headline, as some pages do).
    header: list[_Para] = []
    sentences = 0
    for para in kept[:_HEADER_SPAN]:
        if rules.words(para.text) >= 25 or (sentences and rules.ends_sentence(para.text)):
            break
        sentences += rules.ends_sentence(para.text)
        header.append(para)
    if meta.title is None:
        for j, para in enumerate(header):
            # A title-cased first line counts even with a final stop (some archives add one).
            if rules.is_headline(para.text, allow_stop=j == 0 and para is kept[0]):
                meta.title = para.text
                _mark(para, "title", "headline-shaped line at the top (no final stop) taken as the title")
                break
    # A label of a word or three above the headline or the first sentence is the section or kicker
    # ("World", "Floods", "Live"), not part of the story.
    for para in header:
        if para.kind is not None or rules.is_headline(para.text) or rules.ends_sentence(para.text):
            break
        if rules.words(para.text) <= 3 and para.text[:1].isupper():
            _mark(para, "furniture", "section or kicker label at the top")
    if meta.title:
        title_words = rules.words(meta.title)
        for para in kept[: _HEADER_SPAN + 2]:
            if (
                para.kind is None
                and abs(rules.words(para.text) - title_words) <= title_words // 2 + 5
                and _similar(para.text, meta.title)
            ):
                _mark(para, "repeated_title", "the title repeated in the body")


def _repeats_and_tail(paras: list[_Para]) -> None:
    seen: set[str] = set()
    for para in paras:
        if para.kind is not None:
            continue
        key = para.text.casefold()  # text is normalised already: spaces are single
        if key in seen:
            _mark(para, "repeated_paragraph", "the same paragraph already stands earlier in the article")
        seen.add(key)
    kept = [para for para in paras if para.kind is None]
    tail: list[_Para] = []
    for para in reversed(kept):
        if rules.is_tag_line(para.text):
            tail.append(para)
            break  # a tag label: it and every item after it are the tag list
        if not rules.is_tag_item(para.text):
            break
        tail.append(para)
    if len(tail) == len(kept) == 1 and not rules.is_tag_line(tail[0].text):
        return  # a lone short line is the whole text (a brief's one line), not a tag after the last paragraph
    for para in tail:
        if rules.is_tag_line(para.text):
            _mark(para, "tags", "tag list or tag label")
        else:
            _mark(para, "tags", "short label-like line after the last paragraph (a tag or stray label)")


def _storable_record(raw: RawRecord) -> RawRecord:
    """The record with every lone surrogate replaced: one stray escape must not cost the article."""
    changes: dict[str, Any] = {}
    for record_field in fields(raw):
        value = getattr(raw, record_field.name)
        if isinstance(value, str):
            changes[record_field.name] = storable(value)
        elif isinstance(value, list):
            changes[record_field.name] = [storable(item) if isinstance(item, str) else item for item in value]
    return replace(raw, **changes)


def clean(raw: RawRecord) -> Article:
    """Clean one record into an Article; raises InputError when no usable article text is left, or
    when more is left than one article may hold (``limits.MAX_CHARS``, what analysis can take)."""
    raw = _storable_record(raw)
    body, meta = _body_and_meta(raw)
    if len(body) > MAX_BYTES:
        raise InputError(raw.origin, oversized_input("text"))
    text = normalise(body)
    marker = _DATE_MARKER_RE.match(text)
    if marker:
        when = to_iso(marker[1])
        if meta.published is None:
            meta.published = when
        meta.removed.append(
            Removal("dateline", marker.group(0).strip(), f"leading date marker read as published {when}")
        )
        text = text[marker.end() :]
    paras = split_paragraphs(text)
    _classify(paras, meta)
    _title(paras, meta)
    _repeats_and_tail(paras)
    meta.removed += [Removal(para.kind, para.text, para.reason) for para in paras if para.kind is not None]
    clean_text = "\n\n".join(para.text for para in paras if para.kind is None)
    if len(clean_text) > MAX_CHARS:
        raise InputError(raw.origin, too_long_article(len(clean_text)))
    n_words = rules.words(clean_text)
    refusal = _refusal(clean_text, n_words, meta) if n_words < BRIEF_WORDS else None
    if refusal:
        raise InputError(raw.origin, refusal)
    aid = raw.id or raw.stem or article_id_hash(raw.text or raw.html or "", 16)
    authors = _dedupe_authors(meta.authors)
    return Article(
        id=aid,
        text=clean_text,
        source=meta.source or url_host(meta.url) or aid,
        title=meta.title,
        published=meta.published,
        url=meta.url,
        authors=authors,
        language=guess_language(clean_text),
        path=raw.origin,
        format=raw.fmt,
        words=n_words,
        content_hash=content_hash(clean_text),
        removed=meta.removed,
        brief=n_words < BRIEF_WORDS,
    )


def _refusal(text: str, n_words: int, meta: _Meta) -> str | None:
    """Why a short clean text of ``n_words`` words is no article, or None when it is a brief
    (``limits`` gives the rule): it needs a sentence that is no page notice, or (not on a whole page)
    a title and a word; a whole page that shows a notice is a shell or a paywall teaser."""
    lines = [para for para in text.split("\n\n") if para]
    notices = [para for para in lines if rules.is_shell_notice(para)]
    if meta.page and not notices:
        notices = [removal.text for removal in meta.removed if rules.is_shell_notice(removal.text)]
    if meta.page and notices:
        return shell_notice(n_words, notices[0], page=True)
    prose = "\n".join(para for para in lines if para not in notices)
    if rules.has_sentence(prose) or (meta.title and not meta.page and rules.lettered(prose)):
        return None
    if notices:
        return shell_notice(n_words, notices[0], page=False)
    kinds = list(dict.fromkeys(removal.kind for removal in meta.removed))
    return no_sentence(n_words, rules.lettered(text), meta.page, kinds)


def _dedupe_authors(names: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        key = rules.key(name)
        if key and key not in seen:
            seen.add(key)
            out.append(name)
    return out
