"""`storydesk leanings`: load, replace and clear outlet ratings; a bad file is one error line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from storydesk.cli import cli
from storydesk.models import Article
from storydesk.store import Store

ARTICLES = [
    Article(id="a-paper", text="Officials met.", source="Paper", content_hash="h1"),
    Article(id="b-wire", text="Officials met again.", source="The Wire", content_hash="h2"),
]


def run(*argv: str) -> Result:
    return CliRunner().invoke(cli, list(argv))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    with Store(tmp_path / "news.db") as store:
        store.upsert_articles(ARTICLES)
    return tmp_path / "news.db"


def write(tmp_path: Path, text: str | bytes, name: str = "ratings.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def stored(db: Path) -> list[tuple[str, str]]:
    with Store(db, readonly=True) as store:
        return [
            tuple(row) for row in store.conn.execute("SELECT outlet, leaning FROM outlet_leanings ORDER BY 1")
        ]


def test_loading_rates_the_outlets_and_notes_those_no_article_names(db: Path, tmp_path: Path) -> None:
    ratings = write(tmp_path, "outlet,leaning\nPaper,left\nthe wire,right\nGazette,center\n")
    res = run("leanings", str(ratings), "--db", str(db))
    assert res.exit_code == 0, res.output
    assert res.stdout == f"3 outlets rated (left, center, right) -> {db}\n"
    assert res.stderr == "note: 1 rated outlet not the source of any stored article: Gazette\n"
    assert stored(db) == [("Gazette", "center"), ("Paper", "left"), ("the wire", "right")]


def test_loading_again_replaces_and_clear_removes(db: Path, tmp_path: Path) -> None:
    assert (
        run("leanings", str(write(tmp_path, "outlet,leaning\nPaper,left\n")), "--db", str(db)).exit_code == 0
    )
    again = run(
        "leanings", str(write(tmp_path, "outlet,leaning\nThe Wire,hawk\n", "other.csv")), "--db", str(db)
    )
    assert again.exit_code == 0 and again.stderr == ""
    assert stored(db) == [("The Wire", "hawk")]
    cleared = run("leanings", "--clear", "--db", str(db))
    assert cleared.exit_code == 0 and cleared.stdout == f"1 rating removed -> {db}\n"
    assert stored(db) == []


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", "empty file"),
        (b"name,side\nPaper,left\n", "no 'outlet' column"),
        ("outlet,leaning\nP\u00e5per,left\n".encode("latin-1"), "not UTF-8 text"),
    ],
    ids=["empty", "no-column", "latin-1"],
)
def test_a_bad_file_is_one_error_line_and_keeps_the_ratings(
    db: Path, tmp_path: Path, content: bytes, reason: str
) -> None:
    run("leanings", str(write(tmp_path, "outlet,leaning\nPaper,left\n", "good.csv")), "--db", str(db))
    bad = write(tmp_path, content)
    res = run("leanings", str(bad), "--db", str(db))
    assert res.exit_code == 1
    assert res.stderr.startswith(f"error: {bad}: {reason}") and res.stderr.count("\n") == 1
    assert stored(db) == [("Paper", "left")]


@pytest.mark.parametrize(
    "argv",
    [
        ["leanings"],  # neither a file nor --clear
        ["leanings", "ratings.csv", "--clear"],  # both
        ["leanings", "missing.csv"],  # no such file
    ],
    ids=["nothing", "both", "missing-file"],
)
def test_usage_errors_exit_2(db: Path, tmp_path: Path, argv: list[str]) -> None:
    write(tmp_path, "outlet,leaning\nPaper,left\n")
    argv = [str(tmp_path / arg) if arg.endswith(".csv") else arg for arg in argv]
    res = run(*argv, "--db", str(db))
    assert res.exit_code == 2, res.output


def test_a_database_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    ratings = write(tmp_path, "outlet,leaning\nPaper,left\n")
    res = run("leanings", str(ratings), "--db", str(tmp_path / "none.db"))
    assert res.exit_code == 2 and not (tmp_path / "none.db").exists()
