"""Report stage: search, entity and outlet views across stories, read from the results rows.

Reads only what ``reconcile/results.py`` wrote (migration ``0008_results``), and only for stories that
exist now; nothing here builds a dossier. Each view is a small dataclass whose ``to_json`` form is what
the web app's ``.json`` routes answer (the contract's "Web app" section).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from ..errors import NotFoundError
from ..models import Story
from ..store import Store

SEARCH_LIMIT = 50  # hits per kind
LIST_LIMIT = 200  # items per section of an outlet or entity page: the newest first
_TERM = re.compile(r"\w+", re.UNICODE)


@dataclass
class SearchHit:
    kind: str  # article | claim | quote
    story: str | None  # None: an article not yet in a story
    article: str
    text: str  # the claim or quote; for an article, the passage that matched
    start: int | None = None  # where ``text`` stands in the article, for claims and quotes
    end: int | None = None


@dataclass
class SearchResults:
    query: str
    results: list[SearchHit]


@dataclass
class StoryRef:
    id: str
    title: str
    first_published: str | None
    last_published: str | None


@dataclass
class Cited:
    """A statement of one story, with where it stands in one article."""

    story: str
    text: str
    article: str
    start: int
    end: int
    status: str | None = None  # a claim's status; None for a quote
    speaker_name: str | None = None  # a quote's speaker


@dataclass
class Disagreement:
    """A conflict one outlet takes part in: its position against the others'."""

    story: str
    kind: str
    subject: str
    certainty: str
    value: str  # this outlet's position
    articles: list[str]  # this outlet's articles taking it
    others: list[str]  # the other positions' values


@dataclass
class OutletView:
    source: str
    articles: int
    stories: list[StoryRef]
    alone: list[Cited]  # claims only this outlet carries
    conflicts: list[Disagreement]
    quotes: list[Cited]  # quotes it carried


@dataclass
class RoleByOutlet:
    text: str
    outlets: list[str]


@dataclass
class EntityView:
    id: str
    name: str
    type: str
    variants: list[str]  # its names as written, in every story
    stories: list[StoryRef]  # oldest first
    roles: list[RoleByOutlet] = field(default_factory=list)
    quotes: list[Cited] = field(default_factory=list)  # what it said
    claims: list[Cited] = field(default_factory=list)  # claims attributed to it or naming it


# A claim, or a quote, with its first occurrence (o): where a page links it. Columns in Cited's order.
CLAIM_AT = (
    "story_claims c JOIN story_claim_occurrences o "
    "ON o.story_id = c.story_id AND o.claim_id = c.id AND o.position = 0"
)
QUOTE_AT = (
    "story_quotes q JOIN story_quote_occurrences o "
    "ON o.story_id = q.story_id AND o.quote_id = q.id AND o.position = 0"
)
CLAIM_CITED = "c.story_id, c.text, o.article_id, o.start, o.end, c.status"
QUOTE_CITED = "q.story_id, q.text, o.article_id, o.start, o.end, NULL, q.speaker_name"
REMOVED_CITED = "story_id, text, article_id, start, end, 'removed by the outlet'"


