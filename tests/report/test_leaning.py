"""Coverage by leaning: the ratings CSV, outlet folding, each story's split and the blindspot rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from storydesk.errors import InputError
from storydesk.models import Article, Story, to_json
from storydesk.report import index_html
from storydesk.report.leaning import (
    Rating,
    Ratings,
    blindspots,
    blindspots_page,
    clear_ratings,
    leaning_order,
    load_ratings,
    one_side,
    parse_ratings,
    read_ratings_file,
    save_ratings,
    split_of,
    story_splits,
    unmatched_outlets,
)
from storydesk.store import Store

RATINGS = Ratings(
    ["left", "center", "right"],
    {"Paper": "left", "The Wire": "left", "Radio Ten": "center", "Post": "right"},
)


def story(story_id: str, sources: list[str], last: str | None = "2025-12-02") -> Story:
    return Story(
        story_id, f"Story {story_id}", [f"{story_id}-{n}" for n in range(len(sources))], sources, last, last
    )


# ---- the CSV -----------------------------------------------------------------------------------


def test_a_ratings_file_is_read_with_its_labels_as_written() -> None:
    text = "Leaning, Outlet ,note\nLeft,Paper,x\n\nRight ,  The   Wire ,\n"
    assert parse_ratings(text) == [Rating("Paper", "Left"), Rating("The Wire", "Right")]


def test_a_byte_order_mark_is_not_part_of_the_header(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_bytes("outlet,leaning\nPaper,left\n".encode("utf-8-sig"))
    assert read_ratings_file(path) == [Rating("Paper", "left")]


def test_an_outlet_rated_twice_alike_is_kept_once() -> None:
    assert parse_ratings("outlet,leaning\nPaper,left\npaper ,Left\n") == [Rating("Paper", "left")]


@pytest.mark.parametrize(
    "text,reason",
    [
        ("", "empty file"),
        ("\n \n", "empty file"),
        ("name,leaning\nPaper,left\n", "no 'outlet' column"),
        ("outlet,side\nPaper,left\n", "no 'leaning' column"),
        ("Paper,left\nWire,right\n", "no 'outlet' column"),
        ("outlet,leaning\n", "no outlet under it"),
        ("outlet,leaning\nPaper,\n", "line 2: needs an outlet and a leaning"),
        ("outlet,leaning\nPaper,left\nWire\n", "line 3: needs an outlet and a leaning"),
        ("outlet,leaning\n\nPaper,left\n\nWire\n", "line 5: needs an outlet and a leaning"),
        ("outlet,leaning\nPaper,left\nPAPER,right\n", "'PAPER' is rated twice ('left' and 'right')"),
    ],
    ids=[
        *("empty", "blank", "no-outlet", "no-leaning", "no-header", "no-rows"),
        *("empty-cell", "short", "short-after-blank-lines", "twice"),
    ],
)
def test_a_bad_csv_is_one_line_naming_the_file_and_the_fix(text: str, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_ratings(text, "ratings.csv")
    message = str(caught.value)
    assert message.startswith("ratings.csv: ") and reason in message and "\n" not in message
    if "twice" not in reason:
        assert "outlet,leaning" in message or "outlet and a leaning" in message


def test_a_file_not_in_utf8_says_so(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_bytes("outlet,leaning\nPåper,left\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"ratings\.csv: not UTF-8 text .*save it as UTF-8"):
        read_ratings_file(path)


# ---- the order of the leanings -----------------------------------------------------------------


@pytest.mark.parametrize(
    "labels,expected",
    [
        (["right", "Left", "center"], ["Left", "center", "right"]),
        (["Centre-Right", "Far Left", "centre"], ["Far Left", "centre", "Centre-Right"]),
        (["lean right", "left", "lean left"], ["left", "lean left", "lean right"]),
        (["hawk", "dove", "left"], ["hawk", "dove", "left"]),  # not all on the scale: as they come
        (["Left", "left", "LEFT"], ["Left"]),  # one leaning, its first spelling
    ],
)
def test_leanings_go_left_to_right_or_in_their_own_order(labels: list[str], expected: list[str]) -> None:
    assert leaning_order(labels) == expected


# ---- outlets matched to sources ----------------------------------------------------------------


@pytest.mark.parametrize(
    "source,leaning",
    [
        ("Paper", "left"),
        ("paper", "left"),
        ("  the  WIRE ", "left"),
        ("Radio  Ten", "center"),
        ("Gazette", None),
    ],
)
def test_an_outlet_matches_its_source_exactly_then_folded(source: str, leaning: str | None) -> None:
    assert RATINGS.leaning_of(source) == leaning


def test_an_exact_name_wins_over_a_folded_one() -> None:
    ratings = Ratings(["left", "right"], {"paper": "left", "Paper": "right"})
    assert ratings.leaning_of("Paper") == "right" and ratings.leaning_of("paper") == "left"
    assert ratings.leaning_of("PAPER") in ("left", "right")


def test_unmatched_outlets_are_those_no_source_names() -> None:
    ratings = [Rating("paper", "left"), Rating("The  Wire", "right"), Rating("Gazette", "right")]
    assert unmatched_outlets(ratings, ["Paper", "the wire", "Radio"]) == ["Gazette"]


# ---- splits and blindspots ---------------------------------------------------------------------


def test_a_split_counts_every_leaning_and_the_unrated_apart() -> None:
    split = split_of(story("s1", ["Paper", "The Wire", "Post", "Gazette"]), RATINGS)
    assert [(item.leaning, item.count, item.sources) for item in split.counts] == [
        ("left", 2, ["Paper", "The Wire"]),
        ("center", 0, []),
        ("right", 1, ["Post"]),
    ]
    assert split.unrated == ["Gazette"] and split.rated == 3
    assert split.text() == "left 2 · center 0 · right 1 · unrated 1"


def test_a_split_without_unrated_sources_does_not_mention_them() -> None:
    assert split_of(story("s1", ["Paper", "Post"]), RATINGS).text() == "left 1 · center 0 · right 1"


@pytest.mark.parametrize(
    "sources,side",
    [
        (["Paper", "The Wire"], "left"),  # two rated, one side
        (["Paper", "The Wire", "Gazette"], "left"),  # an unrated source does not break it
        (["Paper", "Post"], None),  # both sides
        (["Paper"], None),  # one source only
        (["Paper", "Gazette"], None),  # one rated source only
        (["Gazette", "Herald"], None),  # nothing rated
        (["Radio Ten", "radio ten"], "center"),  # two sources' names, both folding to one rated outlet
    ],
)
def test_the_blindspot_rule(sources: list[str], side: str | None) -> None:
    assert one_side(split_of(story("s1", sources), RATINGS)) == side


def test_ratings_of_one_leaning_make_no_blindspot() -> None:
    ratings = Ratings(["left"], {"Paper": "left", "Post": "left"})
    assert one_side(split_of(story("s1", ["Paper", "Post"]), ratings)) is None


def test_blindspots_are_newest_first_and_serialise() -> None:
    stories = [
        story("old", ["Paper", "The Wire"], "2025-11-01"),
        story("mixed", ["Paper", "Post"], "2025-12-05"),
        story("repeated", ["Post", "Post"], "2025-12-04"),  # one source, named twice
        story("undated", ["Paper", "The Wire"], None),
        story("newer", ["Paper", "The Wire", "Gazette"], "2025-12-03"),
    ]
    found = blindspots(stories, RATINGS)
    assert [item.id for item in found.stories] == ["newer", "old", "undated"]
    data = to_json(found)
    assert data["leanings"] == ["left", "center", "right"] and "rule" in data
    assert data["stories"][0]["leaning"] == "left"
    assert data["stories"][0]["split"]["counts"][0] == {
        "leaning": "left",
        "count": 2,
        "sources": ["Paper", "The Wire"],
    }


def test_a_blindspot_of_each_side_is_listed_by_date() -> None:
    rated = Ratings(["left", "right"], {"Paper": "left", "Wire": "left", "Post": "right", "Herald": "right"})
    stories = [story("l", ["Paper", "Wire"], "2025-12-01"), story("r", ["Post", "Herald"], "2025-12-02")]
    assert [(item.id, item.leaning) for item in blindspots(stories, rated).stories] == [
        ("r", "right"),
        ("l", "left"),
    ]


# ---- the store ---------------------------------------------------------------------------------


def test_ratings_are_stored_replaced_and_cleared(store: Store) -> None:
    store.upsert_articles([Article(id="a1", text="Text.", source="Paper", content_hash="h1")])
    assert load_ratings(store) is None
    loaded = save_ratings(store, [Rating("Post", "Right"), Rating("paper", "left"), Rating("Wire", "Left")])
    assert (loaded.outlets, loaded.leanings, loaded.unmatched) == (3, ["left", "Right"], ["Post", "Wire"])
    ratings = load_ratings(store)
    assert ratings is not None and ratings.leanings == ["left", "Right"]
    assert ratings.by_outlet == {"paper": "left", "Wire": "left", "Post": "Right"}
    assert ratings.leaning_of("Paper") == "left"
    save_ratings(store, [Rating("Herald", "center")])
    replaced = load_ratings(store)
    assert replaced is not None and replaced.by_outlet == {"Herald": "center"}
    assert clear_ratings(store) == 1 and load_ratings(store) is None


# ---- the pages ---------------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script>"


def _link(story_id: str) -> str:
    return f"/stories/{story_id}"


def test_pages_escape_the_users_labels_and_outlets() -> None:
    ratings = Ratings([HOSTILE, "right"], {"Paper": HOSTILE, HOSTILE: HOSTILE, "Post": "right"})
    stories = [story("s1", ["Paper", HOSTILE])]
    listed = index_html(stories, _link, leanings=story_splits(stories, ratings))
    spotted = blindspots_page(blindspots(stories, ratings), _link, [])
    for page in (listed, spotted):
        assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt; 2" in page


def test_the_story_list_without_splits_is_as_it_was() -> None:
    stories = [story("s1", ["Paper", "Post"]), story("s2", ["Paper"], None)]
    plain = index_html(stories, _link)
    assert index_html(stories, _link, leanings={}) == plain and "leaning" not in plain.lower()
    shown = index_html(stories, _link, leanings=story_splits(stories[:1], RATINGS))
    assert shown.count("By leaning: ") == 1 and "By leaning: left 1 · center 0 · right 1" in shown
