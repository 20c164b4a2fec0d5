"""Ingest stage, watching: rounds that poll RSS/Atom feeds and OPML lists into the store (`storydesk watch`).

    from storydesk.ingest.watch import Stages, WatchSettings, watch_feeds, latest_round
    rounds = watch_feeds(["https://news.example/feed.xml", "feeds.opml"], store, WatchSettings(), stages)
    print(latest_round(store).new_articles)          # what the last finished round added

A round asks each source (a feed or an OPML list, by URL or file; a list's outlines, nested or not,
name feeds or further lists) whether it changed since the last round (``fetch``: conditional GET, a
file's time and size). A changed feed is read as `storydesk ingest` reads a feed file
(``readers.read_feed``: the same records and ids); an item with fewer than ``SUMMARY_WORDS`` words
carries only a summary, so its page is fetched, and the longer of the two is kept. New items are
cleaned and stored as ingest stores them (``pipeline.store_cleaned``). An item seen before is looked at
again while its feed lists it: its text from the feed, or its page (conditionally, at most every
``WatchSettings.recheck`` minutes); a changed text is a *silent edit*: the earlier version is kept in
``article_versions``, the edit (words added and removed, title, quotes) in ``article_edits``, and the
article takes the new text. The stages after ingest (``Stages``: analyze, cluster, reconcile) then run
over what changed only.

A feed or page that cannot be fetched is named with its reason and counted in the round; its items are
tried again next round (a feed's validators are kept only once all its items are stored). Each feed's
results are committed together, after its articles, so a killed round loses nothing committed and a
re-run does only what is missing. The tables (migration ``0007_watch``) are read and written here only.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urljoin

from ..ids import article_id_hash
from ..models import Article, RawRecord, Rejection
from ..store import Store
from ..text import fold_text, quoted
from .decoding import Unreadable, decode
from .fetch import (
    DEFAULT_DELAY,
    DEFAULT_TIMEOUT,
    PAGE_ACCEPT,
    Fetched,
    Fetcher,
    FetchError,
    Validators,
    file_key,
    is_url,
)
from .pipeline import clean_or_reject, store_cleaned
from .readers import read_feed, sniff

SUMMARY_WORDS = 80  # an item with fewer words than this carries only a summary: its page is fetched
DEFAULT_EVERY = 30.0  # minutes from one round's start to the next
DEFAULT_RECHECK = 60.0  # minutes before the page of an item seen before is asked again (for an edit)
MAX_LIST_DEPTH = 4  # lists of lists, this deep at most
MAX_CHANGES = 50  # changed stretches kept per edit
MAX_CHANGE_CHARS = 500  # characters kept of each side of a changed stretch

log = logging.getLogger(__name__)


# ---- what a round returns -------------------------------------------------------------------------


@dataclass
class Fetch:
    """What one source or page answered in a round (pages are listed only when they failed)."""

    url: str
    kind: str  # feed | list | page
    outcome: str  # ok | not_modified | error
    reason: str | None = None
    items: int = 0  # a feed's items, a list's feeds
    new_items: int = 0  # articles the feed added


@dataclass
class WatchRound:
    """One round: when, what each source answered, which articles and stories it added or changed."""

    id: int
    started_at: str
    finished_at: str | None = None
    status: str = "running"  # running | done | interrupted | failed
    fetches: list[Fetch] = field(default_factory=list)
    new_articles: list[str] = field(default_factory=list)
    edited_articles: list[str] = field(default_factory=list)
    new_stories: list[str] = field(default_factory=list)
    touched_stories: list[str] = field(default_factory=list)  # every story written, the new ones too
    rejected: list[Rejection] = field(default_factory=list)  # items that were no article (not read back)

    @property
    def feeds(self) -> list[Fetch]:
        return [fetch for fetch in self.fetches if fetch.kind != "page"]

    @property
    def failures(self) -> list[Fetch]:
        return [fetch for fetch in self.fetches if fetch.outcome == "error"]

    @property
    def all_failed(self) -> bool:
        """No feed answered (a list that failed counts as its feeds)."""
        return not any(fetch.kind == "feed" and fetch.outcome != "error" for fetch in self.fetches)


@dataclass
class ArticleEdit:
    """How one version of an article differs from the one before it (a word diff)."""

    article_id: str
    version: int  # the version this edit made; it changed version - 1
    round_id: int | None
    words_added: int
    words_removed: int
    title_before: str | None
    title_after: str | None
    quotes_added: list[str] = field(default_factory=list)
    quotes_removed: list[str] = field(default_factory=list)
    changes: list[tuple[str, str]] = field(default_factory=list)  # (removed words, added words)

    @property
    def title_changed(self) -> bool:
        return self.title_before != self.title_after


@dataclass
class ArticleVersion:
    article_id: str
    version: int
    content_hash: str
    title: str | None
    text: str
    fetched_at: str
    round_id: int | None = None
    edit: ArticleEdit | None = None  # from the version before (None for the first)


@dataclass
class WatchSettings:
    delay: float = DEFAULT_DELAY  # seconds between two requests to one host
    timeout: float = DEFAULT_TIMEOUT  # seconds without an answer
    recheck: float = DEFAULT_RECHECK  # minutes before a seen item's page is asked again


@dataclass
class Stages:
    """The stages after ingest, as the caller runs them; a round calls them only when it changed something."""

    analyze: Callable[[Store], object]
    cluster: Callable[[Store], object]
    reconcile: Callable[[Store, list[str] | None], object]  # None: every story whose inputs changed


# ---- rows -----------------------------------------------------------------------------------------


@dataclass
class HttpState:
    kind: str
    validators: Validators
    checked_at: str


@dataclass
class SeenItem:
    article_id: str | None  # None: the item was no article
    page: str | None  # the page its article's text came from (None: the item's own text)


@dataclass
class ItemRow:
    """One item of a feed as ``watch_items`` keeps it."""

    key: str
    link: str | None
    page: str | None
    article_id: str | None


@dataclass
class StoredText:
    content_hash: str
    title: str | None
    text: str
    fetched_at: str


def now() -> str:
    """The time as stored: ISO 8601, UTC, to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def as_utc(stamp: str) -> str:
    """A time SQLite wrote (``datetime('now')``: UTC, no zone) in the form ``now`` gives."""
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).isoformat(timespec="seconds")


