"""Store: the SQLite system of record, with named migrations and upserts keyed on stable ids.

Every stage reads its input from here and writes its output here, so any stage can re-run alone.
The file opens in Datasette; table and column names are meant to be read by people.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .errors import NotFoundError, OutdatedStoreError, ReadOnlyStoreError, StoreError
from .models import (
    Analysis,
    Article,
    DateRef,
    Dossier,
    Mention,
    Quantity,
    Quote,
    Rejection,
    Removal,
    Role,
    Sentence,
    Statement,
    Story,
)

DEFAULT_DB = "storydesk.db"
_IN_CHUNK = 900  # values bound in one "IN (...)", under the smallest variable limit SQLite builds use

# Named migrations, applied in order, each once. Never edit one that has shipped: add a new one.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_articles",
        """
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            title TEXT,
            published TEXT,
            url TEXT,
            authors TEXT NOT NULL DEFAULT '[]',   -- JSON list
            language TEXT,
            path TEXT,
            format TEXT,
            words INTEGER NOT NULL DEFAULT 0,
            content_hash TEXT NOT NULL,
            text TEXT NOT NULL,
            copy_of TEXT,
            ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
        );
        CREATE INDEX articles_content_hash ON articles(content_hash);
        CREATE INDEX articles_published ON articles(published);
        CREATE TABLE removals (
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (article_id, idx)
        );
        CREATE TABLE rejections (
            path TEXT PRIMARY KEY,
            reason TEXT NOT NULL,
            rejected_at TEXT NOT NULL DEFAULT (datetime('now'))
        );
        """,
    ),
    (
        "0002_analysis",
        """
        CREATE TABLE analyses (
            article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            content_hash TEXT NOT NULL,
            version TEXT NOT NULL,
            analyzed_at TEXT NOT NULL DEFAULT (datetime('now'))
        );
        CREATE TABLE sentences (
            article_id TEXT NOT NULL, "index" INTEGER NOT NULL, start INTEGER NOT NULL,
            "end" INTEGER NOT NULL, text TEXT NOT NULL, paragraph INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (article_id, "index")
        );
        CREATE TABLE mentions (
            article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
            label TEXT NOT NULL, sentence INTEGER NOT NULL DEFAULT 0, norm TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (article_id, start, "end")
        );
        CREATE TABLE roles (
            article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
            person TEXT NOT NULL, person_start INTEGER NOT NULL, person_end INTEGER NOT NULL,
            PRIMARY KEY (article_id, start, "end", person_start)
        );
        CREATE TABLE quotes (
            article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
            kind TEXT NOT NULL, cue TEXT, speaker TEXT, speaker_text TEXT,
            speaker_start INTEGER, speaker_end INTEGER, sentence INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (article_id, start, "end")
        );
        CREATE TABLE quantities (
            article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
            value REAL, unit TEXT, noun TEXT, approx TEXT, ordinal INTEGER NOT NULL DEFAULT 0,
            sentence INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (article_id, start, "end")
        );
        CREATE TABLE statements (
            article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
            sentence INTEGER NOT NULL DEFAULT 0, stance TEXT NOT NULL, holder TEXT, cue TEXT,
            PRIMARY KEY (article_id, start, "end")
        );
        CREATE TABLE dates (
            article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
            resolved TEXT, granularity TEXT, sentence INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (article_id, start, "end")
        );
        """,
    ),
    (
        "0003_stories",
        """
        CREATE TABLE embeddings (
            article_id TEXT NOT NULL, model TEXT NOT NULL, content_hash TEXT NOT NULL,
            dim INTEGER NOT NULL, vector BLOB NOT NULL,   -- float32, little-endian
            PRIMARY KEY (article_id, model)
        );
        CREATE TABLE stories (
            id TEXT PRIMARY KEY, title TEXT NOT NULL,
            first_published TEXT, last_published TEXT,
            article_count INTEGER NOT NULL, source_count INTEGER NOT NULL,
            updated_at TEXT NOT NULL DEFAULT (datetime('now'))
        );
        CREATE TABLE story_articles (
            article_id TEXT PRIMARY KEY, story_id TEXT NOT NULL
        );
        CREATE INDEX story_articles_story ON story_articles(story_id);
        CREATE TABLE dossiers (
            story_id TEXT PRIMARY KEY, input_hash TEXT NOT NULL, json TEXT NOT NULL,
            built_at TEXT NOT NULL DEFAULT (datetime('now'))
        );
        """,
    ),
    (
        "0004_cluster_state",
        """
        CREATE TABLE copy_signatures (
            article_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL,
            shingles INTEGER NOT NULL, signature BLOB NOT NULL   -- MinHash hash values, uint64 little-endian
        );
        CREATE TABLE copy_bands (
            key INTEGER NOT NULL, article_id TEXT NOT NULL,      -- one LSH band key of an article
            PRIMARY KEY (key, article_id)
        ) WITHOUT ROWID;
        CREATE TABLE cluster_state (
            name TEXT PRIMARY KEY, version TEXT NOT NULL, articles INTEGER NOT NULL,
            state BLOB NOT NULL,                                  -- the incremental clustering state
            saved_at TEXT NOT NULL DEFAULT (datetime('now'))
        );
        """,
    ),
    (
        # The clustering state as rows, so that a run writes only the stories, terms and entities it
        # touched (the blob of 0004 was rewritten whole by every run). The first run after this
        # migration rebuilds the rows by replaying the stored stories, so story ids are kept.
        "0005_cluster_rows",
        """
        DROP TABLE cluster_state;
        CREATE TABLE cluster_meta (
            name TEXT PRIMARY KEY, version TEXT NOT NULL,
            params TEXT NOT NULL,                                 -- JSON of the clustering Params
            dim INTEGER NOT NULL, n_docs INTEGER NOT NULL, articles INTEGER NOT NULL,
            run INTEGER NOT NULL,                                 -- counts the saves
            saved_at TEXT NOT NULL DEFAULT (datetime('now'))
        );
        CREATE TABLE cluster_stories (
            story_id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL UNIQUE,                          -- order the story was opened in
            centroid BLOB NOT NULL,                               -- sum of member vectors, float32
            lo INTEGER, hi INTEGER, plo INTEGER, phi INTEGER,     -- first/last day, any date / published
            run INTEGER NOT NULL                                  -- the save that last wrote this row
        );
        CREATE TABLE cluster_articles (
            article_id TEXT PRIMARY KEY,
            story_seq INTEGER NOT NULL, pos INTEGER NOT NULL,     -- place among its story's members
            row INTEGER UNIQUE                                    -- vector index row (NULL: a copy)
        );
        CREATE TABLE cluster_df (term INTEGER PRIMARY KEY, df INTEGER NOT NULL);
        CREATE TABLE cluster_postings (
            entity INTEGER PRIMARY KEY, stories TEXT NOT NULL     -- JSON story ids, oldest first
        );
        """,
    ),
    (
        # Short items kept whole (a feed summary, a wire brief) instead of rejected: 1 marks one.
        "0006_briefs",
        """
        ALTER TABLE articles ADD COLUMN brief INTEGER NOT NULL DEFAULT 0;
        """,
    ),
    (
        # `storydesk watch` (storydesk/ingest/watch.py reads and writes these): what each feed, list and
        # page answered last (its HTTP validators), which items of a feed were seen and became which
        # article, each round and what it found, and every version of an article an outlet changed.
        "0007_watch",
        """
        CREATE TABLE watch_http (
            url TEXT PRIMARY KEY,                                 -- a URL, or a file's absolute path
            kind TEXT NOT NULL,                                   -- feed | list | page
            etag TEXT, last_modified TEXT,                        -- validators of its last full answer
            checked_at TEXT NOT NULL,                             -- last asked (ISO 8601, UTC)
            changed_at TEXT                                       -- last answered with a body
        );
        CREATE TABLE watch_list_feeds (
            list_url TEXT NOT NULL, position INTEGER NOT NULL, feed_url TEXT NOT NULL,  -- an OPML's feeds
            PRIMARY KEY (list_url, position)
        );
        CREATE TABLE watch_items (
            feed_url TEXT NOT NULL, item_key TEXT NOT NULL,       -- the item's article id as ingest gives it
            link TEXT, article_id TEXT,                           -- NULL article: no article (see rejections)
            page TEXT,                                 -- the page its text came from (NULL: the item's)
            first_round INTEGER NOT NULL, last_round INTEGER NOT NULL,
            PRIMARY KEY (feed_url, item_key)
        );
        CREATE INDEX watch_items_article ON watch_items(article_id);
        CREATE TABLE watch_rounds (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL, finished_at TEXT,
            status TEXT NOT NULL                                  -- running | done | interrupted
        );
        CREATE TABLE watch_fetches (
            round_id INTEGER NOT NULL, url TEXT NOT NULL,
            kind TEXT NOT NULL,                                   -- feed | list | page (pages: failures only)
            outcome TEXT NOT NULL,                                -- ok | not_modified | error
            reason TEXT,                                          -- why it failed (one line)
            items INTEGER NOT NULL DEFAULT 0, new_items INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (round_id, url)
        );
        CREATE TABLE watch_round_articles (
            round_id INTEGER NOT NULL, article_id TEXT NOT NULL,
            change TEXT NOT NULL,                                 -- new | edited
            feed_url TEXT NOT NULL,
            PRIMARY KEY (round_id, article_id)
        );
        CREATE TABLE watch_round_stories (
            round_id INTEGER NOT NULL, story_id TEXT NOT NULL,
            change TEXT NOT NULL,                                 -- new | touched
            PRIMARY KEY (round_id, story_id)
        );
        CREATE TABLE article_versions (
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,                             -- 1: the text first stored
            content_hash TEXT NOT NULL, title TEXT, text TEXT NOT NULL,
            fetched_at TEXT NOT NULL, round_id INTEGER,
            PRIMARY KEY (article_id, version)
        );
        CREATE TABLE article_edits (
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,                  -- the version the edit made, from version - 1
            round_id INTEGER,
            words_added INTEGER NOT NULL, words_removed INTEGER NOT NULL,
            title_before TEXT, title_after TEXT,
            quotes_added TEXT NOT NULL DEFAULT '[]',              -- JSON lists of quoted passages
            quotes_removed TEXT NOT NULL DEFAULT '[]',
            changes TEXT NOT NULL DEFAULT '[]',                   -- JSON [[removed words, added words], ...]
            PRIMARY KEY (article_id, version)
        );
        """,
    ),
    (
        # Each story's reconciled results as rows beside its JSON dossier (storydesk/reconcile/results.py
        # writes them from the same objects), the stories' entities linked to cross-story entities, and
        # full-text indexes over article text, claims and quotes (FTS5, kept in step by triggers).
        "0008_results",
        """
        CREATE TABLE story_results (
            story_id TEXT PRIMARY KEY, input_hash TEXT NOT NULL   -- the dossier the rows were written from
        );
        CREATE TABLE story_claims (
            story_id TEXT NOT NULL, id TEXT NOT NULL,
            rank INTEGER NOT NULL,                                -- order in the dossier
            text TEXT NOT NULL,
            status TEXT NOT NULL,                                 -- corroborated | single_source | disputed
            attributed_to TEXT,                                   -- story entity id
            sources TEXT NOT NULL,                                -- JSON list of independent sources
            source_count INTEGER NOT NULL,
            also_reported_by TEXT NOT NULL DEFAULT '[]',          -- JSON: sources saying it in other words
            only_source TEXT,                                     -- the one outlet that alone reports it
            first_seen TEXT NOT NULL,                             -- when a dossier first had it (UTC)
            PRIMARY KEY (story_id, id)
        );
        CREATE INDEX story_claims_only_source ON story_claims(only_source);
        CREATE TABLE story_claim_occurrences (
            story_id TEXT NOT NULL, claim_id TEXT NOT NULL, position INTEGER NOT NULL,
            article_id TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL,
            PRIMARY KEY (story_id, claim_id, position)
        );
        CREATE INDEX story_claim_occurrences_article ON story_claim_occurrences(article_id);
        CREATE TABLE story_conflicts (
            story_id TEXT NOT NULL, id TEXT NOT NULL, rank INTEGER NOT NULL,
            kind TEXT NOT NULL,                        -- number | date | entity | role | denial | quote
            subject TEXT NOT NULL,
            certainty TEXT NOT NULL,                              -- likely | possible
            first_seen TEXT NOT NULL,
            PRIMARY KEY (story_id, id)
        );
        CREATE TABLE story_conflict_positions (
            story_id TEXT NOT NULL, conflict_id TEXT NOT NULL, position INTEGER NOT NULL,
            value TEXT NOT NULL,
            articles TEXT NOT NULL,                               -- JSON list of article ids
            evidence TEXT NOT NULL,                               -- JSON list of sentences, verbatim
            PRIMARY KEY (story_id, conflict_id, position)
        );
        CREATE TABLE story_conflict_articles (                  -- which articles take each position
            story_id TEXT NOT NULL, conflict_id TEXT NOT NULL, position INTEGER NOT NULL,
            article_id TEXT NOT NULL,
            PRIMARY KEY (story_id, conflict_id, position, article_id)
        );
        CREATE INDEX story_conflict_articles_article ON story_conflict_articles(article_id);
        CREATE INDEX articles_source ON articles(source);
        CREATE TABLE story_quotes (
            story_id TEXT NOT NULL, id TEXT NOT NULL, rank INTEGER NOT NULL,
            speaker TEXT,                                         -- story entity id
            speaker_name TEXT,
            text TEXT NOT NULL,
            variants TEXT NOT NULL DEFAULT '[]',                  -- JSON: other wordings
            first_seen TEXT NOT NULL,
            PRIMARY KEY (story_id, id)
        );
        CREATE TABLE story_removed_claims (                     -- claims an outlet's later edit took out
            story_id TEXT NOT NULL, id TEXT NOT NULL,
            text TEXT NOT NULL, article_id TEXT NOT NULL,         -- as the article said it before the edit
            start INTEGER NOT NULL, end INTEGER NOT NULL,         -- offsets in that older text
            removed_at TEXT NOT NULL,
            PRIMARY KEY (story_id, id, article_id)
        );
        CREATE TABLE story_quote_occurrences (
            story_id TEXT NOT NULL, quote_id TEXT NOT NULL, position INTEGER NOT NULL,
            article_id TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL,
            PRIMARY KEY (story_id, quote_id, position)
        );
        CREATE INDEX story_quote_occurrences_article ON story_quote_occurrences(article_id);
        CREATE TABLE story_entities (
            story_id TEXT NOT NULL, id TEXT NOT NULL,
            name TEXT NOT NULL, type TEXT NOT NULL,
            variants TEXT NOT NULL, articles TEXT NOT NULL,       -- JSON lists
            mentions INTEGER NOT NULL,
            roles TEXT NOT NULL DEFAULT '[]',                     -- JSON [{"text", "articles"}]
            entity_id TEXT,                                       -- the cross-story entity (entities.id)
            PRIMARY KEY (story_id, id)
        );
        CREATE INDEX story_entities_entity ON story_entities(entity_id);
        CREATE TABLE entities (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL, type TEXT NOT NULL,
            variants TEXT NOT NULL,                               -- JSON: every spelling, as written
            story_count INTEGER NOT NULL
        );
        CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', content_rowid='rowid');
        INSERT INTO articles_fts (rowid, title, text) SELECT rowid, coalesce(title, ''), text FROM articles;
        CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts (rowid, title, text)
            VALUES (new.rowid, coalesce(new.title, ''), new.text);
        END;
        CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, text)
            VALUES ('delete', old.rowid, coalesce(old.title, ''), old.text);
        END;
        CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, text)
            VALUES ('delete', old.rowid, coalesce(old.title, ''), old.text);
            INSERT INTO articles_fts (rowid, title, text)
            VALUES (new.rowid, coalesce(new.title, ''), new.text);
        END;
        CREATE VIRTUAL TABLE story_claims_fts USING fts5(text, content='story_claims', content_rowid='rowid');
        CREATE TRIGGER story_claims_fts_insert AFTER INSERT ON story_claims BEGIN
            INSERT INTO story_claims_fts (rowid, text) VALUES (new.rowid, new.text);
        END;
        CREATE TRIGGER story_claims_fts_delete AFTER DELETE ON story_claims BEGIN
            INSERT INTO story_claims_fts (story_claims_fts, rowid, text)
            VALUES ('delete', old.rowid, old.text);
        END;
        CREATE VIRTUAL TABLE story_quotes_fts USING fts5(text, content='story_quotes', content_rowid='rowid');
        CREATE TRIGGER story_quotes_fts_insert AFTER INSERT ON story_quotes BEGIN
            INSERT INTO story_quotes_fts (rowid, text) VALUES (new.rowid, new.text);
        END;
        CREATE TRIGGER story_quotes_fts_delete AFTER DELETE ON story_quotes BEGIN
            INSERT INTO story_quotes_fts (story_quotes_fts, rowid, text)
            VALUES ('delete', old.rowid, old.text);
        END;
        """,
    ),
    (
        # The user's outlet ratings (`storydesk leanings FILE.csv`; none ship with storydesk): an outlet as
        # the file names it, its leaning as written, and the leaning's place in the display order.
        "0009_leanings",
        """
        CREATE TABLE outlet_leanings (
            outlet TEXT PRIMARY KEY,
            leaning TEXT NOT NULL,
            position INTEGER NOT NULL                             -- the leaning's rank, left to right
        );
        """,
    ),
    (
        # A cache of the sentence vectors the dossiers compare, so a sentence is embedded once, not once per
        # rebuild of its story. Keyed by a hash of the text (embed.text_key); safe to empty.
        "0010_text_vectors",
        """
        CREATE TABLE text_vectors (
            model TEXT NOT NULL,
            text_key TEXT NOT NULL,
            vector BLOB NOT NULL,                                 -- float16, little-endian
            PRIMARY KEY (model, text_key)
        ) WITHOUT ROWID;
        """,
    ),
]

ANALYSIS_TABLES: dict[str, type] = {
    "sentences": Sentence,
    "mentions": Mention,
    "roles": Role,
    "quotes": Quote,
    "quantities": Quantity,
    "statements": Statement,
    "dates": DateRef,
}

_ARTICLE_COLUMNS = [
    "id",
    "source",
    "title",
    "published",
    "url",
    "authors",
    "language",
    "path",
    "format",
    "words",
    "content_hash",
    "text",
    "copy_of",
    "brief",
]


def _article_values(article: Article) -> dict[str, Any]:
    """An article's values by column of ``articles`` (lists as JSON, flags as 0/1)."""
    return {
        "id": article.id,
        "source": article.source,
        "title": article.title,
        "published": article.published,
        "url": article.url,
        "authors": json.dumps(article.authors),
        "language": article.language,
        "path": article.path,
        "format": article.format,
        "words": article.words,
        "content_hash": article.content_hash,
        "text": article.text,
        "copy_of": article.copy_of,
        "brief": int(article.brief),
    }


