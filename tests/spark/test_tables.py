"""The stored tables as Parquet and back (`storydesk import`): every table's rows as the run stored them,
full-text indexes rebuilt, a second import changing nothing, and a folder without Parquet refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storydesk import api
from storydesk.errors import InputError
from storydesk.spark import tables
from storydesk.spark.tables import import_parquet, stored_tables, write_parquet

pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install 'storydesk[spark]')")


def rows_of(db: Path) -> dict[str, list[tuple]]:
    """Every stored table's rows, sorted (by their text: a column may mix NULLs, numbers and text)."""
    conn = sqlite3.connect(db)
    try:
        return {
            table: sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in stored_tables(conn)
        }
    finally:
        conn.close()


def assert_same_rows(got: Path, expected: Path) -> None:
    mine, theirs = rows_of(got), rows_of(expected)
    assert sorted(mine) == sorted(theirs)
    differ = [table for table in theirs if mine[table] != theirs[table]]
    assert differ == [], differ


FTS = [  # (full-text index, its content table, a word of the samples)
    ("articles_fts", "articles", "talks"),
    ("story_claims_fts", "story_claims", "talks"),
    ("story_quotes_fts", "story_quotes", "station"),
]


def matches(db: Path, index: str, content: str, word: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return sorted(
            conn.execute(
                f'SELECT c.* FROM "{index}" JOIN "{content}" c ON c.rowid = "{index}".rowid '
                f'WHERE "{index}" MATCH ?',
                (word,),
            ).fetchall(),
            key=repr,
        )
    finally:
        conn.close()


@pytest.fixture(scope="module")
def imported(spark_samples, tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """The samples run's Parquet imported into a fresh database."""
    _, out = spark_samples
    db = tmp_path_factory.mktemp("imported") / "imported.db"
    with api.open_store(db) as store:
        counts = api.import_parquet(out, store)
    return db, counts


# ---- a run's tables imported ------------------------------------------------------------------------


def test_import_gives_every_table_the_runs_rows(spark_samples, imported):
    run, out = spark_samples
    db, counts = imported
    assert counts == run.tables
    assert set(counts) == set(rows_of(db))
    assert_same_rows(db, out / "storydesk.db")


@pytest.mark.parametrize("index, content, word", FTS)
def test_import_rebuilds_the_full_text_indexes(spark_samples, imported, index, content, word):
    _, out = spark_samples
    db, _ = imported
    found = matches(out / "storydesk.db", index, content, word)
    assert found, f"no {word!r} in {index}: pick another word"
    assert matches(db, index, content, word) == found


def test_imported_store_opens_read_only_with_the_runs_stories(spark_samples, imported):
    run, out = spark_samples
    db, _ = imported
    with api.open_store(db, readonly=True) as store:
        stories = store.list_stories()
        assert store.article_ids() and sorted(store.article_ids()) == sorted(run.report.added)
    with api.open_store(out / "storydesk.db", readonly=True) as store:
        assert stories == store.list_stories()
    assert {story.id for story in stories} == {story.id for story in run.stories}


def test_importing_twice_changes_nothing(spark_samples, tmp_path):
    _, out = spark_samples
    db = tmp_path / "twice.db"
    with api.open_store(db) as store:
        first = import_parquet(out, store)
    once = rows_of(db)
    with api.open_store(db) as store:
        second = import_parquet(out / "parquet", store)  # the --out folder or its parquet/ folder
    assert second == first
    assert rows_of(db) == once
    for index, content, word in FTS:
        assert matches(db, index, content, word) == matches(out / "storydesk.db", index, content, word)


def test_import_replaces_what_the_store_held(spark_samples, tmp_path):
    _, out = spark_samples
    other = tmp_path / "other.txt"
    other.write_text("A harbour crane fell into the water on Monday; nobody was hurt.\n", encoding="utf-8")
    db = tmp_path / "held.db"
    with api.open_store(db) as store:
        assert api.ingest([str(other)], store, progress=False).added == ["other"]
        import_parquet(out, store)
        assert "other" not in store.article_ids()
    assert_same_rows(db, out / "storydesk.db")


@pytest.mark.parametrize("layout", ["empty folder", "no parquet files", "empty parquet folder", "missing"])
def test_import_of_a_folder_without_parquet_is_an_input_error(store, tmp_path, layout):
    folder = tmp_path / "run"
    if layout != "missing":
        folder.mkdir()
    if layout == "no parquet files":
        (folder / "index.json").write_text("{}", encoding="utf-8")
        (folder / "articles").mkdir()
        (folder / "articles" / "notes.txt").write_text("x", encoding="utf-8")
    if layout == "empty parquet folder":
        (folder / "parquet" / "articles").mkdir(parents=True)
    with pytest.raises(InputError, match="holds no Parquet tables"):
        import_parquet(folder, store)
    assert store.article_ids() == []


# ---- Parquet written from a store (no Spark needed) ------------------------------------------------


def test_write_then_import_gives_the_same_rows(samples_db, tmp_path):
    folder = tmp_path / "parquet"
    with api.open_store(samples_db, readonly=True) as store:
        written = write_parquet(store, folder)
    assert set(written) == set(rows_of(samples_db))
    assert {path.name for path in folder.iterdir()} == set(written)
    db = tmp_path / "back.db"
    with api.open_store(db) as store:
        assert import_parquet(folder, store) == written
    assert_same_rows(db, samples_db)


def test_write_replaces_the_part_files_of_an_earlier_write(samples_db, tmp_path, monkeypatch):
    folder = tmp_path / "parquet"
    with api.open_store(samples_db, readonly=True) as store:
        monkeypatch.setattr(tables, "ROWS_PER_FILE", 7)
        small = write_parquet(store, folder)
        parts = sorted(path.name for path in (folder / "mentions").iterdir())
        assert len(parts) == -(-small["mentions"] // 7) > 1
        monkeypatch.setattr(tables, "ROWS_PER_FILE", 50_000)
        assert write_parquet(store, folder) == small
    assert sorted(path.name for path in (folder / "mentions").iterdir()) == ["part-00000.parquet"]
    db = tmp_path / "back.db"
    with api.open_store(db) as store:
        import_parquet(folder, store)
    assert_same_rows(db, samples_db)


def test_values_that_do_not_fit_the_declared_type_come_back(store, tmp_path):
    rows = [("Left Paper", "left", 1), ("Odd Paper", "odd", "first"), ("Half Paper", "centre", 2.5)]
    store.conn.executemany("INSERT INTO outlet_leanings (outlet, leaning, position) VALUES (?, ?, ?)", rows)
    store.conn.commit()
    write_parquet(store, tmp_path / "parquet")
    db = tmp_path / "back.db"
    with api.open_store(db) as back:
        import_parquet(tmp_path, back)
        got = back.conn.execute(
            "SELECT outlet, leaning, position, typeof(position) FROM outlet_leanings ORDER BY outlet"
        ).fetchall()
    assert [tuple(row) for row in got] == [
        ("Half Paper", "centre", 2.5, "real"),
        ("Left Paper", "left", 1, "integer"),
        ("Odd Paper", "odd", "first", "text"),
    ]


def test_empty_tables_are_written_with_their_columns(store, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    written = write_parquet(store, tmp_path / "parquet")
    assert written and set(written.values()) == {0}
    schema = pq.read_table(tmp_path / "parquet" / "articles").schema
    assert "id" in schema.names and "text" in schema.names
    assert import_parquet(tmp_path, store) == written
