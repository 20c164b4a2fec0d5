"""Ingest stage, storing: clean each record, settle its id, skip what is stored, commit per batch.

A run commits every ``BATCH`` articles, so an interrupted ingest keeps what it committed and a
re-run adds only what is missing. Only the current batch, and the ids this run has placed, are
held in memory.

Ids that clash within one run: an article read from a file whose name another article already
holds gets a stable suffix (the contract's rule). A record whose own id was already given, in
this run, to another record with another text is rejected, naming the first: the first is kept,
so the same input gives the same stored text whatever follows it, and ``added`` counts each
stored id once. (Across runs the same id with a new text is an update, and replaces the old.)

Two ingests may write one database at once: each batch is checked against the store again, and
stored, inside one write transaction (``BEGIN IMMEDIATE``), so a text that the other run stored
in the meantime is seen as the duplicate it is, whichever run comes first.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..ids import article_id_hash
from ..models import Article, IngestReport, RawRecord, Rejection
from ..store import Store
from .clean import clean
from .folders import shown_rejection
from .readers import read_paths

BATCH = 200

log = logging.getLogger(__name__)


@dataclass
class _Known:
    id: str
    content_hash: str
    path: str | None
    source: str


def _same_outlet(art: Article, other_id: str, other_source: str) -> bool:
    """Whether a stored text under another id is a duplicate of ``art`` rather than a syndicated copy.

    A different outlet carrying the same text is a copy: it is stored, and the cluster stage marks it,
    so the story still shows who ran it. An unknown outlet (the source is the id) counts as the same.
    """
    return other_id != art.id and (
        other_source == art.source or other_source == other_id or art.source == art.id
    )


class _Batch:
    """Articles cleaned but not yet committed, looked up together with what the store holds."""

    def __init__(self, store: Store, report: IngestReport) -> None:
        self.store = store
        self.report = report
        self.articles: dict[str, Article] = {}
        self.by_hash: dict[str, list[Article]] = {}
        self.rejections: list[Rejection] = []
        self.placed: dict[str, tuple[str, str]] = {}  # id -> (content hash, origin): every id this run placed

    def add(self, art: Article) -> None:
        self.articles[art.id] = art
        self.by_hash.setdefault(art.content_hash, []).append(art)

    def reject(self, rej: Rejection) -> None:
        rej = shown_rejection(rej)
        log.debug("rejected %s: %s", rej.path, rej.reason)
        self.report.rejected.append(rej)
        self.rejections.append(rej)

    def by_id(self, aid: str) -> _Known | None:
        article = self.articles.get(aid)
        if article is not None:
            return _Known(article.id, article.content_hash, article.path, article.source)
        row = self.store.article_meta(aid)
        if row is None:
            return None
        src = self.store.conn.execute("SELECT source FROM articles WHERE id = ?", (aid,)).fetchone()[0]
        return _Known(row["id"], row["content_hash"], row["path"], src)

    def stored_same_text(self, art: Article) -> str | None:
        """The id of a stored article with the same clean text from the same (or an unknown) outlet."""
        for row in self.store.articles_with_hash(art.content_hash):
            if _same_outlet(art, row["id"], row["source"]):
                return row["id"]
        return None

    def same_text(self, art: Article) -> str | None:
        """The id of another article, in this batch or stored, with the same text from the same outlet."""
        for other in self.by_hash.get(art.content_hash, ()):
            if _same_outlet(art, other.id, other.source):
                return other.id
        return self.stored_same_text(art)

    def flush(self) -> None:
        if self.rejections:
            self.store.record_rejections(self.rejections)
        if self.articles:
            self._commit_articles()
        self.articles.clear()
        self.by_hash.clear()
        self.rejections.clear()

    def _commit_articles(self) -> None:
        """Check the batch against the store again and store it, in one write transaction."""
        conn = self.store.conn
        if conn.in_transaction:
            conn.commit()
        # The write lock first: no other ingest can store one of these texts between the check and the insert.
        conn.execute("BEGIN IMMEDIATE")
        try:
            for art in list(self.articles.values()):
                self._recheck(art)
            for article in self.articles.values():
                self.store.clear_rejection(article.path or "")
            self.store.upsert_articles(self.articles.values())  # commits the transaction
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise

    def _recheck(self, art: Article) -> None:
        """Drop an article that another run stored while this batch was read (same id and text, or same
        text)."""
        row = self.store.article_meta(art.id)
        other = (
            art.id
            if row is not None and row["content_hash"] == art.content_hash
            else self.stored_same_text(art)
        )
        if other is None:
            return
        del self.articles[art.id]
        self.report.added.remove(art.id)
        self.report.unchanged.append(other)
        if other != art.id:
            self.report.duplicates[art.id] = other


def _settle_id(art: Article, raw: RawRecord, batch: _Batch) -> _Known | None:
    """Give a file's article a stable suffixed id when another file already holds its name."""
    known = batch.by_id(art.id)
    if (
        known is not None
        and raw.id is None
        and raw.stem
        and known.content_hash != art.content_hash
        and os.path.normpath(known.path or "") != os.path.normpath(art.path or "")
    ):
        old = art.id
        art.id = f"{old}-{article_id_hash(raw.text or raw.html or '', 8)}"
        if art.source == old:
            art.source = art.id
        known = batch.by_id(art.id)
    return known


