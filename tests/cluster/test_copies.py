"""Copy detection: wire copies and light edits are linked to the earliest version, and only they are."""

from __future__ import annotations

import random

import pytest

from storydesk.cluster import cluster_store
from storydesk.cluster.copies import find_copies, shingles
from storydesk.models import Article

WIRE = (
    "Heavy rain caused the river to burst its banks on Monday, flooding hundreds of homes in the low-lying "
    "districts of the city and forcing the closure of two main roads, the regional authority said. "
    "Emergency crews evacuated more than 400 residents overnight and set up shelters in three schools. "
    "Forecasters expect more rain later in the week, and officials urged people living near the water "
    "to prepare to leave at short notice."
)
OTHER = (
    "The city council approved a new budget on Monday after a long debate over transport spending, with "
    "members voting to fund two new tram lines and to delay repairs to several bridges until next year. "
    "Opposition councillors said the plan ignored the needs of outlying districts and promised to bring "
    "the matter back before the summer recess."
)


def art(aid: str, text: str, published: str | None = "2024-05-06", source: str = "Outlet") -> Article:
    return Article(id=aid, text=text, source=source, published=published, content_hash=aid)


@pytest.mark.parametrize(
    "variant, linked",
    [
        (WIRE, True),  # republished as is
        (WIRE.replace("Monday", "Monday night").replace("400", "450"), True),  # light edit, updated figure
        (WIRE + " A second update: the water level began to fall by the afternoon.", True),  # grew by a line
        ("Updated: " + WIRE[: len(WIRE) * 2 // 3], True),  # cut short: almost whole inside the original
        (OTHER, False),  # a different story
        (" ".join(WIRE.split()[::2]), False),  # every other word: shares vocabulary, not wording
    ],
)
def test_copy_or_not(variant, linked):
    got = find_copies([art("orig", WIRE, "2024-05-06"), art("copy", variant, "2024-05-06T10:00")])
    assert (got == {"copy": "orig"}) is linked, got


def test_original_is_earliest_then_smallest_id_whatever_the_input_order():
    arts = [
        art("c", WIRE, "2024-05-07"),
        art("b", WIRE, "2024-05-06"),
        art("a", WIRE, "2024-05-06"),
        art("d", WIRE, None),
    ]
    expected = {"b": "a", "c": "a", "d": "a"}
    for seed in range(3):
        random.Random(seed).shuffle(arts)
        assert find_copies(arts) == expected


def test_short_texts_are_never_copies():
    assert find_copies([art("a", "Markets closed higher."), art("b", "Markets closed higher.")]) == {}


def test_shingles_fold_case_and_punctuation():
    assert shingles("The Quick, brown fox jumps!") == shingles("the quick brown fox -- jumps")


def test_copy_found_across_runs_and_earlier_original_takes_over(store):
    store.upsert_articles([art("late", WIRE, "2024-05-07", "Paper")])
    cluster_store(store)
    store.upsert_articles(
        [
            art("later", WIRE + " More to follow.", "2024-05-08", "Blog"),
            art("first", WIRE, "2024-05-06", "Wire"),
        ]
    )
    (story,) = cluster_store(store)
    assert {a: store.get_article(a).copy_of for a in ("first", "late", "later")} == {
        "first": None,
        "late": "first",
        "later": "first",
    }
    assert story.sources == ["Wire"] and len(story.article_ids) == 3
