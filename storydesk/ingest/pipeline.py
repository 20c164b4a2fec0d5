"""Ingest stage, storing: clean each record, settle its id, skip what is stored, commit per batch.

A run commits every ``BATCH`` articles, so an interrupted ingest keeps what it committed and a
re-run adds only what is missing. Only the current batch is held in memory.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..models import Article, IngestReport, RawRecord, Rejection
from ..store import Store
from .clean import clean
from .meta import short_hash
from .readers import read_paths

BATCH = 200


@dataclass
class _Known:
    id: str
    content_hash: str
    path: str | None
    source: str


class _Batch:
    """Articles cleaned but not yet committed, looked up together with what the store holds."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.articles: dict[str, Article] = {}
        self.by_hash: dict[str, list[Article]] = {}
        self.rejections: list[Rejection] = []

    def add(self, art: Article) -> None:
        old = self.articles.get(art.id)
        if old is not None:  # the same id twice in one batch: the later text replaces the earlier
            self.by_hash[old.content_hash].remove(old)
        self.articles[art.id] = art
        self.by_hash.setdefault(art.content_hash, []).append(art)

    def by_id(self, aid: str) -> _Known | None:
        a = self.articles.get(aid)
        if a is not None:
            return _Known(a.id, a.content_hash, a.path, a.source)
        row = self.store.article_meta(aid)
        if row is None:
            return None
        src = self.store.conn.execute("SELECT source FROM articles WHERE id = ?", (aid,)).fetchone()[0]
        return _Known(row["id"], row["content_hash"], row["path"], src)

    def same_text(self, art: Article) -> str | None:
        """The id of another article with the same clean text from the same (or an unknown) outlet.

        A different outlet carrying the same text is a syndicated copy: it is stored, and the
        cluster stage marks it as a copy, so the story still shows who ran it.
        """
        rows = [(a.id, a.source) for a in self.by_hash.get(art.content_hash, ())]
        rows += [(r["id"], r["source"]) for r in self.store.articles_with_hash(art.content_hash)]
        for oid, osrc in rows:
            if oid != art.id and (osrc == art.source or osrc == oid or art.source == art.id):
                return oid
        return None

    def flush(self) -> None:
        if not self.articles and not self.rejections:
            return
        if self.rejections:
            self.store.record_rejections(self.rejections)
        for a in self.articles.values():
            self.store.clear_rejection(a.path or "")
        self.store.upsert_articles(self.articles.values())  # one transaction: the commit point
        self.articles.clear()
        self.by_hash.clear()
        self.rejections.clear()


def _settle_id(art: Article, raw: RawRecord, batch: _Batch) -> _Known | None:
    """Give a file's article a stable suffixed id when another file already holds its name."""
    known = batch.by_id(art.id)
    if (known is not None and raw.id is None and raw.stem and known.content_hash != art.content_hash
            and os.path.normpath(known.path or "") != os.path.normpath(art.path or "")):
        old = art.id
        art.id = f"{old}-{short_hash(raw.text or raw.html or '', 8)}"
        if art.source == old:
            art.source = art.id
        known = batch.by_id(art.id)
    return known


def _own_files(store: Store) -> frozenset[Path]:
    """The database file and its journals, which a folder being read may hold: never read as input."""
    if store.path == ":memory:":
        return frozenset()
    db = Path(store.path).resolve()
    return frozenset({db, *(db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal"))})


def _progress_bar(progress: bool | None):
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    return tqdm(desc="ingest", unit=" inputs", disable=not show, delay=0.5, mininterval=0.5, file=sys.stderr)


def ingest_paths(paths: Sequence[str], store: Store, progress: bool | None = None,
                 batch_size: int = BATCH) -> IngestReport:
    """Read files, folders or ``-`` into the store; report what was added, unchanged and rejected."""
    report = IngestReport()
    batch = _Batch(store)
    bar = _progress_bar(progress)
    try:
        for item in read_paths(list(paths), _own_files(store)):
            bar.update(1)
            if isinstance(item, Rejection):
                report.rejected.append(item)
                batch.rejections.append(item)
                continue
            try:
                art = clean(item)
            except InputError as exc:
                rej = Rejection(exc.origin, exc.reason)
            except Exception as exc:  # a library failing on one odd page must not stop the run
                rej = Rejection(item.origin, f"could not be cleaned ({type(exc).__name__}: {exc})")
            else:
                _place(art, item, batch, report)
                if len(batch.articles) >= batch_size:
                    batch.flush()
                continue
            report.rejected.append(rej)
            batch.rejections.append(rej)
    except KeyboardInterrupt:
        batch.flush()  # keep every whole article read so far; a re-run adds the rest
        raise
    finally:
        bar.close()
    batch.flush()
    return report


def _place(art: Article, raw: RawRecord, batch: _Batch, report: IngestReport) -> None:
    known = _settle_id(art, raw, batch)
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
