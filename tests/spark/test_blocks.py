"""Clustering in blocks of publication days (no Spark needed): the block of a date, the stories by a border,
the majority rule that merges two stories across it, the merged stories' seeds, and a block clustered with
its own frequencies giving what the cluster stage gives."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from storydesk.cluster import DEFAULT, cluster_features
from storydesk.models import Article
from storydesk.spark.blocks import (
    BLOCK_DAYS,
    UNDATED,
    Group,
    Member,
    block_of,
    cluster_block,
    cluster_members,
    clustering_key,
    features,
    merge_pairs,
    merged_stories,
    near_border,
    term_counts,
    undated_meetings,
)

DAY = dt.date(2025, 12, 2).toordinal()
WINDOW = int(DEFAULT.window_days)


@pytest.mark.parametrize(
    "published, days, expected",
    [
        ("2025-12-02", BLOCK_DAYS, DAY // BLOCK_DAYS),
        ("2025-12-02T23:59:00+00:00", BLOCK_DAYS, DAY // BLOCK_DAYS),  # the date part only
        ("2025-12-02", 7, DAY // 7),
        ("0001-01-01", BLOCK_DAYS, 0),  # day 1 of the calendar
        (None, BLOCK_DAYS, UNDATED),
        ("", BLOCK_DAYS, UNDATED),
        ("2025-13-40", BLOCK_DAYS, UNDATED),  # unreadable
        ("Tuesday", BLOCK_DAYS, UNDATED),
    ],
)
def test_block_of(published, days, expected):
    assert block_of(published, days) == expected


def test_consecutive_days_change_block_only_at_a_border():
    first = (DAY // BLOCK_DAYS + 1) * BLOCK_DAYS  # the first day of a block
    before = dt.date.fromordinal(first - 1).isoformat()
    at = dt.date.fromordinal(first).isoformat()
    last = dt.date.fromordinal(first + BLOCK_DAYS - 1).isoformat()
    assert block_of(at) == block_of(last) == block_of(before) + 1


def _group(seed: str, members: list[str], first: int | None = None, last: int | None = None) -> Group:
    return Group(0, seed, members, first, last)


BORDER = 1000


@pytest.mark.parametrize(
    "first, last, near",
    [
        (BORDER - 20, BORDER - WINDOW - 1, False),  # ends more than a window before the border
        (BORDER - 20, BORDER - WINDOW, True),  # ends a window before it
        (BORDER - 3, BORDER + 3, True),  # spans it
        (BORDER + WINDOW - 1, BORDER + 20, True),  # begins within a window after it
        (BORDER + WINDOW, BORDER + 20, False),  # begins a window after it
        (None, None, False),  # undated
    ],
)
def test_near_border(first, last, near):
    group = _group("a", ["a"], first, last)
    assert near_border([group], BORDER) == ([group] if near else [])


def test_near_border_keeps_the_order_of_the_groups():
    groups = [_group(seed, [seed], BORDER - 1, BORDER) for seed in "cab"]
    assert [group.seed for group in near_border(groups, BORDER)] == ["c", "a", "b"]


@pytest.mark.parametrize(
    "left, right, regrouped, pairs",
    [
        # both stories land whole in the first regrouped group
        ({"a": "abc"}, {"d": "de"}, ["abcde"], [("a", "d")]),
        # ... or in a later one
        ({"a": "abc"}, {"d": "de"}, ["x", "abcde"], [("a", "d")]),
        # most (2 of 3) of the left story's articles and all of the right one's
        ({"a": "abc"}, {"d": "d"}, ["c", "abd"], [("a", "d")]),
        # half is not most: no merge
        ({"a": "ab"}, {"d": "d"}, ["a", "bd"], []),
        ({"a": "a"}, {"d": "de"}, ["ad", "e"], []),
        # the two stories land in different groups
        ({"a": "ab"}, {"d": "de"}, ["ab", "de"], []),
        # two right stories join one left story
        ({"a": "ab"}, {"d": "d", "e": "e"}, ["abde"], [("a", "d"), ("a", "e")]),
        # two left stories, each with its own right one
        ({"a": "a", "b": "b"}, {"d": "d", "e": "e"}, ["be", "ad"], [("a", "d"), ("b", "e")]),
        # articles not clustered again count as not held
        ({"a": "abc"}, {"d": "d"}, ["ad"], []),
        ({"a": "abc"}, {"d": "d"}, [], []),
    ],
)
def test_merge_pairs_majority_rule(left, right, regrouped, pairs):
    lefts = [_group(seed, list(members)) for seed, members in left.items()]
    rights = [_group(seed, list(members)) for seed, members in right.items()]
    assert sorted(merge_pairs(lefts, rights, [list(group) for group in regrouped])) == pairs


DAYS = {"a": 5, "b": 1, "c": 7, "d": 3, "e": 9, "f": 2, "g": 8, "h": 4}  # publication days in December
KEYS = {aid: (0, f"2025-12-{day:02d}", aid) for aid, day in DAYS.items()}


@pytest.mark.parametrize(
    "groups, pairs, stories",
    [
        # nothing merges: each group is a story, its seed first
        ([("a", "a"), ("c", "cd")], [], [["a"], ["c", "d"]]),
        # the merged story's seed is its earliest article by clustering order (d: day 3, before a: 5)
        ([("a", "ab"), ("d", "dc")], [("a", "d")], [["d", "a", "b", "c"]]),
        # the pair's order does not matter
        ([("a", "ab"), ("d", "dc")], [("d", "a")], [["d", "a", "b", "c"]]),
        # a chain across two borders: one story, seeded by the earliest of the three (f: day 2)
        ([("a", "a"), ("c", "c"), ("f", "fg")], [("a", "c"), ("c", "f")], [["f", "a", "c", "g"]]),
        # two links into one story, and one group left alone
        (
            [("a", "a"), ("c", "c"), ("e", "e"), ("h", "h")],
            [("c", "e"), ("a", "e")],
            [["a", "c", "e"], ["h"]],
        ),
        # a pair found twice
        ([("a", "a"), ("d", "d")], [("a", "d"), ("d", "a")], [["d", "a"]]),
    ],
)
def test_merged_stories(groups, pairs, stories):
    made = [_group(seed, list(members)) for seed, members in groups]
    got = merged_stories(made, pairs, KEYS)
    assert sorted(got) == sorted(stories)


def test_merged_stories_seed_matches_the_clustering_key():
    articles = [
        Article(id="late", text="x", source="", published="2025-12-09"),
        Article(id="early", text="x", source="", published="2025-12-01"),
        Article(id="undated", text="x", source="", published=None),
    ]
    keys = {article.id: clustering_key(article) for article in articles}
    groups = [_group("undated", ["undated"]), _group("late", ["late"]), _group("early", ["early"])]
    got = merged_stories(groups, [("undated", "late"), ("late", "early")], keys)
    assert got == [["early", "late", "undated"]]  # dated before undated, earliest first


# ---- a block clustered as one run would ----------------------------------------------------------

QUAKE = (
    "A strong earthquake of magnitude {m} struck {place} on {day}, killing at least {dead} people, "
    "officials said. Rescue teams searched collapsed buildings in {town} through the night, and "
    "{agency} recorded several aftershocks across the region."
)
RATES = (
    "The central bank of {country} raised its main interest rate by half a point to {rate} percent on "
    "{day}, its third increase this year, saying inflation remained far above its target. Markets in "
    "{city} fell after the decision, and {minister} said the government backed the bank."
)
EVENTS = {
    "quake": [
        QUAKE.format(m="6.1", place="Aceh", day="Tuesday", dead=5, town="Bener Meriah", agency="the USGS"),
        QUAKE.format(m="6.2", place="Aceh", day="Tuesday", dead=9, town="Bener Meriah", agency="the USGS"),
        QUAKE.format(m="6.1", place="Aceh", day="Tuesday", dead=24, town="Takengon", agency="the BMKG"),
    ],
    "rates": [
        RATES.format(country="Norland", rate="4.5", day="Thursday", city="Vask", minister="Ana Berg"),
        RATES.format(country="Norland", rate="4.5", day="Thursday", city="Vask", minister="the minister"),
    ],
}


def _members() -> list[Member]:
    """Five reports of two events, one of them a copy, with fixed vectors: each event's direction plus a
    little noise (the embedding model is not needed)."""
    rng = np.random.default_rng(7)
    made = []
    for event, texts in EVENTS.items():
        direction = rng.normal(size=384)
        for index, text in enumerate(texts):
            vector = direction + 0.15 * rng.normal(size=384)
            vector = (vector / np.linalg.norm(vector)).astype(np.float32)
            article = Article(
                id=f"{event}-{index}",
                text=text,
                source=f"Outlet {index}",
                title=f"{event} report {index}",
                published=f"2025-12-0{2 + index}",
                content_hash=f"{event}-{index}",
            )
            made.append(Member(article, None, vector.tobytes()))
    copy = made[0].article
    made.append(
        Member(
            Article(id="quake-copy", text=copy.text, source="Wire", title=copy.title, published="2025-12-03"),
            copy.id,
            made[0].vector,
        )
    )
    return sorted(made, key=lambda member: clustering_key(member.article))


def test_cluster_members_with_its_own_frequencies_is_the_cluster_stage():
    members = _members()
    corpus_df, corpus_docs = term_counts(members)
    got = cluster_members(members, corpus_df, corpus_docs)
    vectors = np.vstack([np.frombuffer(member.vector, np.float32) for member in members])
    copies = {member.article.id: member.copy_of for member in members if member.copy_of}
    expected = cluster_features(features(members), vectors, copies)
    assert got.ids == expected.ids and got.members == expected.members and got.spans == expected.spans
    assert got.n_docs == expected.n_docs == len(members)
    assert np.array_equal(got.df, expected.df)
    stories = sorted(sorted(story) for story in got.members if story)
    assert stories == [["quake-0", "quake-1", "quake-2", "quake-copy"], ["rates-0", "rates-1"]]


def test_cluster_members_scores_terms_by_the_corpus_frequencies():
    members = _members()
    own_df, own_docs = term_counts(members)
    other_df, other_docs = term_counts(_members()[:2])
    got = cluster_members(members, own_df + other_df, own_docs + other_docs)
    assert got.n_docs == own_docs + other_docs  # the corpus's, not the block's
    assert np.array_equal(got.df, own_df + other_df)


def test_cluster_block_groups():
    members = _members()
    corpus_df, corpus_docs = term_counts(members)
    groups = cluster_block(5, members, corpus_df, corpus_docs)
    published = {member.article.id: member.article.published for member in members}
    assert {group.block for group in groups} == {5}
    for group in groups:
        assert group.members == sorted(group.members) and group.seed in group.members
        days = [dt.date.fromisoformat(published[aid]).toordinal() for aid in group.members]
        assert (group.first_day, group.last_day) == (min(days), max(days))
    seeds = {group.seed for group in groups}
    assert seeds == {"quake-0", "rates-0"}  # each story's earliest report


def test_term_counts_count_each_article_once_per_term():
    members = _members()
    counts, total = term_counts(members)
    assert total == len(members)
    assert counts.max() <= len(members) and counts.sum() > 0
    empty, none = term_counts([])
    assert none == 0 and not empty.any()


def _unit(rng: np.random.Generator, near: np.ndarray | None = None) -> np.ndarray:
    vector = rng.normal(size=384) if near is None else near + 0.2 * rng.normal(size=384) / np.sqrt(384)
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def test_undated_stories_meet_the_dated_stories_nearest_them():
    rng = np.random.default_rng(3)
    talks, storm, budget = _unit(rng), _unit(rng), _unit(rng)
    vectors = {
        "d1": _unit(rng, talks),
        "d2": _unit(rng, talks),
        "s1": _unit(rng, storm),
        "b1": _unit(rng, budget),
        "u1": _unit(rng, talks),
        "u2": _unit(rng, talks),
        "u3": _unit(rng),  # like no dated story
    }
    vectors = {aid: vector.tobytes() for aid, vector in vectors.items()}
    dated = [_group("d1", ["d1", "d2"], 10, 11), _group("s1", ["s1"], 12, 12), _group("b1", ["b1"], 40, 40)]
    undated = [_group("u1", ["u1"]), _group("u2", ["u2"]), _group("u3", ["u3"])]
    meetings = undated_meetings(undated, dated, vectors)
    # both undated reports of the talks meet the talks' story, in one set; the others meet nothing
    assert [([g.seed for g in left], [g.seed for g in right]) for left, right in meetings] == [
        (["u1", "u2"], ["d1"])
    ]


@pytest.mark.parametrize("undated, dated", [([], ["d"]), (["u"], []), ([], [])])
def test_undated_meetings_need_both_kinds(undated, dated):
    vectors = {aid: np.ones(384, np.float32).tobytes() for aid in undated + dated}
    groups = [[_group(seed, [seed]) for seed in seeds] for seeds in (undated, dated)]
    assert undated_meetings(*groups, vectors) == []
