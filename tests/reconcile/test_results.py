"""Results as rows: written beside each dossier from the same objects, replaced, searchable, backfilled."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from storydesk import api
from storydesk.reconcile.results import STORY_TABLES, stale_results, write_results
from storydesk.store import Store

pytestmark = pytest.mark.slow


def _rows(db: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


def test_every_dossier_claim_quote_conflict_and_entity_is_a_row(samples_db: Path) -> None:
    with Store(samples_db, readonly=True) as store:
        for story in store.list_stories():
            doc = api.dossier(store, story.id)
            claims = _rows(
                samples_db,
                "SELECT id, text, status FROM story_claims WHERE story_id = ? ORDER BY rank",
                story.id,
            )
            assert claims == [(c.id, c.text, c.status) for c in doc.claims]
            occurrences = _rows(
                samples_db,
                "SELECT article_id, start, end, text FROM story_claim_occurrences WHERE story_id = ? "
                "ORDER BY claim_id, position",
                story.id,
            )
            want = sorted(
                ((c.id, n), (o.article, o.start, o.end, o.text))
                for c in doc.claims
                for n, o in enumerate(c.occurrences)
            )
            assert occurrences == [row for _key, row in want]
            conflicts = _rows(
                samples_db, "SELECT id, kind FROM story_conflicts WHERE story_id = ? ORDER BY rank", story.id
            )
            assert conflicts == [(c.id, c.kind) for c in doc.conflicts]
            quotes = _rows(
                samples_db, "SELECT id, text FROM story_quotes WHERE story_id = ? ORDER BY rank", story.id
            )
            assert quotes == [(q.id, q.text) for q in doc.quotes]
            entities = _rows(
                samples_db, "SELECT id FROM story_entities WHERE story_id = ? ORDER BY id", story.id
            )
            assert entities == sorted((e.id,) for e in doc.entities)


def test_only_source_is_what_the_dossier_lists_as_unique(samples_db: Path) -> None:
    with Store(samples_db, readonly=True) as store:
        for story in store.list_stories():
            doc = api.dossier(store, story.id)
            rows = _rows(
                samples_db,
                "SELECT only_source, id FROM story_claims WHERE story_id = ? AND only_source IS NOT NULL",
                story.id,
            )
            alone: dict[str, list[str]] = {}
            for source, claim in rows:
                alone.setdefault(source, []).append(claim)
            assert {source: sorted(ids) for source, ids in alone.items()} == doc.unique


def test_rows_are_replaced_not_added_and_backfilled_when_missing(samples_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(samples_db.read_bytes())
    with Store(db) as store:
        story = store.list_stories()[0]
        key, doc = store.load_dossier(story.id)
        before = _rows(db, "SELECT count(*) FROM story_claims")[0][0]
        write_results(store, story.id, key, doc)
        assert _rows(db, "SELECT count(*) FROM story_claims")[0][0] == before
        assert stale_results(store) == []
        with store.writing() as conn:  # as in a database from before the rows
            conn.execute("DELETE FROM story_results WHERE story_id = ?", (story.id,))
        assert stale_results(store) == [story.id]
        assert api.reconcile(store, progress=False) == []  # nothing rebuilt...
        assert stale_results(store) == []  # ...but the rows are back, read from the stored dossier
        assert _rows(db, "SELECT count(*) FROM story_claims")[0][0] == before


def test_full_text_indexes_follow_their_tables(samples_db: Path) -> None:
    claim = _rows(samples_db, "SELECT text FROM story_claims ORDER BY story_id, rank LIMIT 1")[0][0]
    word = max(claim.split(), key=len).strip(".,;:'\"")
    found = _rows(
        samples_db,
        "SELECT c.text FROM story_claims_fts f JOIN story_claims c ON c.rowid = f.rowid WHERE "
        "story_claims_fts MATCH ?",
        f'"{word}"',
    )
    assert claim in [row[0] for row in found]
    articles = _rows(samples_db, "SELECT count(*) FROM articles")[0][0]
    indexed = _rows(samples_db, "SELECT count(*) FROM articles_fts")[0][0]
    assert indexed == articles
    assert set(STORY_TABLES) <= {
        row[0] for row in _rows(samples_db, "SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert json.loads(_rows(samples_db, "SELECT sources FROM story_claims LIMIT 1")[0][0])
