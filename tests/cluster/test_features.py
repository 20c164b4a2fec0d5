"""Clustering features: fallback entities, dates in text, the dateline date, stored analysis entities."""

from __future__ import annotations

import pytest
from cluster_kit import report

from storydesk.cluster.features import article_features, fallback_entities, text_dates
from storydesk.models import Analysis, Mention


@pytest.mark.parametrize(
    "text, must, must_not",
    [
        (
            "The Bank of England raised rates. Officials in New York said nothing.",
            ["bank of england", "new york"],
            ["the", "york"],
        ),
        (
            "On Tuesday, President Vladimir Putin met envoys in Moscow.",
            ["president vladimir putin", "moscow"],
            ["tuesday", "on"],
        ),
        ("It was quiet. But in Paris, Le Monde reported it.", ["paris", "le monde"], ["it", "but"]),
    ],
)
def test_fallback_entities(text, must, must_not):
    got = fallback_entities(text)
    assert all(m in got for m in must), got
    assert not any(m in got for m in must_not), got


@pytest.mark.parametrize(
    "text, dates",
    [
        ("May 03, 2013\nLindsay Lohan checked in.", ["2013-05-03"]),
        ("Published Fri., May. 3, 2013 11:45 AM", ["2013-05-03"]),
        ("WEDNESDAY 03 JULY 2013 / Soldiers", ["2013-07-03"]),
        ("On 2025-12-02 they met; on February 30, 2020 nothing.", ["2025-12-02"]),
    ],
)
def test_text_dates(text, dates):
    assert [d for _, d in text_dates(text)] == dates


def test_undated_article_takes_its_dateline_date():
    f = article_features(report("x", "June 13, 2013 4:59 PM EDT\nThe actress left the clinic.", None))
    g = article_features(
        report(
            "y",
            "The actress left the clinic. It had opened on June 13, 2013 after "
            "long delays, and since then many have stayed there for months.",
            None,
        )
    )
    assert f.day is not None and f.pub_day is None
    assert f.key < g.key  # dated articles are placed first


def test_stored_analysis_entities_are_used_instead_of_the_fallback():
    art = report(
        "x", "the summit in geneva ended with a deal between acme corp and its rivals.", "2024-01-01"
    )
    an = Analysis(
        "x",
        mentions=[
            Mention("x", 14, 20, "geneva", label="GPE", norm="geneva"),
            Mention("x", 44, 53, "acme corp", label="ORG", norm="acme corp"),
        ],
    )
    assert not article_features(art).has("e:geneva")  # lowercase: the fallback finds nothing
    assert article_features(art, an).has("e:geneva") and article_features(art, an).has("e:acme corp")
