"""Claim alignment (reconcile/claims.py): two figures for one counted thing are not one claim."""

from __future__ import annotations

import pytest

from storydesk.analyze import analyze_articles
from storydesk.models import Article
from storydesk.reconcile.claims import Unit, _other_count, build_claims
from storydesk.reconcile.common import Context
from storydesk.reconcile.entities import resolve_entities


def _unit(counts: dict[str, set[float]]) -> Unit:
    return Unit("a", 0, 10, "text", 0, counts=counts)


@pytest.mark.parametrize(
    ("first", "second", "other"),
    [
        ({"|job": {845000.0}}, {"|job": {870000.0}}, True),  # two forecasts of one count
        ({"|victim": {3.0}}, {"|victim": {2.0}}, True),
        ({"|job": {845000.0}}, {"|job": {845000.0}}, False),  # the same figure
        ({"|part": {2116.0}}, {"|part": {2117.0}}, False),  # within rounding: the same figure
        ({"|job": {845000.0}}, {"|worker": {870000.0}}, False),  # different things counted
        ({"|job": {845000.0, 5.7}}, {"|job": {5.7}}, False),  # one figure shared
        ({}, {"|job": {870000.0}}, False),  # one gives no figure
    ],
)
def test_other_count(first, second, other):
    assert _other_count(_unit(first), _unit(second)) is other
    assert _other_count(_unit(second), _unit(first)) is other


# Two fictional outlets on one storm: alike in wording, different in the count they give.
STORM_A = "The storm destroyed 40 homes along the northern coast of the island on Sunday, officials said."
STORM_B = "The storm destroyed 65 homes along the northern coast of the island on Sunday, officials said."
SAME_A = "Emergency crews reopened the coastal highway to traffic late on Monday evening."
SAME_B = "Emergency crews reopened the coastal highway to traffic late Monday evening."


@pytest.fixture(scope="module")
def claims():
    arts = [
        Article(id="north", text=f"{STORM_A}\n\n{SAME_A}", source="North Gazette", published="2031-03-03"),
        Article(id="harbour", text=f"{STORM_B}\n\n{SAME_B}", source="Harbour Post", published="2031-03-03"),
    ]
    analyses = {an.article_id: an for an in analyze_articles(arts, n_process=1)}
    ctx = Context(arts, analyses)
    found, _conflicts, _units, _groups = build_claims(ctx, resolve_entities(ctx))
    return found


def _status(claims, text: str) -> set[str]:
    return {claim.status for claim in claims if any(occ.text == text for occ in claim.occurrences)}


@pytest.mark.slow
def test_different_counts_are_not_corroborated(claims):
    assert _status(claims, STORM_A) == {"single_source"}
    assert _status(claims, STORM_B) == {"single_source"}


@pytest.mark.slow
def test_same_statement_still_corroborated(claims):
    assert _status(claims, SAME_A) == {"corroborated"}
