"""Linkage helpers of the clustering stage: bipartitions below outliers, time windows."""

from __future__ import annotations

import numpy as np
import pytest

from storydesk.cluster import Params
from storydesk.linkage import bipartition, in_window, widen


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
    assert widen(None, None, 3, 5) == (3, 5)
    assert widen(1, 2, None, None) == (1, 2)
    assert widen(1, 2, 4, 9) == (1, 9)


@pytest.mark.parametrize("pub, other, ok", [((10, 10), (16, 16), True), ((10, 10), (18, 18), False),
                                            ((None, None), (100, 100), True)])
def test_publication_window(pub, other, ok):
    p = Params(window_days=7.0)
    assert in_window(None, None, *pub, None, None, *other, p) is ok
