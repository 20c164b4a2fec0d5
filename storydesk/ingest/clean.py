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
    ord(c): " "
    for c in "\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\x0b\x0c"
}
_SPACE_TABLE.update({ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff\u00ad"})
_SPACE_TABLE.update({c: None for c in range(0, 32) if c not in (9, 10, 11, 12, 13)})
_SPACE_TABLE[0x7F] = None
_SPACE_TABLE[0x2028] = "\n"
_SPACE_TABLE[0x2029] = "\n"
_ODD_CHARS_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in _SPACE_TABLE) + "]")
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
    if max(len(x) for x in body) > 100 or min(len(x) for x in body) < 30:
        return False
    return sum(rules.ends_sentence(x) for x in body) / len(body) < 0.4


def split_paragraphs(text: str) -> list[_Para]:
    out: list[_Para] = []
    for b, block in enumerate(re.split(r"\n\s*\n", text)):
        lines = [x for x in block.split("\n") if x]
        if not lines:
            continue
        if _wrapped(lines):
            out.append(_Para(" ".join(lines), b))
        else:
            out.extend(_Para(x, b) for x in lines)
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


def _mark(p: _Para, kind: str, reason: str) -> None:
    p.kind, p.reason = kind, reason


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
    for i, p in enumerate(paras):
        t = p.text
        n = t.count(" ") + 1  # text is normalised: single spaces between words
        head = t[:14].lower()
        if n <= 16 and head.startswith(_BYLINE_STARTS):
            names = rules.byline_names(t)
            if names is not None:
                meta.authors += [x for x in names if x not in meta.authors]
                when = find_date(t) if meta.published is None else None
                meta.published = meta.published or when
                _mark(
                    p,
                    "byline",
                    "byline: "
                    + (", ".join(names) + " moved to authors" if names else "no person named")
                    + (f"; its time {when} read as published" if when else ""),
                )
                continue
        if len(t) <= 90 and is_timestamp_line(t):
            when = find_date(t) or to_iso(t)
            if meta.published is None and when:
                meta.published = when
                _mark(p, "dateline", f"timestamp line read as the published time {when}")
            else:
                _mark(p, "dateline", "timestamp line (the record already has a published date)")
            continue
        if n <= 40 and (head.startswith(_CONTRIB_STARTS) or "ontribut" in t):
            names = rules.contributor_names(t)
            if names is not None:
                meta.authors += [x for x in names if x not in meta.authors]
                _mark(
                    p,
                    "byline",
                    "contributor line" + (": " + ", ".join(names) + " moved to authors" if names else ""),
                )
                continue
        if n <= 40 and head.startswith(_TAG_STARTS) and rules.is_tag_line(t):
            _mark(p, "tags", "tag list or tag label")
            continue
        why = rules.code_reason(t) or (rules.furniture_reason(t) if n <= 35 else None)
        if why:
            _mark(p, "furniture", why)
            continue
        credit = rules.credit_tail(t)
        if credit:
            if credit.strip() == t.strip():
                _mark(p, "credit", "photo credit line (names with slashes: photographer/agency)")
            else:
                _mark(p, "caption", f"photo caption ending in the credit {credit.strip()!r}")
            continue
        if n <= 80 and rules.has_photo_cue(t):
            _mark(p, "caption", "photo caption (describes a photo)")
            continue
        if n <= 7 and rules.is_lone_credit(t):
            _mark(p, "credit", "line naming only a photo agency or photographer")
            prev = paras[i - 1] if i else None
            if (
                prev is not None
                and prev.kind is None
                and rules.looks_like_caption(prev.text, prev.block == p.block)
            ):
                _mark(prev, "caption", f"photo caption: the line before the credit {t!r}")


def _similar(a: str, b: str) -> bool:
    ka, kb = rules.key(a), rules.key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    short, long_ = sorted((ka, kb), key=len)
    # "Title | Site" against "Title": the same words plus an outlet's name.
    if long_.startswith(short) and len(long_.split()) - len(short.split()) <= 5 and len(short.split()) >= 3:
        return True
    return fuzz.ratio(ka, kb) >= 92


