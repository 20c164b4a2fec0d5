"""The store opened read-only never writes; a database that is not storydesk's is refused; a new
database created by several processes at once gets its schema exactly once."""

from __future__ import annotations

import hashlib
import multiprocessing
import re
import sqlite3
import time
from pathlib import Path

import pytest

from storydesk import store as store_module
from storydesk.errors import OutdatedStoreError, ReadOnlyStoreError, StoreError
from storydesk.models import Article, Story
from storydesk.store import MIGRATIONS, Store


def _article(aid: str) -> Article:
    return Article(id=aid, text=f"Text of {aid}.", source="Wire", title=aid, content_hash="h-" + aid)


def fingerprint(db: Path) -> tuple[str, list[str]]:
    """The database file's hash and every file beside it (a -wal, -shm or -journal would show)."""
    return hashlib.sha256(db.read_bytes()).hexdigest(), sorted(entry.name for entry in db.parent.iterdir())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "news.db"
    with Store(path) as store:
        store.upsert_articles([_article("a1"), _article("a2")])
        store.save_stories([Story("s1", "Title", ["a1", "a2"], ["Wire"], None, None)])
    return path


# ---- a closed database is one file; reading it changes nothing ----------------------------------


def test_a_closed_database_is_one_file_in_rollback_mode(db: Path) -> None:
    assert fingerprint(db)[1] == ["news.db"]
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


READS = [
    ("list_stories", lambda store: [story.id for story in store.list_stories()], ["s1"]),
    ("get_article", lambda store: store.get_article("a1").text, "Text of a1."),
    ("iter_articles", lambda store: [article.id for article in store.iter_articles()], ["a1", "a2"]),
    ("story_of", lambda store: store.story_of(), {"a1": "s1", "a2": "s1"}),
    ("analysis_state", lambda store: store.analysis_state(), {}),
    ("load_dossier", lambda store: store.load_dossier("s1"), None),
]


@pytest.mark.parametrize("name,read,expected", READS, ids=[case[0] for case in READS])
def test_reads_leave_the_file_byte_identical(db: Path, name: str, read, expected) -> None:
    before = fingerprint(db)
    with Store(db, readonly=True) as store:
        assert read(store) == expected
    assert fingerprint(db) == before


WRITES = [
    ("upsert_articles", lambda store: store.upsert_articles([_article("a3")])),
    ("save_stories", lambda store: store.save_stories([Story("s2", "T", ["a1"], [], None, None)])),
    ("save_dossier", lambda store: store.save_dossier("s1", "k", {"x": 1})),
    ("delete_stories", lambda store: store.delete_stories(["s1"])),
    ("clear_rejection", lambda store: store.clear_rejection("x")),
    ("migrate", lambda store: store.migrate()),
]


@pytest.mark.parametrize("name,write", WRITES, ids=[case[0] for case in WRITES])
def test_writes_are_refused_on_a_read_only_store(db: Path, name: str, write) -> None:
    before = fingerprint(db)
    with Store(db, readonly=True) as store, pytest.raises(StoreError, match="read-only"):
        write(store)
    assert fingerprint(db) == before