def fts_query(words: str) -> str:
    """A user's words as an FTS5 query: every word must match, each as a quoted term (so no syntax)."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in _TERM.findall(words))


def search(store: Store, words: str, limit: int = SEARCH_LIMIT) -> SearchResults:
    """Claims, quotes and articles matching every word, best first within each kind."""
    match = fts_query(words)
    if not match:
        return SearchResults(words, [])
    hits = _statement_hits(store.conn, "claim", match, limit) + _statement_hits(
        store.conn, "quote", match, limit
    )
    return SearchResults(words, hits + _article_hits(store.conn, match, limit))


def _statement_hits(conn: sqlite3.Connection, kind: str, match: str, limit: int) -> list[SearchHit]:
    """Claims (``kind`` "claim") or quotes ("quote") matching, each at its first occurrence, best first."""
    at, alias, fts = (
        (CLAIM_AT, "c", "story_claims_fts") if kind == "claim" else (QUOTE_AT, "q", "story_quotes_fts")
    )
    rows = conn.execute(
        f"SELECT {alias}.story_id, o.article_id, {alias}.text, o.start, o.end FROM {fts} f JOIN {at} "
        f"JOIN stories s ON s.id = {alias}.story_id WHERE {alias}.rowid = f.rowid AND {fts} MATCH ? "
        f"ORDER BY bm25({fts}), {alias}.story_id, {alias}.rank LIMIT ?",
        (match, limit),
    )
    return [SearchHit(kind, *row) for row in rows]


def _article_hits(conn: sqlite3.Connection, match: str, limit: int) -> list[SearchHit]:
    rows = conn.execute(
        "SELECT sa.story_id, a.id, snippet(articles_fts, 1, '', '', '…', 24) FROM articles_fts "
        "JOIN articles a ON a.rowid = articles_fts.rowid LEFT JOIN story_articles sa ON sa.article_id = a.id "
        "WHERE articles_fts MATCH ? ORDER BY bm25(articles_fts), a.id LIMIT ?",
        (match, limit),
    )
    return [SearchHit("article", *row) for row in rows]


def _stories(conn: sqlite3.Connection, where: str, args: tuple[object, ...]) -> list[StoryRef]:
    """The stories ``where`` selects, oldest first (the newest LIST_LIMIT when there are more)."""
    rows = conn.execute(
        "SELECT * FROM (SELECT DISTINCT s.id, s.title, s.first_published, s.last_published FROM stories s "
        f"WHERE s.id IN ({where}) ORDER BY coalesce(s.first_published, '') DESC, s.id DESC LIMIT ?) "
        "ORDER BY coalesce(first_published, ''), id",
        (*args, LIST_LIMIT),
    )
    return [StoryRef(*row) for row in rows]


def outlet_view(store: Store, source: str) -> OutletView:
    """One outlet across stories: what it covered, what it alone reported, where it disagreed, its quotes."""
    conn = store.conn
    count = conn.execute("SELECT count(*) FROM articles WHERE source = ?", (source,)).fetchone()[0]
    if not count:
        raise NotFoundError(f"no outlet {source!r} in {store.path}; the outlets are listed at /outlets")
    stories = _stories(
        conn,
        "SELECT sa.story_id FROM story_articles sa JOIN articles a ON a.id = sa.article_id WHERE "
        "a.source = ?",
        (source,),
    )
    return OutletView(
        source,
        count,
        stories,
        _alone(conn, source, LIST_LIMIT),
        _disagreements(conn, source, LIST_LIMIT),
        _carried(conn, source, LIST_LIMIT),
    )


def _alone(conn: sqlite3.Connection, source: str, limit: int) -> list[Cited]:
    rows = conn.execute(
        f"SELECT {CLAIM_CITED} FROM {CLAIM_AT} JOIN stories s ON s.id = c.story_id "
        "WHERE c.only_source = ? ORDER BY coalesce(s.first_published, '') DESC, c.story_id, c.rank LIMIT ?",
        (source, limit),
    )
    return [Cited(*row) for row in rows]


def _carried(conn: sqlite3.Connection, source: str, limit: int) -> list[Cited]:
    rows = conn.execute(
        "SELECT q.story_id, o.text, o.article_id, o.start, o.end, NULL, q.speaker_name "
        "FROM story_quote_occurrences o JOIN articles a ON a.id = o.article_id "
        "JOIN story_quotes q ON q.story_id = o.story_id AND q.id = o.quote_id "
        "JOIN stories s ON s.id = q.story_id WHERE a.source = ? "
        "ORDER BY coalesce(s.first_published, '') DESC, q.story_id, q.rank, o.position LIMIT ?",
        (source, limit),
    )
    return [Cited(*row) for row in rows]


def _disagreements(conn: sqlite3.Connection, source: str, limit: int) -> list[Disagreement]:
    rows = conn.execute(
        "SELECT c.story_id, c.id, c.kind, c.subject, c.certainty, p.position, p.value, "
        "json_group_array(a.id) FROM articles a "
        "JOIN story_conflict_articles ca ON ca.article_id = a.id "
        "JOIN story_conflict_positions p ON p.story_id = ca.story_id AND p.conflict_id = ca.conflict_id "
        "AND p.position = ca.position "
        "JOIN story_conflicts c ON c.story_id = p.story_id AND c.id = p.conflict_id "
        "JOIN stories s ON s.id = c.story_id WHERE a.source = ? "
        "GROUP BY c.story_id, c.id, p.position "
        "ORDER BY coalesce(s.first_published, '') DESC, c.story_id, c.rank LIMIT ?",
        (source, limit),
    )
    found = rows.fetchall()
    sides = Counter((row[0], row[1]) for row in found)
    out = []
    for story, conflict, kind, subject, certainty, position, value, articles in found:
        if sides[(story, conflict)] > 1:
            continue  # the outlet carries both sides (it reports the dispute): no disagreement of its own
        others = conn.execute(
            "SELECT value FROM story_conflict_positions WHERE story_id = ? AND conflict_id = ? "
            "AND position != ? ORDER BY position",
            (story, conflict, position),
        )
        out.append(
            Disagreement(
                story, kind, subject, certainty, value, json.loads(articles), [row[0] for row in others]
            )
        )
    return out


@dataclass
class OutletRef:
    source: str
    articles: int
    stories: int


def outlets(store: Store) -> list[OutletRef]:
    """Every outlet with its article and story counts, the most prolific first."""
    rows = store.conn.execute(
        "SELECT a.source, count(DISTINCT a.id), count(DISTINCT sa.story_id) FROM articles a "
        "LEFT JOIN story_articles sa ON sa.article_id = a.id GROUP BY a.source ORDER BY 2 DESC, 1"
    )
    return [OutletRef(*row) for row in rows]


def entity_view(store: Store, entity_id: str) -> EntityView:
    """One person, organisation or place across every story: names, roles by outlet, quotes, claims."""
    conn = store.conn
    row = conn.execute("SELECT id, name, type FROM entities WHERE id = ?", (entity_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no entity {entity_id!r} in {store.path}; find one with /search or a dossier")
    members = conn.execute(
        "SELECT e.story_id, e.id, e.variants, e.roles FROM story_entities e JOIN stories s ON s.id = "
        "e.story_id "
        "WHERE e.entity_id = ? ORDER BY coalesce(s.first_published, ''), e.story_id",
        (entity_id,),
    ).fetchall()
    variants = list(dict.fromkeys(name for member in members for name in json.loads(member[2])))
    recent = members[-LIST_LIMIT:]  # roles, quotes and claims of its newest stories
    return EntityView(
        id=row[0],
        name=row[1],
        type=row[2],
        variants=variants,
        stories=_stories(conn, "SELECT story_id FROM story_entities WHERE entity_id = ?", (entity_id,)),
        roles=_roles_by_outlet(conn, [json.loads(member[3]) for member in recent]),
        quotes=_said_by(conn, [(member[0], member[1]) for member in recent]),
        claims=_claims_about(conn, [(member[0], member[1]) for member in recent], variants),
    )


def _roles_by_outlet(conn: sqlite3.Connection, roles_of_members: list[list[dict]]) -> list[RoleByOutlet]:
    outlets: dict[str, set[str]] = {}
    for roles in roles_of_members:
        for role in roles:
            outlets.setdefault(role["text"], set()).update(role["articles"])
    source = _sources(conn, {article for articles in outlets.values() for article in articles})
    return [
        RoleByOutlet(text, sorted({source.get(article, article) for article in articles}))
        for text, articles in sorted(outlets.items(), key=lambda item: (-len(item[1]), item[0]))
    ]


def _sources(conn: sqlite3.Connection, article_ids: set[str]) -> dict[str, str]:
    ids = sorted(article_ids)
    marks = ",".join("?" * len(ids))
    return dict(conn.execute(f"SELECT id, source FROM articles WHERE id IN ({marks})", ids).fetchall())


def _said_by(conn: sqlite3.Connection, members: list[tuple[str, str]]) -> list[Cited]:
    out: list[Cited] = []
    for story, member in members:
        rows = conn.execute(
            f"SELECT {QUOTE_CITED} FROM {QUOTE_AT} WHERE q.story_id = ? AND q.speaker = ? ORDER BY q.rank",
            (story, member),
        )
        out += [Cited(*row) for row in rows]
    return out


def _claims_about(conn: sqlite3.Connection, members: list[tuple[str, str]], names: list[str]) -> list[Cited]:
    """Claims the articles attribute to the entity, then claims that name it, story by story."""
    phrases = " OR ".join(f"({fts_query(name)})" for name in names if fts_query(name))
    naming = "OR c.rowid IN (SELECT rowid FROM story_claims_fts WHERE story_claims_fts MATCH ?)"
    out: list[Cited] = []
    for story, member in members:
        rows = conn.execute(
            f"SELECT {CLAIM_CITED} FROM {CLAIM_AT} "
            f"WHERE c.story_id = ? AND (c.attributed_to = ? {naming if phrases else ''}) "
            "ORDER BY c.attributed_to IS NOT ?, c.rank",
            (story, member, *([phrases] if phrases else []), member),
        )
        out += [Cited(*row) for row in rows]
    return out


@dataclass
class StoryFilter:
    """What the story list is narrowed to: an outlet, a cross-story entity, a date range (YYYY-MM-DD)."""

    outlet: str = ""
    entity: str = ""
    since: str = ""
    until: str = ""

    def __bool__(self) -> bool:
        return any((self.outlet, self.entity, self.since, self.until))


def filter_stories(store: Store, wanted: StoryFilter) -> list[Story]:
    """The stories that match every part of ``wanted`` (a story matches a date range it overlaps)."""
    return story_page(store, wanted, 1, None)[0]


def story_page(store: Store, wanted: StoryFilter, page: int, size: int | None) -> tuple[list[Story], int]:
    """One page (from 1) of the matching stories, newest first as the story list orders them, and how
    many match in all; ``size`` None: every one. Filtered and ordered in SQL: a page reads its stories
    only."""
    where, args = _story_where(wanted)
    total = store.conn.execute(f"SELECT count(*) FROM stories s WHERE {where}", args).fetchone()[0]
    limit = f" LIMIT {int(size)} OFFSET {int(size) * (max(1, page) - 1)}" if size else ""
    ids = [
        row[0]
        for row in store.conn.execute(
            f"SELECT s.id FROM stories s WHERE {where} ORDER BY "
            "coalesce(s.last_published, s.first_published, '') DESC, s.article_count DESC, s.id" + limit,
            args,
        )
    ]
    return [store.get_story(story_id) for story_id in ids], total


def _story_where(wanted: StoryFilter) -> tuple[str, tuple[str, ...]]:
    """SQL conditions on ``stories s`` for the filter, and their arguments."""
    clauses, args = ["1"], []
    if wanted.outlet:
        clauses.append(
            "EXISTS (SELECT 1 FROM story_articles sa JOIN articles a ON a.id = sa.article_id "
            "WHERE sa.story_id = s.id AND a.source = ? AND a.copy_of IS NULL)"
        )
        args.append(wanted.outlet)
    if wanted.entity:
        clauses.append("EXISTS (SELECT 1 FROM story_entities e WHERE e.story_id = s.id AND e.entity_id = ?)")
        args.append(wanted.entity)
    if wanted.since:
        clauses.append("substr(coalesce(s.last_published, s.first_published, ''), 1, 10) >= ?")
        args.append(wanted.since)
    if wanted.until:
        day = "substr(coalesce(s.first_published, s.last_published, ''), 1, 10)"
        clauses.append(f"{day} != '' AND {day} <= ?")
        args.append(wanted.until)
    return " AND ".join(clauses), tuple(args)


def cross_ids(store: Store, story_id: str) -> dict[str, str]:
    """A story's entity ids -> their cross-story entity ids (none before reconciliation linked them)."""
    rows = store.conn.execute(
        "SELECT id, entity_id FROM story_entities WHERE story_id = ? AND entity_id IS NOT NULL", (story_id,)
    )
    return dict(rows.fetchall())


