"""Clustering in blocks of publication days (no Spark needed): the block of a date, the stories by a border,
the sets of stories clustered again together (by a border, undated with dated), the stories' seeds, and a
block clustered with its own frequencies giving what the cluster stage gives."""

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
    meetings,
    near_border,
    stories_of,
    term_counts,
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


def _dated(seed: str, members: list[str], first: int, last: int) -> Group:
    return Group(first // BLOCK_DAYS, seed, members, first, last)


def _seeds(found: list[list[Group]]) -> list[list[str]]:
    return sorted(sorted(group.seed for group in stories) for stories in found)


ONES = {aid: np.ones(384, np.float32).tobytes() for aid in "abcdefgh"}
EDGE = 10 * BLOCK_DAYS  # a border day: block 9 ends the day before, block 10 starts on it


@pytest.mark.parametrize(
    "groups, sets",
    [
        # a story on each side within the window of the border: clustered again together
        ([("a", EDGE - 2, EDGE - 1), ("b", EDGE, EDGE + 1)], [["a", "b"]]),
        # one side too far from the border: nothing to do
        ([("a", EDGE - WINDOW - 3, EDGE - WINDOW - 2), ("b", EDGE, EDGE + 1)], []),
        # near on one side only: nothing to do
        ([("a", EDGE - 2, EDGE - 1), ("b", EDGE - 5, EDGE - 4)], []),
        # every story near the border is in the set, whichever side
        ([("a", EDGE - 2, EDGE - 1), ("b", EDGE - 3, EDGE - 3), ("c", EDGE, EDGE)], [["a", "b", "c"]]),
        # two borders, two sets
        (
            [
                ("a", EDGE - 1, EDGE - 1),
                ("b", EDGE, EDGE),
                ("c", EDGE + BLOCK_DAYS - 1, EDGE + BLOCK_DAYS - 1),
                ("d", EDGE + BLOCK_DAYS, EDGE + BLOCK_DAYS),
            ],
            [["a", "b"], ["c", "d"]],
        ),
    ],
)
def test_meetings_by_a_border(groups, sets):
    made = [_dated(seed, [seed], first, last) for seed, first, last in groups]
    assert _seeds(meetings(made, ONES)) == sets


def test_stories_of_puts_each_seed_first():
    groups = [_group("d", ["a", "b", "d"]), _group("c", ["c"])]
    assert stories_of(groups) == [["d", "a", "b"], ["c"]]


def test_meeting_sets_are_connected():
    """A story near a border and near an undated story's mean vector joins both in one set."""
    vectors = dict(ONES)
    made = [
        _dated("a", ["a"], EDGE - 1, EDGE - 1),
        _dated("b", ["b"], EDGE, EDGE),
        Group(UNDATED, "u", ["c"], None, None),
    ]
    assert _seeds(meetings(made, vectors)) == [["a", "b", "u"]]


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
    dated = [_dated("d1", ["d1", "d2"], 10, 11), _dated("s1", ["s1"], 12, 12), _dated("b1", ["b1"], 400, 400)]
    undated = [Group(UNDATED, seed, [seed], None, None) for seed in ("u1", "u2", "u3")]
    # both undated reports of the talks meet the talks' story, in one set; the others meet nothing
    assert _seeds(meetings(dated + undated, vectors)) == [["d1", "u1", "u2"]]


@pytest.mark.parametrize("undated, dated", [([], ["d"]), (["u"], []), ([], [])])
def test_undated_meetings_need_both_kinds(undated, dated):
    vectors = {aid: np.ones(384, np.float32).tobytes() for aid in undated + dated}
    groups = [Group(UNDATED, seed, [seed], None, None) for seed in undated]
    groups += [_dated(seed, [seed], 10, 10) for seed in dated]
    assert meetings(groups, vectors) == []
