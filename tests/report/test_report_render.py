"""Rendering a dossier as json, md and html: content kept, untrusted text escaped, page self-contained."""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

import jsonschema
import pytest

from conftest import SCHEMA
from storydesk.errors import StorydeskError
from storydesk.models import Dossier
from storydesk.report import render as render_dossier


def render(doc: dict, fmt: str, **options) -> str:
    """Render a dossier given as its contract JSON (the form these tests edit)."""
    return render_dossier(Dossier.from_json(doc), fmt, **options)


FIXTURE = Path(__file__).parent / "dossier_fixture.json"
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def doc() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def evil_doc(doc: dict) -> dict:
    """The fixture with hostile markup in every kind of article-derived text."""
    hostile = copy.deepcopy(doc)
    hostile["story"]["title"] = "Title " + EVIL
    hostile["summary"][0]["text"] = "Summary " + EVIL
    hostile["articles"][0]["title"] = "Headline " + EVIL
    hostile["articles"][1]["source"] = "Outlet " + EVIL
    hostile["articles"][1]["url"] = "javascript:alert(1)"
    hostile["claims"][0]["text"] = "Claim " + EVIL
    hostile["claims"][0]["occurrences"][0]["text"] = "Occurrence " + EVIL
    hostile["conflicts"][0]["subject"] = "Subject " + EVIL
    hostile["conflicts"][0]["positions"][0]["value"] = "Value " + EVIL
    hostile["conflicts"][0]["positions"][0]["evidence"] = ["Evidence " + EVIL]
    hostile["quotes"][0]["text"] = "Quote " + EVIL
    hostile["quotes"][0]["variants"] = ["Variant " + EVIL]
    hostile["entities"][0]["variants"].append("Variant " + EVIL)
    hostile["entities"][0]["roles"][0]["text"] = "Role " + EVIL
    hostile["timeline"][0]["event"] = "Event " + EVIL
    return hostile


def test_fixture_is_a_valid_dossier(doc: dict) -> None:
    jsonschema.validate(doc, json.loads(SCHEMA.read_text(encoding="utf-8")))


def _md(text: str) -> str:
    return html.escape(" ".join(text.split()), quote=False)


@pytest.mark.parametrize("fmt,encode", [("md", _md), ("html", lambda text: html.escape(text, quote=True))])
def test_people_formats_carry_summary_conflicts_and_quotes(doc: dict, fmt: str, encode) -> None:
    out = render(doc, fmt)
    must = [sentence["text"] for sentence in doc["summary"]]
    must += [position["value"] for conflict in doc["conflicts"] for position in conflict["positions"]]
    must += [
        evidence
        for conflict in doc["conflicts"]
        for position in conflict["positions"]
        for evidence in position.get("evidence", [])
    ]
    must += [quote["text"] for quote in doc["quotes"]] + [
        variant for quote in doc["quotes"] for variant in quote.get("variants", [])
    ]
    must += [entry["date"] for entry in doc["timeline"]] + [article["title"] for article in doc["articles"]]
    missing = [text for text in must if encode(text) not in out]
    assert not missing


@pytest.mark.parametrize(
    "fmt,must",
    [
        (
            "html",
            [
                '<section id="summary">',
                '<table class="matrix">',
                'class="badge b-disputed"',
                '<div class="positions">',
                '<ol class="articles">',
                "<sup>[",
                'href="#art-2"',
            ],
        ),
        (
            "md",
            [
                "## Summary",
                "## Who carries what",
                "## Where they differ",
                "## Quotes",
                "## Timeline",
                "## Articles",
                "**(disputed)**",
                "[2][3][5]",
            ],
        ),
    ],
)
def test_people_formats_have_their_sections(doc: dict, fmt: str, must: list[str]) -> None:
    out = render(doc, fmt)
    assert [text for text in must if text not in out] == []


def test_matrix_marks_each_outlet_that_carries_a_claim(doc: dict) -> None:
    out = render(doc, "html")
    row = re.search(
        r'<tr class="single_source"><td class="claim"><details><summary>Putin could be ready.*?</tr>',
        out,
        re.S,
    ).group(0)
    assert row.count("●") == 1  # only one outlet carries it
    disputed = re.search(r'<tr class="disputed[^"]*">.*?</tr>', out, re.S).group(0)
    assert disputed.count("●") == 3


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_untrusted_text_is_escaped(evil_doc: dict, fmt: str) -> None:
    out = render(evil_doc, fmt)
    assert "<script>alert" not in out
    assert "<img src=x" not in out
    assert "javascript:" not in out  # a hostile URL never becomes a link
    if fmt == "html":
        assert out.count("<script>") == 1  # the page's own few lines only
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in out


def test_html_page_is_self_contained(doc: dict) -> None:
    out = render(doc, "html")
    assert out.startswith("<!DOCTYPE html>")
    for bad in ["<link", " src=", "@import", "url(", "fonts.googleapis", "<iframe"]:
        assert bad not in out, bad
    assert "@media print" in out


def test_json_is_pretty_stable_and_lossless(doc: dict) -> None:
    out = render(doc, "json")
    assert out == render(json.loads(out), "json")
    assert json.loads(out) == doc
    assert out.startswith('{\n  "articles"')  # sorted keys, two-space indent


def test_unknown_format_is_refused(doc: dict) -> None:
    with pytest.raises(StorydeskError, match="unknown format"):
        render(doc, "pdf")


def test_web_links_point_at_article_spans(doc: dict) -> None:
    out = render(
        doc,
        "html",
        link=lambda article_id, start, end: (
            f"/articles/{article_id}" + (f"?start={start}&end={end}" if start is not None else "")
        ),
    )
    occ = doc["claims"][0]["occurrences"][0]
    assert html.escape(f"/articles/{occ['article']}?start={occ['start']}&end={occ['end']}") in out
