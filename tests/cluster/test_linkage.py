"""Linkage helpers of the clustering stage: bipartitions below outliers, day spans and time windows."""

from __future__ import annotations

import numpy as np
import pytest

from storydesk.cluster.features import Features
from storydesk.cluster.linkage import DaySpan, bipartition, pair_similarity
from storydesk.cluster.params import Params


def _blocks(sizes: list[int], within: float = 0.6, between: float = 0.05) -> np.ndarray:
    """A similarity matrix of blocks (events), each member close to its block and far from the others."""
    labels = np.repeat(np.arange(len(sizes)), sizes)
    sim = np.where(labels[:, None] == labels[None, :], within, between)
    np.fill_diagonal(sim, 1.0)
    return sim


def test_bipartition_goes_below_an_outlier_to_the_two_events():
    sim = _blocks([5, 6, 1])  # two events and one article unlike either
    sim[11, :5] = sim[:5, 11] = 0.1  # the outlier leans to the first event
    sides = bipartition(sim, 4)
    assert sides is not None
    first, second = sides[:5], sides[5:11]
    assert len(set(first)) == len(set(second)) == 1 and first[0] != second[0]  # the events apart
    assert sides[11] == first[0]  # the outlier joins the side it is closer to


@pytest.mark.parametrize("sizes, part", [([5, 2], 4), ([3, 3], 4), ([1], 1)])
def test_bipartition_none_when_no_split_leaves_both_sides_large_enough(sizes, part):
    assert bipartition(_blocks(sizes), part) is None


def test_widen_ignores_missing_dates():
    assert DaySpan().widen(DaySpan(3, 5)) == DaySpan(3, 5)
    assert DaySpan(1, 2).widen(DaySpan()) == DaySpan(1, 2)
    assert DaySpan(1, 2, 1, 1).widen(DaySpan(4, 9, None, None)) == DaySpan(1, 9, 1, 1)
    assert DaySpan(1, 2, None, None).widen(DaySpan(None, None, 4, 9)) == DaySpan(1, 2, 4, 9)


def test_span_of_an_article_and_frozen():
    f = Features("a", (0, "", "a"), day=10, pub_day=None, title="", lead="")
    span = DaySpan.of(f)
    assert span == DaySpan(10, 10, None, None)
    with pytest.raises(AttributeError):
        span.lo = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "pub, other, ok",
    [((10, 10), (16, 16), True), ((10, 10), (18, 18), False), ((None, None), (100, 100), True)],
)
def test_publication_window(pub, other, ok):
    p = Params(window_days=7.0)
    assert DaySpan(None, None, *pub).in_window(DaySpan(None, None, *other), p) is ok


@pytest.mark.parametrize(
    "days, other, ok", [(3650.0, (10, 3000), True), (100.0, (10, 200), False), (100.0, (None, None), True)]
)
def test_text_date_window(days, other, ok):
    assert DaySpan(20, 30).in_window(DaySpan(*other), Params(text_window_days=days)) is ok


@pytest.mark.parametrize("day, ok", [(3, True), (2, False), (20, True), (21, False), (None, True)])
def test_near_the_publication_days(day, ok):
    assert DaySpan(0, 50, 10, 13).near(day, 7.0) is ok
    assert DaySpan(0, 50).near(day, 7.0)  # no publication date: always near


@pytest.mark.parametrize(
    "first, second, lost",
    [
        (100.0, 100.0, 0.0),  # the same day
        (100.0, 101.0, 0.1),  # a day apart
        (100.0, 102.0, 0.2),
        (100.0, 130.0, 0.3),  # at most three days' worth
        (np.nan, 130.0, 0.0),  # one undated: no penalty
    ],
)
def test_a_pair_loses_a_share_of_its_score_per_day_apart(first: float, second: float, lost: float) -> None:
    vecs = np.array([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32)
    sparse = [(np.array([1]), np.array([1.0], dtype=np.float32))] * 2
    left, right = np.array([0]), np.array([1])
    same_day = pair_similarity(vecs, sparse, left, right, Params(), days=np.array([100.0, 100.0]))
    apart = pair_similarity(vecs, sparse, left, right, Params(), days=np.array([first, second]))
    assert apart[0] == pytest.approx(same_day[0] - lost)