def test_a_legacy_wal_file_is_read_without_changing_it(db: Path) -> None:
    """A file an older storydesk left in WAL mode: the main file stays byte-identical."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
    before = fingerprint(db)[0]
    with Store(db, readonly=True) as store:
        assert [story.id for story in store.list_stories()] == ["s1"]
    assert fingerprint(db)[0] == before


# ---- what is not a storydesk database is refused, and left alone ---------------------------------


def _text(path: Path) -> None:
    path.write_text("id,title\n1,not a database\n")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('mine')")


def _no_tables(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 7")  # a valid SQLite file with no table


def _newer(path: Path) -> None:
    with Store(path) as store:
        store.conn.execute("INSERT INTO _migrations (name) VALUES ('9999_from_the_future')")
        store.conn.commit()


def _older(path: Path) -> None:
    original = store_module.MIGRATIONS
    store_module.MIGRATIONS = original[:3]
    try:
        Store(path).close()
    finally:
        store_module.MIGRATIONS = original


def _folder(path: Path) -> None:
    path.mkdir()


NOT_OURS = [
    # (setup, refused when read, refused when written, fragment of the message)
    ("missing", None, True, False, "no database at"),
    ("text", _text, True, True, "is not a SQLite database"),
    ("empty file", _empty, True, False, "is an empty file"),
    ("foreign sqlite", _foreign, True, True, "not storydesk's (it has no _migrations table)"),
    ("sqlite, no tables", _no_tables, True, False, "holds no storydesk tables yet"),
    ("newer storydesk", _newer, True, True, "newer storydesk"),
    (
        "older storydesk",
        _older,
        True,
        False,
        f"older storydesk ({len(MIGRATIONS) - 3} schema upgrades pending",
    ),
    ("a folder", _folder, True, True, "is not a database file"),
]


@pytest.mark.parametrize(
    "name,setup,ro_refused,rw_refused,fragment", NOT_OURS, ids=[case[0] for case in NOT_OURS]
)
def test_what_is_not_a_storydesk_database(
    tmp_path: Path, name, setup, ro_refused, rw_refused, fragment
) -> None:
    path = tmp_path / "x.db"
    if setup:
        setup(path)
    before = fingerprint(path) if path.is_file() else None
    with pytest.raises(StoreError, match=re.escape(fragment)) as got:
        Store(path, readonly=True)
    assert "\n" not in str(got.value)
    assert (fingerprint(path) if path.is_file() else None) == before
    assert path.exists() == (setup is not None)  # a read never creates the file
    if rw_refused:
        with pytest.raises(StoreError, match=re.escape(fragment)):
            Store(path)
        assert (fingerprint(path) if path.is_file() else None) == before  # no storydesk table added
    elif setup is not None:
        Store(path).close()  # an empty file, an empty SQLite file or an older schema: a write verb takes it
        with Store(path, readonly=True) as store:
            assert store.article_ids() == []


def test_an_older_database_is_upgraded_only_by_a_write(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _older(path)
    with pytest.raises(OutdatedStoreError, match="storydesk stories --db"):
        Store(path, readonly=True)
    with Store(path) as store:
        assert store.conn.execute("SELECT count(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)
    Store(path, readonly=True).close()


def test_a_write_to_a_read_only_file_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "x.db"
    Store(path).close()
    monkeypatch.setattr(store_module.os, "access", lambda path, mode: False)  # as for a non-root user on 0444
    with pytest.raises(ReadOnlyStoreError, match="read-only"):
        Store(path)


@pytest.mark.parametrize(
    "script,count",
    [
        ("CREATE TABLE a (x); CREATE TABLE b (y);", 2),
        ("CREATE TABLE a (x -- a comment; with a semicolon\n); DROP TABLE b;\n  ", 2),
        ("CREATE TABLE a (x TEXT DEFAULT ';');", 1),
    ],
)
def test_migration_scripts_split_into_statements(script: str, count: int) -> None:
    parts = store_module._statements(script)
    assert len(parts) == count
    assert all(sqlite3.complete_statement(path) for path in parts)


def test_every_shipped_migration_splits_into_its_statements() -> None:
    conn = sqlite3.connect(":memory:")
    for _, sql in MIGRATIONS:
        statements = store_module._statements(sql)
        # a ';' ends a statement except inside a trigger's body; no shipped comment holds one
        in_triggers = sum(body.count(";") for body in re.findall(r"\bBEGIN\b(.*?)\bEND;", sql, re.S))
        assert len(statements) == sql.count(";") - in_triggers
        for statement in statements:
            conn.execute(statement)  # each one whole, in order


# ---- several processes creating one new database at once --------------------------------------


def _open_and_add(args: tuple[str, int, float]) -> str:
    path, i, start = args
    while time.time() < start:  # all at once
        pass
    try:
        with Store(path) as store:
            store.upsert_articles([_article(f"p{i}")])
        return "ok"
    except Exception as exc:  # noqa: BLE001 - the test counts every kind of failure
        return f"{type(exc).__name__}: {exc}"


def test_processes_creating_one_new_database_at_once(tmp_path: Path) -> None:
    rounds, workers = 10, 4
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        pool.map(_open_and_add, [(str(tmp_path / "warm.db"), i, 0.0) for i in range(workers)])  # imports done
        failures = []
        for attempt in range(rounds):
            path = tmp_path / f"new-{attempt}.db"
            start = time.time() + 0.3
            failures += [
                outcome
                for outcome in pool.map(_open_and_add, [(str(path), i, start) for i in range(workers)])
                if outcome != "ok"
            ]
            with Store(path, readonly=True) as store:
                names = [row[0] for row in store.conn.execute("SELECT name FROM _migrations ORDER BY rowid")]
                assert names == [name for name, _ in MIGRATIONS]
                assert store.article_ids() == [f"p{i}" for i in range(workers)]
    assert failures == []
