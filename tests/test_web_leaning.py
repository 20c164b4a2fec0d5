"""The app with and without outlet ratings, over the samples run through the real pipeline: each story's
split by leaning, the dossier's, /blindspots; and without ratings, nothing about leaning anywhere."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import serve_app
from storydesk import api

pytestmark = pytest.mark.slow

# The samples' fictional outlets: the storm story is carried by three outlets rated left (one named in
# other case and spacing); the talks story also by Northwind Wire, rated right, and by an unrated one.
RATINGS = (
    "outlet,leaning\n"
    "The Lumera Ledger,left\n"
    "harbor  DAILY,left\n"
    "Ostrel Courier,left\n"
    "Northwind Wire,right\n"
    "Valley Post,center\n"
    "Nowhere Times,right\n"
)
STORM = "Storm Hedda"
TALKS = "Sorrel River talks"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def _stories(db: Path) -> dict[str, str]:
    """title -> story id."""
    with sqlite3.connect(db) as conn:
        return {title: story_id for story_id, title in conn.execute("SELECT id, title FROM stories")}


def _story(db: Path, words: str) -> str:
    return next(story_id for title, story_id in _stories(db).items() if words in title)


def _digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def plain_db(samples_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(shutil.copy(samples_db, tmp_path_factory.mktemp("plain") / "storydesk.db"))


@pytest.fixture(scope="module")
def rated_db(samples_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rated")
    db = Path(shutil.copy(samples_db, folder / "storydesk.db"))
    (folder / "ratings.csv").write_text(RATINGS, encoding="utf-8")
    with api.open_store(db) as store:
        loaded = api.set_leanings(folder / "ratings.csv", store)
    assert loaded.leanings == ["left", "center", "right"] and loaded.unmatched == ["Nowhere Times"]
    return db


@pytest.fixture(scope="module")
def plain(plain_db: Path) -> Iterator[str]:
    yield from serve_app(plain_db)


@pytest.fixture(scope="module")
def rated(rated_db: Path) -> Iterator[str]:
    yield from serve_app(rated_db)


def _row(page: str, story_id: str) -> str:
    """The story list's row of one story."""
    found = re.search(rf'<tr><td><a href="/stories/{story_id}">.*?</tr>', page)
    assert found, story_id
    return found.group(0)


# ---- without ratings ---------------------------------------------------------------------------


def test_without_ratings_no_page_says_anything_of_leaning(plain: str, plain_db: Path) -> None:
    paths = ["/", "/api/stories", "/outlets", "/outlets.json", "/search?q=talks"]
    paths += [
        f"/stories/{story_id}{ext}" for story_id in _stories(plain_db).values() for ext in ("", ".json")
    ]
    for path in paths:
        status, body = get(plain + path)
        assert status == 200, path
        assert not re.search(r"leaning|blindspot", body, re.I), path


@pytest.mark.parametrize("path", ["/blindspots", "/blindspots.json"])
def test_without_ratings_there_is_no_blindspot_list(plain: str, path: str) -> None:
    status, body = get(plain + path)
    assert status == 404 and "storydesk leanings FILE.csv" in body


# ---- with ratings ------------------------------------------------------------------------------


def test_the_story_list_shows_each_split_and_links_the_blindspots(rated: str, rated_db: Path) -> None:
    status, page = get(rated + "/")
    assert status == 200
    assert '<a href="/blindspots">Blindspots</a>' in page
    assert "By leaning: left 3 · center 0 · right 0" in _row(page, _story(rated_db, STORM))
    assert "By leaning: left 2 · center 0 · right 1 · unrated 1" in _row(page, _story(rated_db, TALKS))


def test_the_dossier_shows_its_split_under_the_title(rated: str, rated_db: Path) -> None:
    status, page = get(rated + f"/stories/{_story(rated_db, STORM)}")
    assert status == 200
    header = page[page.index("<h1>") : page.index("</header>")]
    assert '<p class="meta lean">Coverage by leaning: left 3 · center 0 · right 0</p>' in header


def test_blindspots_list_the_stories_one_side_carries(rated: str, rated_db: Path) -> None:
    status, body = get(rated + "/blindspots.json")
    found = json.loads(body)
    assert status == 200 and found["leanings"] == ["left", "center", "right"]
    assert [(item["id"], item["leaning"]) for item in found["stories"]] == [(_story(rated_db, STORM), "left")]
    counts = found["stories"][0]["split"]["counts"]
    assert counts[0] == {
        "leaning": "left",
        "count": 3,
        "sources": ["Harbor Daily", "Ostrel Courier", "The Lumera Ledger"],
    }
    status, page = get(rated + "/blindspots")
    assert status == 200 and "1 story carried by one side only" in page
    assert f'href="/stories/{_story(rated_db, STORM)}"' in page and TALKS not in page


def test_the_app_never_writes_the_rated_database(rated: str, rated_db: Path) -> None:
    before = _digest(rated_db)
    for path in ["/", "/blindspots", "/blindspots.json", f"/stories/{_story(rated_db, TALKS)}"]:
        assert get(rated + path)[0] == 200
    assert _digest(rated_db) == before