def _title(paras: list[_Para], meta: _Meta) -> None:
    """Take a headline-shaped top line as the title when the record has none; drop the title's repeats."""
    kept = [p for p in paras if p.kind is None]
    # The header ends where the body clearly starts: a long paragraph, or a second sentence (one
    # sentence may be a standfirst printed above the headline, as some pages do).
    header: list[_Para] = []
    sentences = 0
    for p in kept[:_HEADER_SPAN]:
        if rules.words(p.text) >= 25 or (sentences and rules.ends_sentence(p.text)):
            break
        sentences += rules.ends_sentence(p.text)
        header.append(p)
    if meta.title is None:
        for j, p in enumerate(header):
            # A title-cased first line counts even with a final stop (some archives add one).
            if rules.is_headline(p.text, allow_stop=j == 0 and p is kept[0]):
                meta.title = p.text
                _mark(p, "title", "headline-shaped line at the top (no final stop) taken as the title")
                break
    # A label of a word or three above the headline or the first sentence is the section or kicker
    # ("World", "Floods", "Live"), not part of the story.
    for p in header:
        if p.kind is not None or rules.is_headline(p.text) or rules.ends_sentence(p.text):
            break
        if rules.words(p.text) <= 3 and p.text[:1].isupper():
            _mark(p, "furniture", "section or kicker label at the top")
    if meta.title:
        tw = rules.words(meta.title)
        for p in kept[: _HEADER_SPAN + 2]:
            if (
                p.kind is None
                and abs(rules.words(p.text) - tw) <= tw // 2 + 5
                and _similar(p.text, meta.title)
            ):
                _mark(p, "repeated_title", "the title repeated in the body")


def _repeats_and_tail(paras: list[_Para]) -> None:
    seen: set[str] = set()
    for p in paras:
        if p.kind is not None:
            continue
        k = p.text.casefold()  # text is normalised already: spaces are single
        if k in seen:
            _mark(p, "repeated_paragraph", "the same paragraph already stands earlier in the article")
        seen.add(k)
    kept = [p for p in paras if p.kind is None]
    tail: list[_Para] = []
    for p in reversed(kept):
        if rules.is_tag_line(p.text):
            tail.append(p)
            break  # a tag label: it and every item after it are the tag list
        if not rules.is_tag_item(p.text):
            break
        tail.append(p)
    if len(tail) == len(kept) == 1 and not rules.is_tag_line(tail[0].text):
        return  # a lone short line is the whole text (a brief's one line), not a tag after the last paragraph
    for p in tail:
        if rules.is_tag_line(p.text):
            _mark(p, "tags", "tag list or tag label")
        else:
            _mark(p, "tags", "short label-like line after the last paragraph (a tag or stray label)")


def _storable_record(raw: RawRecord) -> RawRecord:
    """The record with every lone surrogate replaced: one stray escape must not cost the article."""
    changes: dict[str, Any] = {}
    for f in fields(raw):
        value = getattr(raw, f.name)
        if isinstance(value, str):
            changes[f.name] = storable(value)
        elif isinstance(value, list):
            changes[f.name] = [storable(v) if isinstance(v, str) else v for v in value]
    return replace(raw, **changes)


def clean(raw: RawRecord) -> Article:
    """Clean one record into an Article; raises InputError when no usable article text is left, or
    when more is left than one article may hold (``limits.MAX_CHARS``, what analysis can take)."""
    raw = _storable_record(raw)
    body, meta = _body_and_meta(raw)
    if len(body) > MAX_BYTES:
        raise InputError(raw.origin, oversized_input("text"))
    text = normalise(body)
    m = _DATE_MARKER_RE.match(text)
    if m:
        when = to_iso(m[1])
        if meta.published is None:
            meta.published = when
        meta.removed.append(
            Removal("dateline", m.group(0).strip(), f"leading date marker read as published {when}")
        )
        text = text[m.end() :]
    paras = split_paragraphs(text)
    _classify(paras, meta)
    _title(paras, meta)
    _repeats_and_tail(paras)
    meta.removed += [Removal(p.kind, p.text, p.reason) for p in paras if p.kind is not None]
    clean_text = "\n\n".join(p.text for p in paras if p.kind is None)
    if len(clean_text) > MAX_CHARS:
        raise InputError(raw.origin, too_long_article(len(clean_text)))
    n = rules.words(clean_text)
    refusal = _refusal(clean_text, n, meta) if n < BRIEF_WORDS else None
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
        words=n,
        content_hash=content_hash(clean_text),
        removed=meta.removed,
        brief=n < BRIEF_WORDS,
    )


def _refusal(text: str, n: int, meta: _Meta) -> str | None:
    """Why a short clean text of ``n`` words is no article, or None when it is a brief (``limits``
    gives the rule): it needs a sentence that is no page notice, or (not on a whole page) a title
    and a word; a whole page that shows a notice is a shell or a paywall teaser."""
    lines = [x for x in text.split("\n\n") if x]
    notices = [x for x in lines if rules.is_shell_notice(x)]
    if meta.page and not notices:
        notices = [r.text for r in meta.removed if rules.is_shell_notice(r.text)]
    if meta.page and notices:
        return shell_notice(n, notices[0], page=True)
    prose = "\n".join(x for x in lines if x not in notices)
    if rules.has_sentence(prose) or (meta.title and not meta.page and rules.lettered(prose)):
        return None
    if notices:
        return shell_notice(n, notices[0], page=False)
    kinds = list(dict.fromkeys(r.kind for r in meta.removed))
    return no_sentence(n, rules.lettered(text), meta.page, kinds)


def _dedupe_authors(names: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for n in names:
        k = rules.key(n)
        if k and k not in seen:
            seen.add(k)
            out.append(n)
    return out
