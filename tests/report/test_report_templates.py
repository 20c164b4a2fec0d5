"""The HTML pages come from Jinja2 templates: every citation linked, hostile text escaped, no `|safe` on
it."""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from markupsafe import Markup

from storydesk.models import Dossier, Rejection, Story
from storydesk.report import index_html
from storydesk.report import render as render_dossier
from storydesk.report.common import refs
from storydesk.report.render_html import render_html
from storydesk.report.templates import CSP, CSS, ENV, JS, render_page

FIXTURE = Path(__file__).parent / "dossier_fixture.json"
TEMPLATES = Path(__file__).parents[2] / "storydesk" / "report" / "templates"
HOSTILE = "<script>alert(1)</script>"

# Template expressions allowed to go out unescaped with |safe: none. Constant markup (the policy, the
# style, the script) is Markup made in templates.py, and article text never is.
SAFE_ALLOWED: dict[str, set[str]] = {}


def render(doc: dict, fmt: str, **options) -> str:
    """Render a dossier given as its contract JSON (the form these tests edit)."""
    return render_dossier(Dossier.from_json(doc), fmt, **options)


@pytest.fixture(scope="module")
def doc() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _cited(doc: dict) -> set[str]:
    """Every article id the dossier cites for a statement."""
    ids = {
        article_id
        for sentence in doc["summary"]
        for article_id in sentence["articles"] + sentence.get("also_reported_by", [])
    }
    ids |= {occ["article"] for claim in doc["claims"] for occ in claim["occurrences"]}
    ids |= {
        article_id
        for conflict in doc["conflicts"]
        for position in conflict["positions"]
        for article_id in position["articles"]
    }
    ids |= {occ["article"] for quote in doc["quotes"] for occ in quote["occurrences"]}
    ids |= {
        article_id
        for entity in doc["entities"]
        for role in entity.get("roles", [])
        for article_id in role["articles"]
    }
    return ids | {article_id for entry in doc["timeline"] for article_id in entry["articles"]}


def test_every_citation_links_to_its_article(doc: dict) -> None:
    out = render(doc, "html")
    numbering = refs(Dossier.from_json(doc))
    cited = _cited(doc)
    assert cited
    must = [
        f'<a href="#art-{numbering.number[article_id]}" '
        f'title="{html.escape(numbering.source[article_id])}">{numbering.number[article_id]}</a>'
        for article_id in cited
    ]
    must += [f'<li id="art-{number}">' for number in range(1, len(doc["articles"]) + 1)]
    assert [text for text in must if text not in out] == []


def test_web_citations_and_evidence_link_into_the_article_pages(doc: dict) -> None:
    out = render(
        doc,
        "html",
        link=lambda article_id, start, end: (
            f"/articles/{article_id}" + (f"?start={start}&end={end}" if start is not None else "")
        ),
    )
    must = [f'href="/articles/{article_id}"' for article_id in _cited(doc)]
    must += [
        f'<a class="ev" href="/articles/{occ["article"]}?start={occ["start"]}&amp;end={occ["end"]}">'
        for claim in doc["claims"]
        for occ in claim["occurrences"]
    ]
    assert [text for text in must if text not in out] == []
    assert "#art-" not in out


def test_possible_conflicts_are_labelled(doc: dict) -> None:
    label = '<span class="badge b-possible" title="not yet measured as reliable">possible conflict</span>'
    assert label not in render(doc, "html")
    changed = copy.deepcopy(doc)
    changed["conflicts"][0]["certainty"] = "possible"
    out = render(changed, "html")
    assert out.count(label) == 1
    assert re.search(rf"<h3>[^<]*<span class=\"badge b-kind\">[^<]*</span> {re.escape(label)}</h3>", out)


