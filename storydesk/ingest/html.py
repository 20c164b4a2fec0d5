"""Ingest stage, HTML: a page's main text and metadata (trafilatura, htmldate), or a fragment's text."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li blockquote section article header footer tr pre dd dt ul ol table".split()
)
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "figure",
    "figcaption",
    "iframe",
    "nav",
    "aside",
    "form",
    "button",
)
_FULL_PAGE_RE = re.compile(r"<(?:html|body|head)\b", re.I)

# trafilatura logs its doubts about each odd page it extracts ("discarding data", "empty HTML tree") at
# WARNING and ERROR. They are not the user's business: a page with no text is rejected with ingest's own
# reason. Quietened once, here at import (not on every page), and only if the program using storydesk
# has not set the level itself.
_TRAFILATURA_LOG = logging.getLogger("trafilatura")
if _TRAFILATURA_LOG.level == logging.NOTSET:
    _TRAFILATURA_LOG.setLevel(logging.CRITICAL)


@dataclass
class PageText:
    """The main text of a page, paragraphs one a line, with what the page says about itself."""

    text: str
    title: str | None = None
    published: str | None = None
    source: str | None = None
    url: str | None = None
    authors: list[str] = field(default_factory=list)
    whole: bool = True  # read from a whole page (its title is the page's, not a record's)


def fragment_text(html: str) -> str:
    """Text of an HTML fragment (a feed item's content), one block element a line; figures dropped."""
    from lxml import etree
    from lxml import html as lh

    try:
        root = lh.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]+>", " ", html)
    for bad in list(root.iter(*_DROP_TAGS)):
        if bad.getparent() is not None:
            bad.drop_tree()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "br" or el.tag in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            if el.tag != "br":
                el.text = "\n" + (el.text or "")
    return root.text_content()


def page_text(html: str, url: str | None = None) -> PageText:
    """Main text and metadata of a whole page; a fragment (no <html>/<body>) is read as a fragment."""
    if not _FULL_PAGE_RE.search(html[:5000]):
        return PageText(fragment_text(html), url=url, whole=False)
    import trafilatura
    from trafilatura.settings import Document

    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        deduplicate=False,
    )
    # without as_dict, a Document or None (trafilatura annotates the as_dict=True form too)
    if not isinstance(doc, Document) or not (doc.text or "").strip():
        text = _baseline(html)
        return PageText(text, url=url)
    authors = [author.strip() for author in re.split(r";|\|", doc.author or "") if author.strip()]
    return PageText(
        text=doc.text or "",
        title=doc.title or None,
        published=doc.date or None,
        source=doc.sitename or None,
        url=doc.url or url,
        authors=authors,
    )


def _baseline(html: str) -> str:
    """trafilatura's simple fallback for pages its main extractor finds nothing in."""
    from trafilatura import baseline

    _, text, _ = baseline(html)
    return text or ""