def _age_minutes(stamp: str) -> float:
    try:
        then = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return float("inf")
    then = then if then.tzinfo else then.replace(tzinfo=dt.UTC)
    return (dt.datetime.now(dt.UTC) - then).total_seconds() / 60


class WatchTables:
    """The watch tables of ``store.MIGRATIONS`` (0007_watch). Methods taking ``conn`` run inside the
    caller's transaction; the others are reads, or one transaction of their own."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def conn(self) -> sqlite3.Connection:
        return self.store.conn

    # rounds

    def start_round(self) -> WatchRound:
        started = now()
        with self.store.writing() as conn:
            cur = conn.execute(
                "INSERT INTO watch_rounds (started_at, status) VALUES (?, 'running')", (started,)
            )
        return WatchRound(id=int(cur.lastrowid or 0), started_at=started)

    def finish_round(self, info: WatchRound, status: str) -> None:
        info.status, info.finished_at = status, now()
        with self.store.writing() as conn:
            conn.execute(
                "UPDATE watch_rounds SET status = ?, finished_at = ? WHERE id = ?",
                (status, info.finished_at, info.id),
            )

    def last_round_unfinished(self) -> bool:
        row = self.conn.execute("SELECT status FROM watch_rounds ORDER BY id DESC LIMIT 1").fetchone()
        return row is not None and row[0] != "done"

    def save_fetch(self, conn: sqlite3.Connection, round_id: int, fetch: Fetch) -> None:
        conn.execute(
            "INSERT INTO watch_fetches (round_id, url, kind, outcome, reason, items, new_items) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(round_id, url) DO UPDATE SET kind=excluded.kind, "
            "outcome=excluded.outcome, reason=excluded.reason, items=excluded.items, "
            "new_items=excluded.new_items",
            (round_id, fetch.url, fetch.kind, fetch.outcome, fetch.reason, fetch.items, fetch.new_items),
        )

    def save_round_articles(
        self, conn: sqlite3.Connection, round_id: int, feed_url: str, ids: Iterable[str], change: str
    ) -> None:
        conn.executemany(
            "INSERT OR IGNORE INTO watch_round_articles (round_id, article_id, change, feed_url) "
            "VALUES (?, ?, ?, ?)",
            [(round_id, aid, change, feed_url) for aid in ids],
        )

    def save_round_stories(self, round_id: int, new: Iterable[str], touched: Iterable[str]) -> None:
        fresh = set(new)
        with self.store.writing() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO watch_round_stories (round_id, story_id, change) VALUES (?, ?, ?)",
                [(round_id, sid, "new" if sid in fresh else "touched") for sid in touched],
            )

    def read_round(self, round_id: int) -> WatchRound | None:
        row = self.conn.execute(
            "SELECT id, started_at, finished_at, status FROM watch_rounds WHERE id = ?", (round_id,)
        ).fetchone()
        if row is None:
            return None
        info = WatchRound(id=row[0], started_at=row[1], finished_at=row[2], status=row[3])
        info.fetches = [
            Fetch(*row)
            for row in self.conn.execute(
                "SELECT url, kind, outcome, reason, items, new_items FROM watch_fetches WHERE round_id = ? "
                "ORDER BY rowid",
                (round_id,),
            )
        ]
        info.new_articles = self._round_ids("watch_round_articles", "article_id", round_id, "new")
        info.edited_articles = self._round_ids("watch_round_articles", "article_id", round_id, "edited")
        info.new_stories = self._round_ids("watch_round_stories", "story_id", round_id, "new")
        info.touched_stories = self._round_ids("watch_round_stories", "story_id", round_id, None)
        return info

    def _round_ids(self, table: str, column: str, round_id: int, change: str | None) -> list[str]:
        which = "" if change is None else " AND change = ?"
        args: tuple[object, ...] = (round_id,) if change is None else (round_id, change)
        sql = f"SELECT {column} FROM {table} WHERE round_id = ?{which} ORDER BY {column}"
        return [row[0] for row in self.conn.execute(sql, args)]

    def latest_done_round(self) -> int | None:
        row = self.conn.execute(
            "SELECT id FROM watch_rounds WHERE status = 'done' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    # what URLs answered

    def http_state(self, url: str) -> HttpState | None:
        row = self.conn.execute(
            "SELECT kind, etag, last_modified, checked_at FROM watch_http WHERE url = ?", (url,)
        ).fetchone()
        return None if row is None else HttpState(row[0], Validators(row[1], row[2]), row[3])

    def save_http(
        self, conn: sqlite3.Connection, url: str, kind: str, fetched: Fetched | None, keep: bool = True
    ) -> None:
        """What ``url`` answered: its validators (``keep``: else forgotten, so it is asked in full next
        time), or with ``fetched`` None (not modified) only the time it was asked."""
        stamp = now()
        if fetched is None or fetched.not_modified:
            conn.execute("UPDATE watch_http SET checked_at = ? WHERE url = ?", (stamp, url))
            return
        kept = fetched.validators if keep else Validators()
        conn.execute(
            "INSERT INTO watch_http (url, kind, etag, last_modified, checked_at, changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET kind=excluded.kind, "
            "etag=excluded.etag, "
            "last_modified=excluded.last_modified, checked_at=excluded.checked_at, "
            "changed_at=excluded.changed_at",
            (url, kind, kept.etag, kept.last_modified, stamp, stamp),
        )

    def list_feeds(self, list_url: str) -> list[str]:
        return [
            row[0]
            for row in self.conn.execute(
                "SELECT feed_url FROM watch_list_feeds WHERE list_url = ? ORDER BY position", (list_url,)
            )
        ]

    def save_list(self, list_url: str, feeds: Sequence[str], fetched: Fetched) -> None:
        with self.store.writing() as conn:
            conn.execute("DELETE FROM watch_list_feeds WHERE list_url = ?", (list_url,))
            conn.executemany(
                "INSERT INTO watch_list_feeds (list_url, position, feed_url) VALUES (?, ?, ?)",
                [(list_url, position, url) for position, url in enumerate(feeds)],
            )
            self.save_http(conn, list_url, "list", fetched)

    # items and articles

    def seen_items(self, feed_url: str) -> dict[str, SeenItem]:
        rows = self.conn.execute(
            "SELECT item_key, article_id, page FROM watch_items WHERE feed_url = ?", (feed_url,)
        )
        return {row[0]: SeenItem(row[1], row[2]) for row in rows}

    def save_items(
        self, conn: sqlite3.Connection, feed_url: str, round_id: int, items: Iterable[ItemRow]
    ) -> None:
        """The items of a feed seen in this round."""
        conn.executemany(
            "INSERT INTO watch_items (feed_url, item_key, link, page, article_id, first_round, last_round) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(feed_url, item_key) DO UPDATE SET link=excluded.link, "
            "page=excluded.page, article_id=excluded.article_id, last_round=excluded.last_round",
            [(feed_url, row.key, row.link, row.page, row.article_id, round_id, round_id) for row in items],
        )

    def stored_text(self, article_id: str) -> StoredText | None:
        """The article's text as stored, with the time it was first stored."""
        row = self.conn.execute(
            "SELECT content_hash, title, text, ingested_at FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return None if row is None else StoredText(row[0], row[1], row[2], as_utc(row[3]))

    # versions and edits

    def versions(self, article_id: str) -> list[ArticleVersion]:
        rows = self.conn.execute(
            "SELECT article_id, version, content_hash, title, text, fetched_at, round_id "
            "FROM article_versions WHERE article_id = ? ORDER BY version",
            (article_id,),
        ).fetchall()
        edits = {edit.version: edit for edit in self.edits(article_id)}
        return [_version_from_row(row, edits.get(row[1])) for row in rows]

    def edits(self, article_id: str) -> list[ArticleEdit]:
        rows = self.conn.execute(
            "SELECT article_id, version, round_id, words_added, words_removed, title_before, title_after, "
            "quotes_added, quotes_removed, changes FROM article_edits WHERE article_id = ? ORDER BY version",
            (article_id,),
        )
        return [_edit_from_row(row) for row in rows]

    def last_version(self, article_id: str) -> tuple[int, StoredText] | None:
        row = self.conn.execute(
            "SELECT version, content_hash, title, text, fetched_at FROM article_versions "
            "WHERE article_id = ? ORDER BY version DESC LIMIT 1",
            (article_id,),
        ).fetchone()
        return None if row is None else (row[0], StoredText(*row[1:]))

    def save_version(
        self, conn: sqlite3.Connection, article_id: str, version: int, text: StoredText, round_id: int | None
    ) -> None:
        conn.execute(
            "INSERT OR IGNORE INTO article_versions "
            "(article_id, version, content_hash, title, text, fetched_at, round_id) VALUES (?, ?, ?, ?, "
            "?, ?, ?)",
            (article_id, version, text.content_hash, text.title, text.text, text.fetched_at, round_id),
        )

    def save_edit(self, conn: sqlite3.Connection, edit: ArticleEdit) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO article_edits (article_id, version, round_id, words_added, "
            "words_removed, "
            "title_before, title_after, quotes_added, quotes_removed, changes) VALUES (?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?)",
            (
                edit.article_id,
                edit.version,
                edit.round_id,
                edit.words_added,
                edit.words_removed,
                edit.title_before,
                edit.title_after,
                json.dumps(edit.quotes_added, ensure_ascii=False),
                json.dumps(edit.quotes_removed, ensure_ascii=False),
                json.dumps(edit.changes, ensure_ascii=False),
            ),
        )


def _version_from_row(row: sqlite3.Row, edit: ArticleEdit | None) -> ArticleVersion:
    return ArticleVersion(
        article_id=row[0],
        version=row[1],
        content_hash=row[2],
        title=row[3],
        text=row[4],
        fetched_at=row[5],
        round_id=row[6],
        edit=edit,
    )


def _edit_from_row(row: sqlite3.Row) -> ArticleEdit:
    return ArticleEdit(
        article_id=row[0],
        version=row[1],
        round_id=row[2],
        words_added=row[3],
        words_removed=row[4],
        title_before=row[5],
        title_after=row[6],
        quotes_added=json.loads(row[7]),
        quotes_removed=json.loads(row[8]),
        changes=[(removed, added) for removed, added in json.loads(row[9])],
    )


# ---- edits ----------------------------------------------------------------------------------------


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CHANGE_CHARS else text[: MAX_CHANGE_CHARS - 1] + "…"


def word_changes(old: str, new: str) -> list[tuple[str, str]]:
    """The stretches that differ between two texts, word by word: (removed words, added words)."""
    before, after = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return [
        (" ".join(before[i1:i2]), " ".join(after[j1:j2]))
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
        if op != "equal"
    ]


def _quotes_missing(text: str, other: str) -> list[str]:
    """The quoted passages of ``text`` that ``other`` does not quote (typographic quotes folded)."""
    kept = {fold_text(passage) for passage in quoted(other)}
    return list(dict.fromkeys(passage for passage in quoted(text) if fold_text(passage) not in kept))


def edit_between(
    article_id: str, version: int, old: StoredText, new: StoredText, round_id: int | None
) -> ArticleEdit:
    """The edit that made ``new`` (``version``) out of ``old``."""
    changes = word_changes(old.text, new.text)
    return ArticleEdit(
        article_id=article_id,
        version=version,
        round_id=round_id,
        words_added=sum(len(added.split()) for _, added in changes),
        words_removed=sum(len(removed.split()) for removed, _ in changes),
        title_before=old.title,
        title_after=new.title,
        quotes_added=_quotes_missing(new.text, old.text),
        quotes_removed=_quotes_missing(old.text, new.text),
        changes=[(_clip(removed), _clip(added)) for removed, added in changes[:MAX_CHANGES]],
    )


# ---- OPML -----------------------------------------------------------------------------------------


def is_opml(body: bytes) -> bool:
    return b"<opml" in body[:4096].lower()


def opml_feeds(body: bytes, base: str) -> list[str]:
    """The feeds (``xmlUrl``) an OPML list names, at any depth of its outlines, in order, made absolute
    against ``base`` (the list's URL or file); ValueError when it is no readable XML."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.LxmlError as exc:
        raise ValueError(str(exc)) from exc
    if root is None:
        raise ValueError("no XML in it")
    found = []
    for outline in root.iter("{*}outline"):
        url = next((value for name, value in outline.attrib.items() if str(name).lower() == "xmlurl"), "")
        if str(url).strip():
            found.append(_resolved(str(url).strip(), base))
    return list(dict.fromkeys(found))


def _resolved(url: str, base: str) -> str:
    """A listed URL or path made absolute against the URL or file that lists it."""
    if is_url(url) or is_url(base):
        return urljoin(base, url)
    return file_key(str(Path(base).parent / url))


# ---- one feed -------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """One item to store: its key (the article id ingest gives it), record and cleaning outcome."""

    key: str
    link: str | None
    record: RawRecord
    cleaned: Article | Rejection
    page: str | None = None  # the page the record is (None: the feed item itself)
    stored: StoredText | None = None  # the article stored under that id before this round

    def row(self, article_id: str | None) -> ItemRow:
        return ItemRow(self.key, self.link, self.page, article_id)


class _Later:
    """An item whose page did not answer this round: it is looked at again next round."""


LATER = _Later()


@dataclass
class FeedWork:
    """What reading one changed feed gathered, to be stored and recorded together."""

    url: str
    fetched: Fetched
    items: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    seen_again: list[ItemRow] = field(default_factory=list)  # items with nothing new to store
    pages: list[tuple[str, Fetched]] = field(default_factory=list)  # pages asked, their answers
    complete: bool = True  # False: an item's page is to be tried again, so the feed is asked in full


def item_key(item: RawRecord) -> str:
    """The article id ingest gives a feed item: its guid, its link's id, else a hash of its text."""
    return item.id or article_id_hash(item.text or item.html or "", 16)


def is_summary(item: Candidate) -> bool:
    """Whether an item with a link carries only a summary: under ``SUMMARY_WORDS`` words, or no article."""
    words = item.cleaned.words if isinstance(item.cleaned, Article) else 0
    return bool(item.record.url) and words < SUMMARY_WORDS


def page_record(item: RawRecord, url: str, page: Fetched) -> RawRecord | None:
    """The item's page as a record under the item's id, title, outlet and date (None: not text)."""
    try:
        html = decode(page.body)
    except Unreadable:
        return None
    return replace(item, origin=url, fmt="html", html=html, text=None, url=url)


def page_candidate(item: Candidate, url: str, page: Fetched) -> Candidate | None:
    """The item read from its page, when the page cleans to an article."""
    record = page_record(item.record, url, page)
    cleaned = clean_or_reject(record) if record is not None else None
    if record is None or not isinstance(cleaned, Article):
        return None
    return replace(item, record=record, cleaned=cleaned, page=url)


def longer(item: Candidate, page: Candidate | None) -> Candidate:
    """The page, unless the item's own text is the longer article (the page a shell or a teaser)."""
    if page is None:
        return item
    if isinstance(item.cleaned, Article) and isinstance(page.cleaned, Article):
        return item if item.cleaned.words > page.cleaned.words else page
    return page


def _same_text(found: Candidate, stored: StoredText | None) -> bool:
    return (
        stored is not None
        and isinstance(found.cleaned, Article)
        and stored.content_hash == found.cleaned.content_hash
    )


# ---- a round --------------------------------------------------------------------------------------


class Poller:
    """One round's polling: every source once, each changed feed's items stored and recorded."""

    def __init__(self, store: Store, fetcher: Fetcher, info: WatchRound, settings: WatchSettings) -> None:
        self.store = store
        self.tables = WatchTables(store)
        self.fetcher = fetcher
        self.info = info
        self.settings = settings
        self.visited: set[str] = set()

    def poll(self, source: str, depth: int = 0) -> None:
        """Ask one source (a feed or a list) and follow it; every failure is recorded, none raised."""
        url = source if is_url(source) else file_key(source)
        if url in self.visited:
            return
        self.visited.add(url)
        state = self.tables.http_state(url)
        kind = state.kind if state else "feed"
        try:
            fetched = self.fetcher.get(url, state.validators if state else None)
        except FetchError as exc:
            self.failed(url, kind, exc.reason)
            return
        if fetched.not_modified:
            self.not_modified(url, kind, depth)
        elif is_opml(fetched.body):
            self.poll_list(url, fetched, depth)
        else:
            self.poll_feed(url, fetched)

    def record(self, fetch: Fetch) -> None:
        """Keep one source's outcome in the round (committed at once)."""
        self.info.fetches.append(fetch)
        with self.store.writing() as conn:
            self.tables.save_fetch(conn, self.info.id, fetch)

    def failed(self, url: str, kind: str, reason: str) -> None:
        log.info("%s: %s", url, reason)
        self.record(Fetch(url, kind, "error", reason))

    def not_modified(self, url: str, kind: str, depth: int) -> None:
        with self.store.writing() as conn:
            self.tables.save_http(conn, url, kind, None)
        feeds = self.tables.list_feeds(url) if kind == "list" else []
        self.record(Fetch(url, kind, "not_modified", items=len(feeds)))
        self.follow(url, feeds, depth)

    def poll_list(self, url: str, fetched: Fetched, depth: int) -> None:
        try:
            feeds = opml_feeds(fetched.body, url)
        except ValueError as exc:
            self.failed(url, "list", f"not a readable OPML list ({exc})")
            return
        if not feeds:
            self.failed(url, "list", "the OPML list names no feed (no outline with an xmlUrl)")
            return
        self.tables.save_list(url, feeds, fetched)
        self.record(Fetch(url, "list", "ok", items=len(feeds)))
        self.follow(url, feeds, depth)

    def follow(self, url: str, feeds: Sequence[str], depth: int) -> None:
        if feeds and depth >= MAX_LIST_DEPTH:
            self.failed(url, "list", f"lists nested over {MAX_LIST_DEPTH} deep; the deeper ones are not read")
            return
        for feed in feeds:
            self.poll(feed, depth + 1)

    # a changed feed

    def poll_feed(self, url: str, fetched: Fetched) -> None:
        items = list(read_feed(fetched.body, url))
        problem = _feed_problem(fetched.body, items, url)
        if problem:
            self.failed(url, "feed", problem)
            return
        work = FeedWork(url, fetched, items=sum(isinstance(item, RawRecord) for item in items))
        self.gather(work, items)
        self.store_feed(work)

    def gather(self, work: FeedWork, items: Sequence[RawRecord | Rejection]) -> None:
        """Sort the feed's items into candidates to store and items seen again unchanged."""
        seen = self.tables.seen_items(work.url)
        keys: set[str] = set()
        for item in items:
            if isinstance(item, Rejection):
                self.info.rejected.append(item)
                continue
            key = item_key(item)
            if key in keys:
                continue  # the feed repeats an item
            keys.add(key)
            self.gather_item(work, replace(item, id=key), seen.get(key))

    def gather_item(self, work: FeedWork, item: RawRecord, seen: SeenItem | None) -> None:
        key = item.id or ""
        if seen is not None and seen.article_id is None:
            work.seen_again.append(ItemRow(key, item.url, None, None))  # no article before: not read again
            return
        found = self.look(work, Candidate(key, item.url, item, clean_or_reject(item)), seen)
        if isinstance(found, _Later):
            return
        stored = self.tables.stored_text(key)
        if seen is not None and (found is None or isinstance(found.cleaned, Rejection)):
            work.seen_again.append(ItemRow(key, item.url, seen.page, seen.article_id))
        elif found is not None and _same_text(found, stored):
            work.seen_again.append(found.row(key))
        elif found is not None:
            work.candidates.append(replace(found, stored=stored))

    def look(self, work: FeedWork, item: Candidate, seen: SeenItem | None) -> Candidate | _Later | None:
        """What to store of an item: its own text, or its page's when it carries only a summary (a
        seen item: its page's again, when due); None: nothing new; LATER: its page did not answer."""
        if seen is not None:
            return self.recheck(work, item, seen.page) if seen.page else item
        if not is_summary(item):
            return item
        url = urljoin(work.url, item.record.url or "")
        page = self.page(work, url, None)
        if isinstance(page, FetchError):
            if page.transient:
                work.complete = False
                return LATER
            return item  # the page is gone for good: the summary is kept
        return longer(item, page_candidate(item, url, page))

    def recheck(self, work: FeedWork, item: Candidate, url: str) -> Candidate | None:
        """A seen item's page asked again (conditionally, when due): its article if the page changed."""
        state = self.tables.http_state(url)
        if state is not None and _age_minutes(state.checked_at) < self.settings.recheck:
            return None
        page = self.page(work, url, state.validators if state else None)
        if isinstance(page, FetchError) or page.not_modified:
            return None
        return page_candidate(item, url, page)

    def page(self, work: FeedWork, url: str, known: Validators | None) -> Fetched | FetchError:
        """The page's answer, or the error it failed with (recorded in the round)."""
        try:
            page = self.fetcher.get(url, known, accept=PAGE_ACCEPT)
        except FetchError as exc:
            self.failed(url, "page", exc.reason)
            return exc
        work.pages.append((url, page))
        return page

    # storing a feed's work

    def store_feed(self, work: FeedWork) -> None:
        """Store the candidates (earlier texts kept first), then record the feed's results together."""
        self.keep_first_versions(work.candidates)
        report = store_cleaned(_ingestable(work.candidates), self.store)
        added = set(report.added)
        ids = {
            found.key: _stored_id(found, added, report.duplicates, report.unchanged)
            for found in work.candidates
        }
        new = [found.key for found in work.candidates if found.key in added and found.stored is None]
        edited = [found.key for found in work.candidates if found.key in added and found.stored is not None]
        self.info.rejected += report.rejected
        with self.store.writing() as conn:
            self.record_items(conn, work, ids)
            self.record_edits(conn, edited + [row.article_id for row in work.seen_again if row.article_id])
            self.tables.save_round_articles(conn, self.info.id, work.url, new, "new")
            self.tables.save_round_articles(conn, self.info.id, work.url, edited, "edited")
            fetch = Fetch(work.url, "feed", "ok", items=work.items, new_items=len(new))
            self.tables.save_fetch(conn, self.info.id, fetch)
        self.info.fetches.append(fetch)
        self.info.new_articles += [aid for aid in new if aid not in self.info.new_articles]
        self.info.edited_articles += [aid for aid in edited if aid not in self.info.edited_articles]

    def keep_first_versions(self, candidates: Sequence[Candidate]) -> None:
        """Before an article takes a new text, its stored one becomes version 1 (when it has none yet)."""
        with self.store.writing() as conn:
            for found in candidates:
                if found.stored is not None and self.tables.last_version(found.key) is None:
                    self.tables.save_version(conn, found.key, 1, found.stored, None)

    def record_items(self, conn: sqlite3.Connection, work: FeedWork, ids: dict[str, str | None]) -> None:
        rows = [found.row(ids[found.key]) for found in work.candidates] + work.seen_again
        self.tables.save_items(conn, work.url, self.info.id, rows)
        for url, page in work.pages:
            self.tables.save_http(conn, url, "page", page)
        self.tables.save_http(conn, work.url, "feed", work.fetched, keep=work.complete)

    def record_edits(self, conn: sqlite3.Connection, article_ids: Iterable[str]) -> None:
        """A new version and its edit for each article whose stored text differs from its last version."""
        for aid in dict.fromkeys(article_ids):
            last = self.tables.last_version(aid)
            current = self.tables.stored_text(aid)
            if last is None or current is None or last[1].content_hash == current.content_hash:
                continue
            version = last[0] + 1
            current.fetched_at = now()
            self.tables.save_version(conn, aid, version, current, self.info.id)
            self.tables.save_edit(conn, edit_between(aid, version, last[1], current, self.info.id))


def _feed_problem(body: bytes, items: Sequence[RawRecord | Rejection], url: str) -> str | None:
    """Why a changed feed cannot be read as one (None: it can, even with no items)."""
    if sniff(body[:4096].decode("latin-1"), "") == "html":
        return "not an RSS/Atom feed or OPML list (an HTML page)"
    whole = [item for item in items if isinstance(item, Rejection) and item.path == url]
    return whole[0].reason if whole else None


def _ingestable(candidates: Sequence[Candidate]) -> Iterable[tuple[Article, RawRecord] | Rejection]:
    for found in candidates:
        yield found.cleaned if isinstance(found.cleaned, Rejection) else (found.cleaned, found.record)


def _stored_id(
    found: Candidate, added: set[str], duplicates: dict[str, str], unchanged: list[str]
) -> str | None:
    """The id the candidate is stored under (another one, when its text was stored so), or None."""
    if found.key in duplicates:
        return duplicates[found.key]
    if found.key in added or found.key in unchanged:
        return found.key
    return None


def _memberships(store: Store) -> dict[str, frozenset[str]]:
    members: dict[str, set[str]] = {}
    for aid, sid in store.story_of().items():
        members.setdefault(sid, set()).add(aid)
    return {sid: frozenset(ids) for sid, ids in members.items()}


def settle_stories(store: Store, info: WatchRound, stages: Stages, everything: bool) -> None:
    """Analyze, cluster and reconcile what the round changed (``everything``: a round before it did not
    finish, so every story whose inputs changed); record the stories it touched."""
    if not (info.new_articles or info.edited_articles or everything):
        return
    before = _memberships(store)
    stages.analyze(store)
    stages.cluster(store)
    after = _memberships(store)
    placed = store.story_of()
    touched = {sid for sid, members in after.items() if before.get(sid) != members}
    touched |= {placed[aid] for aid in info.edited_articles if aid in placed}
    stages.reconcile(store, None if everything else sorted(touched))
    info.new_stories = sorted(after.keys() - before.keys())
    info.touched_stories = sorted(touched)
    WatchTables(store).save_round_stories(info.id, info.new_stories, info.touched_stories)


def run_round(sources: Sequence[str], store: Store, settings: WatchSettings, stages: Stages) -> WatchRound:
    """One round over ``sources``; the round is recorded as done, or interrupted / failed when it stops."""
    tables = WatchTables(store)
    everything = tables.last_round_unfinished()
    info = tables.start_round()
    try:
        with Fetcher(delay=settings.delay, timeout=settings.timeout) as fetcher:
            poller = Poller(store, fetcher, info, settings)
            for source in sources:
                poller.poll(source)
        settle_stories(store, info, stages, everything)
    except BaseException as exc:
        _close_stopped(tables, info, "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed")
        raise
    tables.finish_round(info, "done")
    log.info(
        "watch round %d: %d sources, %d failed, %d new, %d edited, %d stories touched",
        info.id,
        len(info.feeds),
        len(info.failures),
        len(info.new_articles),
        len(info.edited_articles),
        len(info.touched_stories),
    )
    return info


def _close_stopped(tables: WatchTables, info: WatchRound, status: str) -> None:
    """Mark a round that stopped; what it committed stays (the next round reconciles every story)."""
    try:
        if tables.conn.in_transaction:
            tables.conn.rollback()
        tables.finish_round(info, status)
    except sqlite3.Error:
        log.debug("could not mark round %d %s", info.id, status, exc_info=True)


def watch_feeds(
    sources: Sequence[str],
    store: Store,
    settings: WatchSettings,
    stages: Stages,
    *,
    every: float | None = None,
    rounds: int | None = None,
    on_round: Callable[[WatchRound], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[WatchRound]:
    """Rounds over ``sources``: one, or with ``every`` (minutes from one round's start to the next) until
    ``rounds`` have run or ``stop()`` says so (asked after each round and every half second between
    them); ``on_round`` is called after each. Returns the rounds run."""
    asked = stop or (lambda: False)
    done: list[WatchRound] = []
    while True:
        started = time.monotonic()
        done.append(run_round(sources, store, settings, stages))
        if on_round is not None:
            on_round(done[-1])
        if every is None or (rounds is not None and len(done) >= rounds):
            return done
        _pause(started + every * 60 - time.monotonic(), asked)
        if asked():
            return done


def _pause(seconds: float, stop: Callable[[], bool]) -> None:
    """Sleep ``seconds``, waking every half second to see whether to stop."""
    end = time.monotonic() + seconds
    while not stop() and (left := end - time.monotonic()) > 0:
        time.sleep(min(0.5, left))


# ---- reading back ---------------------------------------------------------------------------------


def latest_round(store: Store) -> WatchRound | None:
    """The last round that finished, with what it found (None before any): "new since the last round"."""
    tables = WatchTables(store)
    round_id = tables.latest_done_round()
    return None if round_id is None else tables.read_round(round_id)


def article_versions(store: Store, article_id: str) -> list[ArticleVersion]:
    """Every version of an article, oldest first, each with the edit that made it; an article never
    edited has one, its stored text. NotFoundError for an unknown id."""
    versions = WatchTables(store).versions(article_id)
    if versions:
        return versions
    art = store.get_article(article_id)
    stored = WatchTables(store).stored_text(article_id)
    fetched = stored.fetched_at if stored else ""
    return [ArticleVersion(art.id, 1, art.content_hash, art.title, art.text, fetched)]
