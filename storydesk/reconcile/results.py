"""Reconcile stage: each story's results as rows (claims, conflicts, quotes, entities), searchable in SQL.

The JSON dossier stays the contract; these rows are written beside it from the same objects, in the
same transaction, so that claims, conflicts and quotes can be queried across stories (in Datasette, in
the web app's search, entity and outlet pages). The tables come from migration ``0008_results``; full
text search runs on FTS5 indexes over article text, claims and quotes.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from ..models import Claim, Conflict, Dossier, EntityRole, Occurrence, StoryEntity, StoryQuote
from ..store import Store
from ..text import fold_space

# Tables holding one story's rows, each keyed first on story_id.
STORY_TABLES = (
    "story_claims",
    "story_claim_occurrences",
    "story_conflicts",
    "story_conflict_positions",
    "story_conflict_articles",
    "story_quotes",
    "story_quote_occurrences",
    "story_entities",
    "story_results",
)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_results(store: Store, story_id: str, input_hash: str, dossier: Dossier) -> None:
    """Replace the story's rows with those of ``dossier`` (one transaction).

    What the story held before is kept in two ways: each claim, conflict and quote keeps the time a
    dossier first had it (``first_seen``, for "new since the last round"), and a claim that is gone
    because an outlet edited its words out of the article is kept in ``story_removed_claims``.
    """
    now = _now()
    with store.writing() as conn:
        seen = _first_seen(conn, story_id)
        _record_removed(conn, story_id, {claim.id for claim in dossier.claims}, now)
        delete_results(conn, [story_id])
        _claims(conn, story_id, dossier.claims, _stamps(seen, "story_claims", now))
        _conflicts(conn, story_id, dossier.conflicts, _stamps(seen, "story_conflicts", now))
        _quotes(conn, story_id, dossier.quotes, _stamps(seen, "story_quotes", now))
        _entities(conn, story_id, dossier.entities)
        conn.execute("INSERT INTO story_results (story_id, input_hash) VALUES (?, ?)", (story_id, input_hash))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")  # as watch rounds are stamped


Stamp = Callable[[str, str], str]  # (item id, its text) -> when a dossier first had it


def _first_seen(conn: sqlite3.Connection, story_id: str) -> dict[tuple[str, str], str]:
    seen: dict[tuple[str, str], str] = {}
    # by id, and by words: an edit elsewhere in an article moves offsets, so ids, not what was said
    for table, said in (("story_claims", "text"), ("story_conflicts", "subject"), ("story_quotes", "text")):
        rows = conn.execute(f"SELECT id, {said}, first_seen FROM {table} WHERE story_id = ?", (story_id,))
        for item, words, when in rows:
            seen[(table, item)] = seen[(table, fold_space(words))] = when
    return seen


def _stamps(seen: dict[tuple[str, str], str], table: str, now: str) -> Stamp:
    return lambda item, words: seen.get((table, item)) or seen.get((table, fold_space(words)), now)


def _record_removed(conn: sqlite3.Connection, story_id: str, kept: set[str], now: str) -> None:
    """Claims about to go whose words are no longer in their article: the outlet edited them out."""
    rows = conn.execute(
        "SELECT c.id, c.text, o.article_id, o.start, o.end, o.text, a.text FROM story_claims c "
        "JOIN story_claim_occurrences o ON o.story_id = c.story_id AND o.claim_id = c.id "
        "JOIN articles a ON a.id = o.article_id WHERE c.story_id = ?",
        (story_id,),
    ).fetchall()
    removed = [
        (story_id, claim, text, article, start, end, now)
        for claim, text, article, start, end, said, current in rows
        if claim not in kept and fold_space(said) not in fold_space(current)
    ]
    conn.executemany(
        "INSERT OR IGNORE INTO story_removed_claims (story_id, id, text, article_id, start, end, removed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        removed,
    )


def delete_results(conn: sqlite3.Connection, story_ids: Iterable[str]) -> None:
    ids = [(story_id,) for story_id in story_ids]
    for table in STORY_TABLES:
        conn.executemany(f"DELETE FROM {table} WHERE story_id = ?", ids)


def stale_results(store: Store) -> list[str]:
    """Stories whose stored dossier has no rows written from it (a database from before the rows)."""
    rows = store.conn.execute(
        "SELECT d.story_id FROM dossiers d JOIN stories s ON s.id = d.story_id "
        "LEFT JOIN story_results r ON r.story_id = d.story_id "
        "WHERE r.input_hash IS NULL OR r.input_hash != d.input_hash ORDER BY d.story_id"
    )
    return [row[0] for row in rows]


def _occurrences(
    conn: sqlite3.Connection,
    table: str,
    owner: str,
    story_id: str,
    owner_id: str,
    found: Sequence[Occurrence],
) -> None:
    conn.executemany(
        f"INSERT OR IGNORE INTO {table} (story_id, {owner}, position, article_id, start, end, text) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(story_id, owner_id, n, o.article, o.start, o.end, o.text) for n, o in enumerate(found)],
    )


def _claims(conn: sqlite3.Connection, story_id: str, claims: Sequence[Claim], stamp: Stamp) -> None:
    for rank, claim in enumerate(claims):
        conn.execute(
            "INSERT INTO story_claims (story_id, id, rank, text, status, attributed_to, sources, "
            "source_count, also_reported_by, only_source, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?)",
            (
                story_id,
                claim.id,
                rank,
                claim.text,
                claim.status,
                claim.attributed_to,
                _json(claim.sources),
                len(claim.sources),
                _json(claim.also_reported_by),
                claim.sources[0] if len(claim.sources) == 1 and not claim.also_reported_by else None,
                stamp(claim.id, claim.text),
            ),
        )
        _occurrences(conn, "story_claim_occurrences", "claim_id", story_id, claim.id, claim.occurrences)


def _conflicts(conn: sqlite3.Connection, story_id: str, conflicts: Sequence[Conflict], stamp: Stamp) -> None:
    for rank, conflict in enumerate(conflicts):
        conn.execute(
            "INSERT INTO story_conflicts (story_id, id, rank, kind, subject, certainty, first_seen) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                story_id,
                conflict.id,
                rank,
                conflict.kind,
                conflict.subject,
                conflict.certainty,
                stamp(conflict.id, conflict.subject),
            ),
        )
        conn.executemany(
            "INSERT INTO story_conflict_positions (story_id, conflict_id, position, value, articles, "
            "evidence) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (story_id, conflict.id, n, side.value, _json(side.articles), _json(side.evidence))
                for n, side in enumerate(conflict.positions)
            ],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO story_conflict_articles (story_id, conflict_id, position, article_id) "
            "VALUES (?, ?, ?, ?)",
            [
                (story_id, conflict.id, n, article)
                for n, side in enumerate(conflict.positions)
                for article in side.articles
            ],
        )


def _quotes(conn: sqlite3.Connection, story_id: str, quotes: Sequence[StoryQuote], stamp: Stamp) -> None:
    for rank, quote in enumerate(quotes):
        conn.execute(
            "INSERT INTO story_quotes (story_id, id, rank, speaker, speaker_name, text, variants, "
            "first_seen) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                story_id,
                quote.id,
                rank,
                quote.speaker,
                quote.speaker_name,
                quote.text,
                _json(quote.variants),
                stamp(quote.id, quote.text),
            ),
        )
        _occurrences(conn, "story_quote_occurrences", "quote_id", story_id, quote.id, quote.occurrences)


def _entities(conn: sqlite3.Connection, story_id: str, entities: Sequence[StoryEntity]) -> None:
    conn.executemany(
        "INSERT INTO story_entities (story_id, id, name, type, variants, articles, mentions, roles) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                story_id,
                entity.id,
                entity.name,
                entity.type,
                _json(entity.variants),
                _json(entity.articles),
                entity.mentions,
                _json([{"text": role.text, "articles": role.articles} for role in entity.roles]),
            )
            for entity in entities
        ],
    )


def relink_entities(store: Store) -> int:
    """Link every story's entities to cross-story entities (across.py); return how many there are."""
    from .across import link_entities

    stories = _story_entities(store)
    link = link_entities(stories)
    members: dict[str, list[tuple[str, StoryEntity]]] = defaultdict(list)
    for story_id, entities in stories.items():
        for entity in entities:
            members[link[(story_id, entity.id)]].append((story_id, entity))
    with store.writing() as conn:
        conn.execute("UPDATE story_entities SET entity_id = NULL")
        conn.execute("DELETE FROM entities")
        conn.executemany(
            "UPDATE story_entities SET entity_id = ? WHERE story_id = ? AND id = ?",
            [(cross, story_id, entity.id) for cross, found in members.items() for story_id, entity in found],
        )
        conn.executemany(
            "INSERT INTO entities (id, name, type, variants, story_count) VALUES (?, ?, ?, ?, ?)",
            [_cross_row(cross, found) for cross, found in sorted(members.items())],
        )
    return len(members)