def _q(name: str) -> str:
    return f'"{name}"'


BUSY_TIMEOUT_MS = 30_000  # how long a process waits for another one's lock before "database is locked"
_READ_VERBS = "articles, article, stories, dossier, serve"


def _statements(script: str) -> list[str]:
    """The statements of a migration script, one by one (``executescript`` would commit between them)."""
    out, buf = [], ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip().strip(";").strip():
                out.append(buf)
            buf = ""
    return out


def _store_error(path: str, exc: sqlite3.DatabaseError) -> StoreError:
    """A one-line StoreError for what SQLite said about ``path``, saying what to do."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name == "SQLITE_NOTADB":
        return StoreError(
            f"{path} is not a SQLite database; point --db at a database made by `storydesk ingest`"
        )
    if name.startswith("SQLITE_READONLY"):
        return ReadOnlyStoreError(
            f"cannot write {path} ({exc}): the file or its folder is read-only; make it "
            f"writable, or use a verb that only reads ({_READ_VERBS})"
        )
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM")):
        return StoreError(
            f"cannot open {path} ({exc}); check that the file and its folder can be read "
            "(and written, for a verb that writes)"
        )
    if name.startswith("SQLITE_CORRUPT"):
        return StoreError(
            f"{path} is damaged ({exc}); restore it from a copy, or rebuild it with `storydesk ingest`"
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreError(f"{path} is locked by another process ({exc}); retry when it has finished")
    return StoreError(f"cannot use database {path}: {exc}; check the path and permissions")


def _regular_file(path: str, must_exist: bool) -> None:
    """Refuse a path that is a folder, a device or a pipe (or, with ``must_exist``, missing or empty)."""
    file_path = Path(path)
    if not file_path.exists():
        if must_exist:
            raise StoreError(f"no database at {path}; create one with `storydesk ingest PATH --db {path}`")
        if not file_path.parent.is_dir():
            raise StoreError(f"cannot create database {path}: there is no folder {file_path.parent}")
        return
    if not file_path.is_file():
        raise StoreError(
            f"{path} is not a database file (a folder, device or pipe); give the file's path to --db"
        )
    if must_exist and file_path.stat().st_size == 0:
        raise StoreError(
            f"{path} is an empty file, not a storydesk database; add articles to it with "
            f"`storydesk ingest PATH --db {path}`"
        )


def _writable(path: str) -> None:
    """Refuse before opening when the file or its folder (where the journal goes) cannot be written."""
    file_path = Path(path)
    if (file_path.exists() and not os.access(file_path, os.W_OK)) or not os.access(
        file_path.parent, os.W_OK | os.X_OK
    ):
        raise ReadOnlyStoreError(
            f"cannot write {path}: the file or its folder is read-only; make it writable, "
            f"or use a verb that only reads ({_READ_VERBS})"
        )


def _journal_mode(conn: sqlite3.Connection, mode: str) -> None:
    """Switch the journal mode, retrying for the busy timeout: SQLite answers a switch that meets another
    process's lock with "database is locked" at once, without waiting."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute(f"PRAGMA journal_mode = {mode}")
            return
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorname", "") != "SQLITE_BUSY" or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _connect(target: str, uri: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, uri=uri)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _connect_ro(path: str) -> sqlite3.Connection:
    """A connection that cannot write: no schema change, no journal mode switch.

    A file left in WAL mode in a read-only folder cannot be opened ``mode=ro`` (its -shm cannot be made);
    with no -wal beside it nothing can be writing it, so it is then read as ``immutable``."""
    uri = f"file:{quote(os.path.abspath(path))}?mode=ro"
    conn = _connect(uri, uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.DatabaseError as exc:
        conn.close()
        name = getattr(exc, "sqlite_errorname", "") or ""
        if not name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")):
            raise _store_error(path, exc) from exc
        if Path(path + "-wal").exists():
            raise StoreError(
                f"{path} has an unfinished write log ({path}-wal) in a folder that cannot be "
                f"written; make the folder writable and run `storydesk stories --db {path}`"
            ) from exc
    return _connect(uri + "&immutable=1", uri=True)


class Store:
    """One SQLite database. Open with ``Store(path)``; ``":memory:"`` works for tests.

    ``Store(path, readonly=True)`` never writes: the file must be an existing storydesk database of
    this version (else a StoreError says what to do), and every write method raises StoreError.
    A read-write store keeps the file in WAL mode while open; the last one to close turns it back
    into one self-contained file, so that readers create nothing beside it.
    """

    def __init__(self, path: str | Path = DEFAULT_DB, readonly: bool = False) -> None:
        self.path = str(path)
        self.readonly = readonly
        if self.path != ":memory:":
            _regular_file(self.path, must_exist=readonly)
        try:
            self.conn = _connect_ro(self.path) if readonly else self._connect_rw()
            self.conn.row_factory = sqlite3.Row
        except sqlite3.DatabaseError as exc:
            raise _store_error(self.path, exc) from exc
        try:
            if readonly:
                self._check_schema()
            else:
                self.migrate()
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise _store_error(self.path, exc) from exc
        except BaseException:
            self.conn.close()
            raise

    def _connect_rw(self) -> sqlite3.Connection:
        """A read-write connection (the file is made when missing), in WAL mode while it is open."""
        if self.path != ":memory:":
            _writable(self.path)
        self.conn = conn = _connect(self.path)
        try:
            self._migrations_done()  # refuse a file that is not storydesk's before changing anything
            conn.execute("PRAGMA foreign_keys = ON")
            if self.path != ":memory:":
                _journal_mode(conn, "wal")
                conn.execute("PRAGMA synchronous = NORMAL")
        except BaseException:
            conn.close()
            raise
        return conn

    # ---- schema ----------------------------------------------------------------------------

    def _migrations_done(self) -> set[str]:
        """The applied migrations; StoreError for a database that is not storydesk's or is newer."""
        tables = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "_migrations" not in tables:
            if tables:
                raise StoreError(
                    f"{self.path} is a SQLite database but not storydesk's (it has no _migrations "
                    "table); point --db at a database made by `storydesk ingest`"
                )
            return set()
        done = {row[0] for row in self.conn.execute("SELECT name FROM _migrations")}
        newer = done - {name for name, _ in MIGRATIONS}
        if newer:
            raise StoreError(
                f"{self.path} was written by a newer storydesk (migrations {sorted(newer)}); "
                "upgrade storydesk"
            )
        return done

    def _check_schema(self) -> None:
        """A read-only store reads only a database of this version."""
        done = self._migrations_done()
        if not done:
            raise StoreError(
                f"{self.path} holds no storydesk tables yet; add articles with "
                f"`storydesk ingest PATH --db {self.path}`"
            )
        missing = [name for name, _ in MIGRATIONS if name not in done]
        if missing:
            raise OutdatedStoreError(
                f"{self.path} was written by an older storydesk ({len(missing)} schema upgrades pending: "
                f"{', '.join(missing)}); upgrade it once with `storydesk stories --db {self.path}` "
                "(it writes), then retry"
            )

    def migrate(self) -> list[str]:
        """Apply the named migrations not yet applied, all in one exclusive transaction; return their names.

        Another process opening the same new database waits for the lock (busy timeout), then finds
        them applied: ``_migrations`` is read again inside the transaction.
        """
        self._refuse_readonly()
        if not self._pending_migrations():
            return []
        self.conn.commit()
        self.conn.execute("BEGIN EXCLUSIVE")
        try:
            todo = self._pending_migrations()
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS _migrations "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (datetime('now')))"
            )
            for name, sql in todo:
                for statement in _statements(sql):
                    self.conn.execute(statement)
                self.conn.execute("INSERT INTO _migrations (name) VALUES (?)", (name,))
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise
        return [name for name, _ in todo]

    def _pending_migrations(self) -> list[tuple[str, str]]:
        done = self._migrations_done()
        return [(name, sql) for name, sql in MIGRATIONS if name not in done]

    def _refuse_readonly(self) -> None:
        if self.readonly:
            raise StoreError(
                f"{self.path} is open read-only here; writing needs a write verb (ingest, analyze, "
                "stories with new articles)"
            )

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed at the end (refused on a read-only store)."""
        self._refuse_readonly()
        with self.conn:
            yield self.conn

    def close(self) -> None:
        """Close; the last read-write store to close leaves one self-contained file (no -wal, -shm)."""
        if not self.readonly and self.path != ":memory:" and not self.conn.in_transaction:
            try:
                self.conn.execute("PRAGMA busy_timeout = 0")  # another connection open: it stays WAL
                self.conn.execute("PRAGMA journal_mode = DELETE")
            except sqlite3.Error:
                pass
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- articles --------------------------------------------------------------------------

    def upsert_articles(self, articles: Iterable[Article]) -> None:
        """Insert or replace articles (and their removals) in one transaction."""
        cols = ", ".join(_q(column) for column in _ARTICLE_COLUMNS)
        marks = ", ".join("?" for _ in _ARTICLE_COLUMNS)
        updates = ", ".join(
            f"{_q(column)}=excluded.{_q(column)}"
            for column in _ARTICLE_COLUMNS
            if column not in ("id", "copy_of")
        )
        with self.writing():
            for article in articles:
                values = _article_values(article)
                row = [values[column] for column in _ARTICLE_COLUMNS]
                self.conn.execute(
                    f"INSERT INTO articles ({cols}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates}",
                    row,
                )
                self.conn.execute("DELETE FROM removals WHERE article_id = ?", (article.id,))
                self.conn.executemany(
                    "INSERT INTO removals (article_id, idx, kind, text, reason) VALUES (?, ?, ?, ?, ?)",
                    [
                        (article.id, i, removal.kind, removal.text, removal.reason)
                        for i, removal in enumerate(article.removed)
                    ],
                )

    def _article_from_row(self, row: sqlite3.Row, with_removals: bool = True) -> Article:
        values = dict(row)
        values.pop("ingested_at", None)
        values["authors"] = json.loads(values["authors"] or "[]")
        values["brief"] = bool(values.get("brief"))
        art = Article(**values)
        if with_removals:
            art.removed = [
                Removal(kind=removal_row["kind"], text=removal_row["text"], reason=removal_row["reason"])
                for removal_row in self.conn.execute(
                    "SELECT kind, text, reason FROM removals WHERE article_id = ? ORDER BY idx", (art.id,)
                )
            ]
        return art

    def get_article(self, article_id: str) -> Article:
        row = self.conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise NotFoundError(
                f"no article {article_id!r} in {self.path}; list them with `storydesk articles`"
            )
        return self._article_from_row(row)

    def iter_articles(
        self, ids: Iterable[str] | None = None, with_removals: bool = False
    ) -> Iterator[Article]:
        """Articles in id order, streamed (never the whole corpus in memory)."""
        if ids is None:
            cur = self.conn.execute("SELECT * FROM articles ORDER BY id")
            for row in cur:
                yield self._article_from_row(row, with_removals)
            return
        for aid in ids:
            yield (
                self.get_article(aid)
                if with_removals
                else self._article_from_row(
                    self.conn.execute("SELECT * FROM articles WHERE id = ?", (aid,)).fetchone()
                )
            )

    def article_ids(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT id FROM articles ORDER BY id")]

    def id_for_hash(self, content_hash: str) -> str | None:
        row = self.conn.execute(
            "SELECT id FROM articles WHERE content_hash = ? LIMIT 1", (content_hash,)
        ).fetchone()
        return row[0] if row else None

    def articles_with_hash(self, content_hash: str) -> list[sqlite3.Row]:
        """(id, source, path) of every stored article whose clean text has this hash."""
        return self.conn.execute(
            "SELECT id, source, path FROM articles WHERE content_hash = ? ORDER BY id", (content_hash,)
        ).fetchall()

    def article_meta(self, article_id: str) -> sqlite3.Row | None:
        return self.conn.execute(
            "SELECT id, path, content_hash FROM articles WHERE id = ?", (article_id,)
        ).fetchone()

    def record_rejections(self, rejections: Iterable[Rejection]) -> None:
        with self.writing():
            self.conn.executemany(
                "INSERT INTO rejections (path, reason) VALUES (?, ?) "
                "ON CONFLICT(path) DO UPDATE SET reason=excluded.reason, rejected_at=datetime('now')",
                [(rejection.path, rejection.reason) for rejection in rejections],
            )

    def clear_rejection(self, path: str) -> None:
        """Forget an input's rejection; committed with the next write transaction."""
        self._refuse_readonly()
        self.conn.execute("DELETE FROM rejections WHERE path = ?", (path,))

    # ---- analysis --------------------------------------------------------------------------

    def analysis_state(self, ids: Iterable[str] | None = None) -> dict[str, tuple[str, str]]:
        """article id -> (content hash, analysis version) of what is stored (of ``ids`` only, when given)."""
        sql = "SELECT article_id, content_hash, version FROM analyses"
        if ids is None:
            return {row[0]: (row[1], row[2]) for row in self.conn.execute(sql)}
        wanted = list(ids)
        marks = ", ".join("?" for _ in wanted)
        return {
            row[0]: (row[1], row[2])
            for row in self.conn.execute(f"{sql} WHERE article_id IN ({marks})", wanted)
        }

    def save_analysis(self, analysis: Analysis, content_hash: str, version: str) -> None:
        """Replace everything stored for one article's analysis, atomically."""
        aid = analysis.article_id
        with self.writing():
            for table, cls in ANALYSIS_TABLES.items():
                self.conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (aid,))
                items = getattr(analysis, table)
                if not items:
                    continue
                names = [attribute.name for attribute in fields(cls)]
                sql = (
                    f"INSERT OR REPLACE INTO {table} ({', '.join(_q(name) for name in names)}) "
                    f"VALUES ({', '.join('?' for _ in names)})"
                )
                self.conn.executemany(sql, [[getattr(it, name) for name in names] for it in items])
            self.conn.execute(
                "INSERT INTO analyses (article_id, content_hash, version) VALUES (?, ?, ?) "
                "ON CONFLICT(article_id) DO UPDATE SET content_hash=excluded.content_hash, "
                "version=excluded.version, analyzed_at=datetime('now')",
                (aid, content_hash, version),
            )

    def load_analysis(self, article_id: str) -> Analysis:
        out = Analysis(article_id=article_id)
        for table, cls in ANALYSIS_TABLES.items():
            names = [attribute.name for attribute in fields(cls)]
            order = '"index"' if table == "sentences" else 'start, "end"'
            rows = self.conn.execute(
                f"SELECT {', '.join(_q(name) for name in names)} FROM {table} "
                f"WHERE article_id = ? ORDER BY {order}",
                (article_id,),
            )
            items = [cls(**dict(zip(names, row, strict=True))) for row in rows]
            if table == "quantities":
                for quantity in items:
                    quantity.ordinal = bool(quantity.ordinal)
            setattr(out, table, items)
        return out

    # ---- embeddings ------------------------------------------------------------------------

    def save_embeddings(self, model: str, rows: Iterable[tuple[str, str, bytes, int]]) -> None:
        """rows: (article_id, content_hash, float32 bytes, dim)."""
        with self.writing():
            self.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (article_id, model, content_hash, dim, vector) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (article_id, model, content_hash, dim, vector)
                    for article_id, content_hash, vector, dim in rows
                ],
            )

    def load_embeddings(self, model: str, ids: Iterable[str]) -> dict[str, tuple[str, bytes]]:
        """article id -> (content hash, float32 bytes) for the ids that have one."""
        out = {}
        for aid in ids:
            row = self.conn.execute(
                "SELECT content_hash, vector FROM embeddings WHERE article_id = ? AND model = ?", (aid, model)
            ).fetchone()
            if row:
                out[aid] = (row[0], row[1])
        return out

    def load_vectors(self, model: str, keys: Sequence[str]) -> dict[str, bytes]:
        """text key -> float16 bytes, for the keys the cache holds."""
        out: dict[str, bytes] = {}
        for start in range(0, len(keys), _IN_CHUNK):
            chunk = keys[start : start + _IN_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            out.update(
                self.conn.execute(
                    f"SELECT text_key, vector FROM text_vectors WHERE model = ? AND text_key IN ({marks})",
                    (model, *chunk),
                ).fetchall()
            )
        return out

    def save_vectors(self, model: str, rows: Sequence[tuple[str, bytes]]) -> None:
        """Keep (text key, float16 bytes) rows; a read-only store only reads its cache."""
        if self.readonly:
            return
        with self.writing():
            self.conn.executemany(
                "INSERT OR IGNORE INTO text_vectors (model, text_key, vector) VALUES (?, ?, ?)",
                [(model, key, vector) for key, vector in rows],
            )

    # ---- stories ---------------------------------------------------------------------------

    def save_stories(self, stories: Iterable[Story], replace_all: bool = False) -> None:
        with self.writing():
            if replace_all:
                self.conn.execute("DELETE FROM stories")
                self.conn.execute("DELETE FROM story_articles")
            for story in stories:
                self.conn.execute(
                    "INSERT INTO stories (id, title, first_published, last_published, article_count, "
                    "source_count) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                    "title=excluded.title, first_published=excluded.first_published, "
                    "last_published=excluded.last_published, article_count=excluded.article_count, "
                    "source_count=excluded.source_count, updated_at=datetime('now')",
                    (
                        story.id,
                        story.title,
                        story.first_published,
                        story.last_published,
                        len(story.article_ids),
                        len(story.sources),
                    ),
                )
                self.conn.executemany(
                    "INSERT OR REPLACE INTO story_articles (article_id, story_id) VALUES (?, ?)",
                    [(article_id, story.id) for article_id in story.article_ids],
                )

    def delete_stories(self, ids: Iterable[str]) -> None:
        with self.writing():
            for sid in ids:
                self.conn.execute("DELETE FROM stories WHERE id = ?", (sid,))
                self.conn.execute("DELETE FROM story_articles WHERE story_id = ?", (sid,))
                self.conn.execute("DELETE FROM dossiers WHERE story_id = ?", (sid,))

    def _stories_from_rows(self, rows: list[sqlite3.Row], story_id: str | None = None) -> list[Story]:
        """Stories from their rows, with their articles and outlets (copies left out) read in two
        queries: of one story when ``story_id`` is given, else of every story."""
        only, args = (" WHERE s.story_id = ?", (story_id,)) if story_id else ("", ())
        members: dict[str, list[str]] = defaultdict(list)
        for member_of, article_id in self.conn.execute(
            f"SELECT s.story_id, s.article_id FROM story_articles s{only} ORDER BY s.story_id, s.article_id",
            args,
        ):
            members[member_of].append(article_id)
        outlets: dict[str, set[str]] = defaultdict(set)
        for member_of, source in self.conn.execute(
            "SELECT s.story_id, a.source FROM story_articles s JOIN articles a ON a.id = s.article_id"
            f"{only}{' AND' if only else ' WHERE'} a.copy_of IS NULL",
            args,
        ):
            outlets[member_of].add(source)
        return [
            Story(
                row["id"],
                row["title"],
                members[row["id"]],
                sorted(outlets[row["id"]]),
                row["first_published"],
                row["last_published"],
            )
            for row in rows
        ]

    def list_stories(self) -> list[Story]:
        """Every story (three queries in all, not two per story: the story list of a big archive)."""
        rows = self.conn.execute("SELECT * FROM stories ORDER BY first_published, id").fetchall()
        return self._stories_from_rows(rows)

    def get_story(self, story_id: str) -> Story:
        # one story's rows only: the dossier and web paths ask for one story at a time
        row = self.conn.execute("SELECT * FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no story {story_id!r} in {self.path}; list them with `storydesk stories`")
        return self._stories_from_rows([row], row["id"])[0]

    def story_of(self) -> dict[str, str]:
        return {
            row[0]: row[1] for row in self.conn.execute("SELECT article_id, story_id FROM story_articles")
        }

    # ---- dossiers --------------------------------------------------------------------------

    def save_dossier(self, story_id: str, input_hash: str, dossier: Dossier) -> None:
        with self.writing():
            self.conn.execute(
                "INSERT INTO dossiers (story_id, input_hash, json) VALUES (?, ?, ?) "
                "ON CONFLICT(story_id) DO UPDATE "
                "SET input_hash=excluded.input_hash, json=excluded.json, built_at=datetime('now')",
                (story_id, input_hash, json.dumps(dossier.to_json(), ensure_ascii=False)),
            )

    def load_dossier(self, story_id: str) -> tuple[str, Dossier] | None:
        row = self.conn.execute(
            "SELECT input_hash, json FROM dossiers WHERE story_id = ?", (story_id,)
        ).fetchone()
        if not row:
            return None
        try:
            return row[0], Dossier.from_json(json.loads(row[1]))
        except (ValueError, TypeError):  # written by another version: as good as none, it is rebuilt
            return None