def _own_files(store: Store) -> frozenset[Path]:
    """The database file and its journals, which a folder being read may hold: never read as input."""
    if store.path == ":memory:":
        return frozenset()
    db = Path(os.path.realpath(store.path))
    return frozenset({db, *(db.with_name(db.name + suffix) for suffix in ("-wal", "-shm", "-journal"))})


def _progress_bar(progress: bool | None):
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    return tqdm(desc="ingest", unit=" inputs", disable=not show, delay=0.5, mininterval=0.5, file=sys.stderr)


def _cleaned(item: RawRecord) -> Article | Rejection:
    try:
        return clean(item)
    except InputError as exc:
        return Rejection(exc.origin, exc.reason)
    except Exception as exc:  # a library failing on one odd page must not stop the run
        log.debug("could not clean %s", item.origin, exc_info=True)
        return Rejection(item.origin, f"could not be cleaned ({type(exc).__name__}: {exc})")


def ingest_paths(
    paths: Sequence[str], store: Store, progress: bool | None = None, batch_size: int = BATCH
) -> IngestReport:
    """Read files, folders or ``-`` into the store; report what was added, unchanged and rejected."""
    report = IngestReport()
    batch = _Batch(store, report)
    bar = _progress_bar(progress)
    try:
        for item in read_paths(list(paths), _own_files(store)):
            bar.update(1)
            if isinstance(item, Rejection):
                batch.reject(item)
                continue
            art = _cleaned(item)
            if isinstance(art, Rejection):
                batch.reject(art)
                continue
            _place(art, item, batch)
            if len(batch.articles) >= batch_size:
                batch.flush()
    except KeyboardInterrupt:
        batch.flush()  # keep every whole article read so far; a re-run adds the rest
        raise
    finally:
        bar.close()
    batch.flush()
    return report


def clean_or_reject(item: RawRecord) -> Article | Rejection:
    """``clean``, or the Rejection saying why the record is no article: what ``ingest_paths`` does with
    each record it reads (a library failing on one odd page is a rejection too)."""
    return _cleaned(item)


def store_cleaned(
    items: Iterable[tuple[Article, RawRecord] | Rejection], store: Store, batch_size: int = BATCH
) -> IngestReport:
    """Store articles cleaned elsewhere (``clean_or_reject``; a watched feed's items and pages), each with
    its record, as ``ingest_paths`` stores what it reads: ids settled, duplicates skipped, rejections
    recorded, one checked write transaction per batch."""
    report = IngestReport()
    batch = _Batch(store, report)
    try:
        for item in items:
            if isinstance(item, Rejection):
                batch.reject(item)
            else:
                _place(item[0], item[1], batch)
            if len(batch.articles) >= batch_size:
                batch.flush()
    except KeyboardInterrupt:
        batch.flush()
        raise
    batch.flush()
    return report


def _clash(art: Article, batch: _Batch) -> Rejection | None:
    """A rejection when this run already placed the article's id with another text."""
    placed = batch.placed.get(art.id)
    if placed is None or placed[0] == art.content_hash:
        return None
    return Rejection(
        art.path or art.id,
        f"id {art.id!r} was already given in this run to {placed[1]}, with "
        "another text; the first is kept, this one is not stored",
    )


def _place(art: Article, raw: RawRecord, batch: _Batch) -> None:
    report = batch.report
    known = _settle_id(art, raw, batch)
    clash = _clash(art, batch)
    if clash is not None:
        batch.reject(clash)
        return
    batch.placed.setdefault(art.id, (art.content_hash, art.path or art.id))
    if known is not None and known.content_hash == art.content_hash:
        report.unchanged.append(art.id)
        return
    other = batch.same_text(art)
    if other is not None:
        report.unchanged.append(other)
        report.duplicates[art.id] = other
        return
    batch.add(art)
    report.added.append(art.id)