def sources_of(store: Store, article_ids: set[str]) -> dict[str, str]:
    """article id -> its outlet, for the articles asked."""
    return _sources(store.conn, article_ids)


@dataclass
class NewConflict:
    story: str
    kind: str
    subject: str
    certainty: str
    values: list[str]


@dataclass
class EditedArticle:
    article: str
    source: str
    title: str | None
    version: int
    words_added: int
    words_removed: int
    title_before: str | None
    title_after: str | None
    quotes_added: list[str]
    quotes_removed: list[str]


@dataclass
class NewSince:
    """What the last `watch` round brought: new stories, and what is new or gone in the older ones."""

    round: int | None  # None: no round has finished
    started_at: str | None
    finished_at: str | None
    new_stories: list[StoryRef] = field(default_factory=list)
    new_articles: list[str] = field(default_factory=list)
    claims: list[Cited] = field(default_factory=list)  # new claims in stories that were there before
    conflicts: list[NewConflict] = field(default_factory=list)
    quotes: list[Cited] = field(default_factory=list)
    edited: list[EditedArticle] = field(default_factory=list)  # silent edits the round found
    removed: list[Cited] = field(default_factory=list)  # claims an outlet edited out


def whats_new(store: Store) -> NewSince:
    """The last finished `watch` round and what it changed in the stories (empty before any round)."""
    from ..ingest.watch import latest_round

    found = latest_round(store)
    if found is None:
        return NewSince(None, None, None)
    conn, since = store.conn, found.started_at
    older = [story for story in found.touched_stories if story not in set(found.new_stories)]
    marks = ",".join("?" * len(older))
    return NewSince(
        round=found.id,
        started_at=found.started_at,
        finished_at=found.finished_at,
        new_stories=_stories(
            conn, ",".join("?" * len(found.new_stories)) or "NULL", tuple(found.new_stories)
        ),
        new_articles=list(found.new_articles),
        claims=_new_cited(conn, f"{CLAIM_CITED} FROM {CLAIM_AT}", "c", marks, older, since),
        conflicts=_new_conflicts(conn, marks, older, since),
        quotes=_new_cited(conn, f"{QUOTE_CITED} FROM {QUOTE_AT}", "q", marks, older, since),
        edited=_edits(store, found.id, found.edited_articles),
        removed=_removed(conn, since),
    )


