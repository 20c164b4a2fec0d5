"""Short items are briefs, kept and marked; inputs with no sentence at all, and page shells, are rejected.

The rule (``storydesk/ingest/limits.py``): a sentence is three or more lettered words ending in . ! or ?;
a title with a word under it counts too, except on a whole HTML page; under 20 words an input is a brief.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storydesk.errors import InputError
from storydesk.ingest import clean, ingest_paths, read_paths
from storydesk.ingest.limits import BRIEF_WORDS
from storydesk.ingest.rules import has_sentence, is_shell_notice
from storydesk.models import Article, RawRecord, Rejection
from storydesk.store import Store

FERRY = "Ferry service to the port of Vessa resumed on Monday, two days after the storm closed it."
BUDGET = (
    "The regional council approved a new budget for schools and roads on Tuesday, its chair told reporters."
)
DIKES = "Dikes held overnight. The river crested at dawn. Residents may return on Friday, officials said."
LONG = (
    "Rescue teams reached the flooded villages of the Aster valley on Wednesday, two days after the river "
    "broke its banks, the regional governor said in a statement."
)


def _rss(description: str) -> str:
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Harbor Daily</title>"
        "<link>https://harbor.example/</link><item><title>Ferries run again</title>"
        f"<link>https://harbor.example/ferry</link><guid>hd-ferry-1</guid><description>{description}"
        "</description></item></channel></rss>"
    )


def _page(body: str, title: str = "Valley News") -> str:
    return f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{body}</body></html>"


NAV = _page(
    "<div class='menu'><a href='/'>Home</a> <a href='/w'>World</a> <a href='/b'>Business</a> "
    "<a href='/s'>Sport</a> <a href='/x'>Weather</a></div>"
)

# (name, file name, content): each file holds one input, read through the product's own readers.
KEPT = [
    ("17-word RSS item", "feed.rss", _rss(FERRY)),
    ("17-word JSON record", "r.jsonl", json.dumps({"id": "budget", "source": "Valley News", "text": BUDGET})),
    ("3-sentence 15-word text file", "dikes.txt", DIKES),
    (
        "title-only record, one-sentence text",
        "t.jsonl",
        json.dumps({"title": "Port reopens", "text": "Ferries run again from Monday."}),
    ),
    (
        "title and a line without a stop",
        "l.jsonl",
        json.dumps({"id": "l", "title": "Storm over", "text": "Port reopens Monday"}),
    ),
    (
        "an HTML page with a headline and one sentence",
        "brief.html",
        _page(
            "<article><h1>Dikes hold on the Aster</h1><p>The dikes along the lower Aster held overnight, the "
            "flood office said.</p></article>"
        ),
    ),
]
REJECTED = [
    ("empty record", "e.jsonl", json.dumps({"id": "e", "text": ""}), "no text"),
    (
        "only punctuation",
        "p.jsonl",
        json.dumps({"id": "p", "text": "... -- !!! ?"}),
        "no text left after cleaning",
    ),
    (
        "only numbers",
        "n.jsonl",
        json.dumps({"id": "n", "text": "12. 34. 2026."}),
        "only numbers or punctuation",
    ),
    (
        "navigation-only HTML page",
        "nav.html",
        NAV,
        "no text left after cleaning (cleaning removed: furniture)",
    ),
    (
        "navigation line on an HTML page",
        "bar.html",
        _page("<div><p>Home News Sport Weather Contact</p></div>"),
        "page shell: only 5 words",
    ),
    (
        "credit line only",
        "c.jsonl",
        json.dumps({"id": "c", "title": "Floods", "text": "Ola Marsh/AFP via Getty Images"}),
        "cleaning removed: credit",
    ),
    (
        "only markup",
        "m.jsonl",
        json.dumps({"id": "m", "html": "<div><img src='a.jpg'><br></div>"}),
        "no text left after cleaning",
    ),
    (
        "two words, no title",
        "w.jsonl",
        json.dumps({"id": "w", "text": "Too short."}),
        "no sentence in the 2 words",
    ),
]


def _ingest(tmp_path: Path, name: str, content: str) -> tuple[list[Article], list[Rejection]]:
    (tmp_path / name).write_text(content, encoding="utf-8")
    kept, rejected = [], []
    for item in read_paths([str(tmp_path / name)]):
        if isinstance(item, Rejection):
            rejected.append(item)
            continue
        try:
            kept.append(clean(item))
        except InputError as exc:
            rejected.append(Rejection(exc.origin, exc.reason))
    return kept, rejected


@pytest.mark.parametrize("name,file,content", KEPT, ids=[k[0] for k in KEPT])
def test_short_items_are_kept_as_briefs(tmp_path, name, file, content):
    kept, rejected = _ingest(tmp_path, file, content)
    assert not rejected, rejected
    (art,) = kept
    assert art.brief is True and 0 < art.words < BRIEF_WORDS and art.text


def test_the_figures_of_the_brief_are_the_issues():
    assert [len(x.split()) for x in (FERRY, BUDGET, DIKES)] == [17, 17, 15]


@pytest.mark.parametrize("name,file,content,reason", REJECTED, ids=[r[0] for r in REJECTED])
def test_inputs_with_no_sentence_are_rejected_with_a_reason(tmp_path, name, file, content, reason):
    kept, rejected = _ingest(tmp_path, file, content)
    assert not kept, kept
    (rej,) = rejected
    assert reason in rej.reason and "\n" not in rej.reason and rej.path.startswith(str(tmp_path / file))


# Whole pages that show a notice instead of an article stay rejected, as they were under the old word limit.
SHELLS = [
    ("script check", "<noscript>Please enable JavaScript to view this site.</noscript><div id='app'></div>"),
    (
        "not found",
        "<h1>404</h1><p>Page not found.</p><p>Sorry, the page you are looking for does not exist.</p>",
    ),
    (
        "cookie wall",
        "<div><p>We use cookies to improve your experience on our site.</p><button>Accept</button></div>",
    ),
    ("paywall", "<p>This content is available to subscribers only.</p><p>Subscribe now</p>"),
    ("access denied", "<p>Access denied. You do not have permission to access this page.</p>"),
    (
        "paywall teaser",
        "<article><p>The minister resigned on Monday after the vote failed, officials said.</p>"
        "<p>Subscribe to continue reading</p></article>",
    ),
]


@pytest.mark.parametrize("name,body", SHELLS, ids=[s[0] for s in SHELLS])
def test_page_shells_are_not_briefs(name, body):
    with pytest.raises(InputError, match="page shell or paywall teaser"):
        clean(RawRecord(origin="p.html", fmt="html", html=_page(body), stem="p"))


def test_a_page_notice_alone_is_no_brief_in_a_record_either():
    with pytest.raises(InputError, match="only a page notice"):
        clean(
            RawRecord(origin="r:1", fmt="jsonl", id="r", text="Please enable JavaScript to view this site.")
        )


def test_a_page_title_does_not_make_words_a_brief():
    """A record's title counts with a line under it; a page's <title> does not (every shell has one)."""
    words = "Latest headlines from the valley"
    assert clean(RawRecord(origin="r:1", fmt="jsonl", id="r", title="Valley", text=words)).brief
    with pytest.raises(InputError, match="page shell"):
        clean(
            RawRecord(
                origin="p.html", fmt="html", html=_page(f"<div><p>{words}</p></div>", "Valley"), stem="p"
            )
        )


def test_an_article_is_no_brief_and_a_long_text_needs_no_sentence():
    assert clean(RawRecord(origin="a.txt", fmt="txt", text=LONG, stem="a")).brief is False
    listing = " ".join(f"Item {i}" for i in range(12))  # 24 words, no stop: an article, as it always was
    assert clean(RawRecord(origin="r:1", fmt="jsonl", id="r", text=listing)).brief is False


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Markets fell sharply.", True),
        ("“We will rebuild,” she said.", True),
        ("Is the dike safe?\nNo one knows", True),
        ("Home News Sport", False),
        ("Too short.", False),
        ("12. 34. 2026.", False),
        ("The river rose as the rain…", False),  # cut off: a teaser's end, not a sentence's
        ("The river rose as the rain...", False),
        ("", False),
    ],
)
def test_what_a_sentence_is(text, expected):
    assert has_sentence(text) is expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Please enable JavaScript to view this site.", True),
        ("Subscribe to continue reading", True),
        ("Sorry, the page you are looking for does not exist.", True),
        ("The council approved the budget for the new harbour page by page on Tuesday.", False),
        ("The site of the old harbour was cleared on Monday.", False),
    ],
)
def test_what_a_page_notice_is(text, expected):
    assert is_shell_notice(text) is expected


def test_a_stored_brief_reads_back_as_a_brief(tmp_path):
    (tmp_path / "feed.rss").write_text(_rss(FERRY), encoding="utf-8")
    (tmp_path / "long.txt").write_text(LONG, encoding="utf-8")
    with Store(tmp_path / "b.db") as store:
        rep = ingest_paths([str(tmp_path)], store, progress=False)
        assert len(rep.added) == 2 and not rep.rejected
        assert {a.id: a.brief for a in store.iter_articles()} == {"hd-ferry-1": True, "long": False}