@pytest.fixture(scope="module")
def hostile(doc: dict) -> dict:
    changed = copy.deepcopy(doc)
    changed["story"]["title"] = HOSTILE
    changed["articles"][0]["title"] = HOSTILE
    changed["articles"][0]["url"] = "javascript:alert(1)"
    changed["articles"][1]["url"] = "  JavaScript:alert(2)"
    changed["articles"][2]["url"] = "data:text/html,<b>x</b>"
    changed["articles"][3]["url"] = 'https://example.org/a?b=1&c="2"'
    changed["quotes"][0]["speaker_name"] = '" onmouseover="alert(3)'
    return changed


def test_hostile_text_is_escaped_and_bad_urls_are_not_linked(hostile: dict) -> None:
    out = render(hostile, "html")
    assert f"<title>{html.escape(HOSTILE)}</title>" in out
    assert f"<h1>{html.escape(HOSTILE)}</h1>" in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</li>" not in out  # the title sits in its link, if any
    assert HOSTILE not in out and 'alert(3)"' not in out
    assert out.count("<script>") == 1  # the page's own
    for bad in ("javascript:", "JavaScript:", "data:text"):
        assert bad not in out
    assert '<a href="https://example.org/a?b=1&amp;c=&quot;2&quot;">' in out


def test_static_and_web_pages_share_one_shell(doc: dict) -> None:
    """Dossier, index, article and error pages all extend base.html: one policy, one style, one <main>."""
    stories = [Story("s-1", HOSTILE, ["a"], ["X"], "2025-01-01", None)]
    art = type(
        "Art", (), {"id": "a", "title": HOSTILE, "url": "javascript:x", "text": "t <b>", "source": "X"}
    )
    pages = {
        "dossier": render(doc, "html"),
        "index": index_html(
            stories, lambda story_id: f"stories/{story_id}.html", [Rejection("in/<x>", "bad & worse")]
        ),
        "article": render_page("article.html", art=art, links=[("/", "All stories")], meta=["X"], span=None),
        "error": render_page("error.html", title="Not found", message=HOSTILE),
    }
    for name, out in pages.items():
        assert out.startswith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'), name
        assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in out, name
        assert f"<style>{CSS}</style>" in out and out.count("<main>") == 1, name
        assert HOSTILE not in out and out.endswith("</body></html>\n"), name
        assert (f"<script>{JS}</script>" in out) is (name == "dossier"), name
    assert "in/&lt;x&gt;" in pages["index"] and "bad &amp; worse" in pages["index"]
    assert "javascript:" not in pages["article"] and "t &lt;b&gt;" in pages["article"]


def test_nav_links_go_first_in_main(doc: dict) -> None:
    out = render_html(Dossier.from_json(doc), nav=[("/", "← All stories"), ('/s?a="1"', "JSON")])
    bar = '<p class="nav"><a href="/">← All stories</a><a href="/s?a=&quot;1&quot;">JSON</a></p>'
    assert f"<main>\n{bar}\n<header>" in out
    assert "<main>\n<header>" in render(doc, "html")


def test_no_template_marks_text_safe() -> None:
    """`|safe` would let article text out unescaped: only the named expressions may use it."""
    found: dict[str, set[str]] = {}
    for path in sorted(TEMPLATES.glob("*.html")):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"autoescape\s+false", source), path.name
        for expr in re.findall(r"\{\{([^}]*?)\|\s*safe\b", source):
            found.setdefault(path.name, set()).add(expr.strip())
    assert found == SAFE_ALLOWED
    markup = {name for name, value in ENV.globals.items() if isinstance(value, Markup)}
    assert markup == {"csp", "style", "script"}  # constants of templates.py, no article text


def test_indentation_between_tags_is_not_output() -> None:
    out = ENV.from_string(
        "<ul>\n  {% for x in xs %}\n    <li>{{ x }} and\n    more</li>\n  {% endfor %}\n</ul>\n"
        '{{ "\\n" }}<p>"{{ q }}"</p>'
    ).render(xs=["a"], q="'\"<")
    assert out == '<ul><li>a and\n    more</li></ul>\n<p>"&#x27;&quot;&lt;"</p>'


def test_a_missing_value_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(UndefinedError):
        render_page("error.html", title="t")