def _new_cited(
    conn: sqlite3.Connection, cited: str, alias: str, marks: str, stories: list[str], since: str
) -> list[Cited]:
    """Claims (``cited`` CLAIM_CITED from CLAIM_AT, alias c) or quotes (QUOTE_*, q) that the given
    stories first had at or after ``since``."""
    rows = conn.execute(
        f"SELECT {cited} WHERE {alias}.story_id IN ({marks or 'NULL'}) AND {alias}.first_seen >= ? "
        f"ORDER BY {alias}.story_id, {alias}.rank LIMIT ?",
        (*stories, since, LIST_LIMIT),
    )
    return [Cited(*row) for row in rows]


def _new_conflicts(conn: sqlite3.Connection, marks: str, stories: list[str], since: str) -> list[NewConflict]:
    rows = conn.execute(
        "SELECT c.story_id, c.kind, c.subject, c.certainty, json_group_array(p.value) FROM story_conflicts c "
        "JOIN story_conflict_positions p ON p.story_id = c.story_id AND p.conflict_id = c.id "
        f"WHERE c.story_id IN ({marks or 'NULL'}) AND c.first_seen >= ? "
        "GROUP BY c.story_id, c.id ORDER BY c.story_id, c.rank LIMIT ?",
        (*stories, since, LIST_LIMIT),
    )
    return [
        NewConflict(story, kind, subject, certainty, json.loads(values))
        for story, kind, subject, certainty, values in rows
    ]