def _story_entities(store: Store) -> dict[str, list[StoryEntity]]:
    """The entities of every current story, as the dossiers list them."""
    out: dict[str, list[StoryEntity]] = defaultdict(list)
    rows = store.conn.execute(
        "SELECT e.story_id, e.id, e.name, e.type, e.variants, e.articles, e.mentions, e.roles "
        "FROM story_entities e JOIN stories s ON s.id = e.story_id ORDER BY e.story_id, e.id"
    )
    for story_id, entity_id, name, kind, variants, articles, mentions, roles in rows:
        out[story_id].append(
            StoryEntity(
                entity_id,
                name,
                kind,
                json.loads(variants),
                json.loads(articles),
                mentions,
                [EntityRole(role["text"], role["articles"]) for role in json.loads(roles)],
            )
        )
    return out


def _cross_row(cross: str, found: list[tuple[str, StoryEntity]]) -> tuple[str, str, str, str, int]:
    """A cross-story entity: the name and type most of its stories give it, every spelling, its stories."""
    names = Counter(entity.name for _story, entity in found)
    kinds = Counter(entity.type for _story, entity in found)
    name = min(names, key=lambda written: (-names[written], -len(written), written))
    kind = min(kinds, key=lambda label: (-kinds[label], label))
    variants = list(dict.fromkeys(v for _story, entity in found for v in entity.variants))
    return cross, name, kind, _json(variants), len({story for story, _entity in found})