def _edits(store: Store, round_id: int, article_ids: list[str]) -> list[EditedArticle]:
    from ..ingest.watch import article_versions

    out = []
    source = _sources(store.conn, set(article_ids[:LIST_LIMIT]))
    for article_id in article_ids[:LIST_LIMIT]:
        versions = [v for v in article_versions(store, article_id) if v.edit and v.edit.round_id == round_id]
        for version in versions:
            edit = version.edit
            assert edit is not None
            out.append(
                EditedArticle(
                    article_id,
                    source.get(article_id, ""),
                    version.title,
                    version.version,
                    edit.words_added,
                    edit.words_removed,
                    edit.title_before,
                    edit.title_after,
                    edit.quotes_added,
                    edit.quotes_removed,
                )
            )
    return out


def _removed(conn: sqlite3.Connection, since: str) -> list[Cited]:
    return _removed_where(
        conn, "removed_at >= ? ORDER BY story_id, article_id, start LIMIT ?", (since, LIST_LIMIT)
    )


def removed_claims(store: Store, article_id: str) -> list[Cited]:
    """Claims this article once made that a later edit took out (kept, though the dossier lost them)."""
    return _removed_where(store.conn, "article_id = ? ORDER BY removed_at, start", (article_id,))


def _removed_where(conn: sqlite3.Connection, where: str, args: tuple[object, ...]) -> list[Cited]:
    rows = conn.execute(f"SELECT {REMOVED_CITED} FROM story_removed_claims WHERE {where}", args)
    return [Cited(*row) for row in rows]
