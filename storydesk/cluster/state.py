"""Story clustering stage, its persistence: the stage run on the store (``cluster_store``), and the
clustering state and copy signatures kept there as rows (``ClusterTables``).

The state (centroids, day spans, postings, document frequencies) is one row per story, term, entity and
article, so a later run adds articles without redoing the old ones and writes only the rows it changed.
The vector index is derived from the stored embeddings (with a cache file beside the database). A state
that is missing or stale (other ``STATE_VERSION``, other params, other articles) is rebuilt by replaying
the stored stories, so old stories keep their ids.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from datasketch import LeanMinHash

from ..models import Article, Story
from ..store import Store
from .clusterer import Clusterer
from .copies import CopyIndex, band_keys, from_bytes, link_copies, order_key
from .features import Features, article_features, first_sentence, term_id
from .linkage import DaySpan
from .params import DEFAULT, Params

STATE_NAME = "stories"
STATE_VERSION = "cluster-2"  # the state as rows (migration 0005_cluster_rows)
# The vector index cache is rewritten when this share of its rows (and at least CACHE_MIN rows) would
# have to be re-added on load: a load then re-adds a few thousand rows at most (0.1 ms each on the
# benchmark's vectors, 0.35-0.55 ms on random ones), and the cache file (1.8 kB per row) is written
# about once per 5% growth, not by every run (bench/cluster_incremental.py).
CACHE_SHARE = 0.05
CACHE_MIN = 2000


class ClusterTables:
    """The cluster stage's tables in the store: articles' copy links, copy signatures and their LSH bands,
    and the clustering state as rows (``cluster_meta``, ``cluster_stories``, ``cluster_articles``,
    ``cluster_df``, ``cluster_postings``). The tables themselves come from ``store.MIGRATIONS``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def conn(self) -> sqlite3.Connection:
        return self.store.conn

    def set_copy_of(self, pairs: Iterable[tuple[str, str | None]]) -> None:
        """Record (article id, original id or None) links."""
        with self.store.writing():
            self.conn.executemany(
                "UPDATE articles SET copy_of = ? WHERE id = ?",
                [(original, article) for article, original in pairs],
            )

    def copy_of(self, article_id: str) -> str | None:
        """The original an article copies (None: an original, or no such article)."""
        row = self.conn.execute("SELECT copy_of FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def copies_of(self, article_id: str) -> list[str]:
        """The articles recorded as copies of ``article_id``, by id."""
        return [
            row[0]
            for row in self.conn.execute(
                "SELECT id FROM articles WHERE copy_of = ? ORDER BY id", (article_id,)
            )
        ]

    def save_signatures(self, rows: Iterable[tuple[str, str, int, bytes, list[int]]]) -> None:
        """rows: (article id, content hash, shingle count, MinHash bytes, LSH band keys)."""
        with self.store.writing():
            for aid, chash, shingles, sig, keys in rows:
                had = self.conn.execute(
                    "SELECT 1 FROM copy_signatures WHERE article_id = ?", (aid,)
                ).fetchone()
                self.conn.execute(
                    "INSERT OR REPLACE INTO copy_signatures (article_id, content_hash, shingles, signature) "
                    "VALUES (?, ?, ?, ?)",
                    (aid, chash, shingles, sig),
                )
                # copy_bands is keyed by band key: this delete scans it, so only for a re-signed article
                if had:
                    self.conn.execute("DELETE FROM copy_bands WHERE article_id = ?", (aid,))
                self.conn.executemany(
                    "INSERT OR IGNORE INTO copy_bands (key, article_id) VALUES (?, ?)",
                    [(key, aid) for key in keys],
                )

    def candidates(self, keys: list[int]) -> list[str]:
        """Articles sharing an LSH band key with ``keys``."""
        if not keys:
            return []
        marks = ", ".join("?" for _ in keys)
        return [
            row[0]
            for row in self.conn.execute(
                f"SELECT DISTINCT article_id FROM copy_bands WHERE key IN ({marks}) ORDER BY article_id", keys
            )
        ]

    def signature(self, article_id: str) -> tuple[bytes, int] | None:
        """(MinHash hash values as bytes, shingle count) stored for an article, or None."""
        row = self.conn.execute(
            "SELECT signature, shingles FROM copy_signatures WHERE article_id = ?", (article_id,)
        ).fetchone()
        return (bytes(row[0]), row[1]) if row else None

    def meta(self, name: str = STATE_NAME) -> sqlite3.Row | None:
        """The state's meta row (version, params, dim, n_docs, articles, run), or None before any save."""
        return self.conn.execute("SELECT * FROM cluster_meta WHERE name = ?", (name,)).fetchone()

    def story_rows(self) -> list[sqlite3.Row]:
        """The stored story rows of the clustering state, in the order the stories were opened."""
        return self.conn.execute("SELECT * FROM cluster_stories ORDER BY seq").fetchall()

    def article_rows(self) -> list[tuple[str, int, int, int | None]]:
        """(article id, story seq, position in the story, index row) of every clustered article."""
        rows = self.conn.execute("SELECT article_id, story_seq, pos, row FROM cluster_articles").fetchall()
        # sorted here: SQLite would sort in a temp file
        return sorted((tuple(row) for row in rows), key=lambda row: (row[1], row[2]))

    def df(self) -> tuple[list[int], list[int]]:
        """Terms and their document frequencies (only terms seen)."""
        rows = self.conn.execute("SELECT term, df FROM cluster_df").fetchall()
        return [row[0] for row in rows], [row[1] for row in rows]

    def postings(self) -> dict[int, list[str]]:
        """Entity term id -> the ids of the latest stories naming it."""
        return {
            row[0]: json.loads(row[1])
            for row in self.conn.execute("SELECT entity, stories FROM cluster_postings")
        }

    def vectors(self, model: str) -> Iterator[tuple[int, bytes]]:
        """(index row, float32 bytes) of the indexed articles' embeddings, in row order."""
        for row in self.conn.execute(
            "SELECT c.row, e.vector FROM cluster_articles c JOIN embeddings e "
            "ON e.article_id = c.article_id AND e.model = ? WHERE c.row IS NOT NULL ORDER BY c.row",
            (model,),
        ):
            yield row[0], row[1]

    def save_rows(
        self,
        meta: dict[str, Any],
        stories: Iterable[tuple],
        articles: Iterable[tuple],
        df: Iterable[tuple[int, int]],
        postings: Iterable[tuple[int, str]],
        full: bool = False,
    ) -> None:
        """Upsert the given rows of the clustering state in one transaction (``full``: replace all).

        stories: (story id, seq, centroid, lo, hi, plo, phi, run);
        articles: (article id, story seq, position, index row or None).
        """
        conn = self.conn
        with self.store.writing():
            if full:
                for table in ("cluster_stories", "cluster_articles", "cluster_df", "cluster_postings"):
                    conn.execute(f"DELETE FROM {table}")
            conn.executemany(
                "INSERT INTO cluster_stories (story_id, seq, centroid, lo, hi, plo, phi, run) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(story_id) DO UPDATE SET seq=excluded.seq, "
                "centroid=excluded.centroid, lo=excluded.lo, hi=excluded.hi, plo=excluded.plo, "
                "phi=excluded.phi, run=excluded.run",
                stories,
            )
            conn.executemany(
                "INSERT INTO cluster_articles (article_id, story_seq, pos, row) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(article_id) DO UPDATE SET story_seq=excluded.story_seq, pos=excluded.pos, "
                "row=excluded.row",
                articles,
            )
            conn.executemany(
                "INSERT INTO cluster_df (term, df) VALUES (?, ?) "
                "ON CONFLICT(term) DO UPDATE SET df=excluded.df",
                df,
            )
            conn.executemany(
                "INSERT INTO cluster_postings (entity, stories) VALUES (?, ?) "
                "ON CONFLICT(entity) DO UPDATE SET stories=excluded.stories",
                postings,
            )
            conn.execute(
                "INSERT INTO cluster_meta (name, version, params, dim, n_docs, articles, run) "
                "VALUES (:name, :version, :params, :dim, :n_docs, :articles, :run) ON CONFLICT(name) "
                "DO UPDATE SET version=excluded.version, params=excluded.params, dim=excluded.dim, "
                "n_docs=excluded.n_docs, articles=excluded.articles, run=excluded.run, "
                "saved_at=datetime('now')",
                meta,
            )


def _link_copies(store: Store, new: Sequence[Article]) -> None:
    """Find copies among the new articles and against the stored ones; record copy_of."""
    tables = ClusterTables(store)

    def fetch(aid: str) -> tuple[LeanMinHash, int] | None:
        got = tables.signature(aid)
        return (from_bytes(got[0]), got[1]) if got else None

    index = CopyIndex(lookup=tables.candidates, fetch=fetch)
    known = {article.id: article.copy_of for article in new}

    def known_copy_of(aid: str) -> str | None:
        if aid not in known:
            known[aid] = tables.copy_of(aid)
        return known[aid]

    def key_of(aid: str) -> tuple:
        art = store.get_article(aid)
        return order_key(art.published, aid)

    rows = [(article.id, article.published, f"{article.title or ''}\n{article.text}") for article in new]
    changed = link_copies(rows, index, known_copy_of, key_of)
    tables.save_signatures(
        (aid, article.content_hash, shingles, sig.hashvalues.astype(np.uint64).tobytes(), band_keys(sig))
        for article in new
        for aid in [article.id]
        for sig, shingles in [index.sigs[aid]]
    )
    # an earlier article that turns out to be the original takes over the old original's copies
    remap = [(copy, new_orig) for old, new_orig in changed.items() for copy in tables.copies_of(old)]
    tables.set_copy_of([(article, original) for article, original in changed.items()] + remap)


def _vectors(store: Store, feats: Sequence[Features]) -> np.ndarray:
    """Embeddings of title and lead, from the cache when its content hash still matches."""
    from ..embed import DIM, MODEL_ID, encode

    cached = store.load_embeddings(MODEL_ID, [feat.id for feat in feats])
    out = np.zeros((len(feats), DIM), dtype=np.float32)
    todo = []
    for i, feat in enumerate(feats):
        hit = cached.get(feat.id)
        if hit and hit[0] == feat.embed_hash:
            out[i] = np.frombuffer(hit[1], dtype=np.float32)
        else:
            todo.append(i)
    if todo:
        out[todo] = encode([feats[i].embed_text for i in todo])
        store.save_embeddings(
            MODEL_ID, [(feats[i].id, feats[i].embed_hash, out[i].tobytes(), DIM) for i in todo]
        )
    return out


def _features(store: Store, articles: Sequence[Article], params: Params) -> list[Features]:
    analysed = store.analysis_state() if params.analysis_entities else {}
    return [
        article_features(
            article,
            store.load_analysis(article.id) if article.id in analysed else None,
            params.title_boost,
            params.entity_boost,
        )
        for article in articles
    ]


def _store_features(store: Store, params: Params) -> Callable[[list[str]], list[Features]]:
    """Features of stored articles, recomputed on demand (cheaper than keeping them all)."""

    def fetch(ids: list[str]) -> list[Features]:
        arts = {article.id: article for article in store.iter_articles(ids)}
        return _features(store, [arts[article_id] for article_id in ids], params)

    return fetch


@dataclass
class Saved:
    """What the stored state rows already hold, so that a save writes only the rest."""

    full: bool = True  # the rows do not match the state (new or replayed): replace them all
    rows: int = 0  # vector index rows the stored rows hold
    cached: int = 0  # vector index rows in the cache file
    run: int = 0  # saves so far


def params_json(params: Params) -> str:
    """The params as stored beside the state: other params make the stored state stale."""
    return json.dumps(asdict(params), sort_keys=True)


def load_state(store: Store, params: Params, clustered: dict[str, str]) -> tuple[Clusterer, Saved]:
    """The saved clustering state, or one rebuilt from the stored stories when it is missing or stale;
    with what its stored rows already hold."""
    loaded = _load_rows(store, params, clustered)
    if loaded is not None:
        return loaded
    meta = ClusterTables(store).meta()
    saved = Saved(run=meta["run"] if meta else 0)
    cl = Clusterer(params, feature_source=_store_features(store, params))
    if not clustered:
        return cl, saved
    # Replay the stored memberships (no re-clustering) so that old stories keep their ids.
    arts = sorted(
        store.iter_articles(sorted(clustered)), key=lambda article: order_key(article.published, article.id)
    )
    feats = _features(store, arts, params)
    vecs = _vectors(store, feats)
    cl.observe(feats)
    by_story: dict[str, int] = {}
    for feat, article, vec in zip(feats, arts, vecs, strict=True):
        sid = clustered[article.id]
        if sid not in by_story:
            by_story[sid] = cl.open_story(article.id, sid)
        cl.add(feat, vec, by_story[sid], copy=article.copy_of is not None)
    return cl, saved


def _load_rows(store: Store, params: Params, clustered: dict[str, str]) -> tuple[Clusterer, Saved] | None:
    """The state from its rows, or None when they are missing or stale (other version, other params,
    other articles than those in stories, or vectors missing)."""
    tables = ClusterTables(store)
    meta = tables.meta()
    if meta is None or meta["version"] != STATE_VERSION or meta["params"] != params_json(params):
        return None
    arts = tables.article_rows()
    if len(arts) != len(clustered) or meta["articles"] != len(clustered):
        return None
    cl = Clusterer(params, meta["dim"], feature_source=_store_features(store, params))
    _set_stories(cl, tables.story_rows())
    for aid, story, _, _row in arts:
        if story >= len(cl.ids) or clustered.get(aid) != cl.ids[story]:
            return None
        cl.members[story].append(aid)
        cl.story_of[aid] = story
    indexed = sorted((row, story, aid) for aid, story, _, row in arts if row is not None)
    cl.row_story = [story for _, story, _ in indexed]
    cl.row_article = [aid for _, _, aid in indexed]
    for row, story in enumerate(cl.row_story):
        cl.rows[story].append(row)
    terms, dfs = tables.df()
    cl.df[np.asarray(terms, dtype=np.int64)] = np.asarray(dfs, dtype=np.int32)
    cl.n_docs = meta["n_docs"]
    seq = {sid: story for story, sid in enumerate(cl.ids)}
    cl.postings = {entity: [seq[sid] for sid in sids] for entity, sids in tables.postings().items()}
    cached = _restore_index(store, cl, [row for row, _, _ in indexed])
    if cached is None:
        return None
    return cl, Saved(full=False, rows=len(indexed), cached=cached, run=meta["run"])


def _set_stories(cl: Clusterer, rows: Sequence[sqlite3.Row]) -> None:
    """Open the stories of ``cl`` from stored story rows (in seq order), with their centroids and spans."""
    cl.dense = np.zeros((len(rows), cl.dim), dtype=np.float32)  # room for exactly these stories
    for row in rows:
        story = cl.open_story(row["story_id"], row["story_id"])
        cl.dense[story] = np.frombuffer(row["centroid"], dtype=np.float32)
        cl.spans[story] = DaySpan(row["lo"], row["hi"], row["plo"], row["phi"])


def index_cache(store: Store) -> Path | None:
    """The vector index cache file beside the database (none for an in-memory database)."""
    return None if store.path == ":memory:" else Path(f"{store.path}-{STATE_VERSION}.faiss")


def _restore_index(store: Store, cl: Clusterer, rows: list[int]) -> int | None:
    """Rebuild the vector index from the stored embeddings, adding rows one by one in their original
    order so that the HNSW graph is the one an uninterrupted run built; start from the cache file when
    its rows are a prefix of these. Returns the cache's row count, or None when vectors are missing."""
    from ..embed import MODEL_ID

    got = list(ClusterTables(store).vectors(MODEL_ID))
    if [row for row, _ in got] != rows or list(range(len(rows))) != rows:
        return None
    vecs = np.frombuffer(b"".join(vec for _, vec in got), dtype=np.float32).reshape(len(rows), cl.dim)
    index = _cached_index(index_cache(store), vecs)
    cached = index.ntotal if index is not None else 0
    if index is None:
        index = cl.new_index()
    for _ in range(cached):  # the level generator is not serialized: draw what the cached rows drew
        # faiss's bundled stubs omit HNSW.random_level, which the compiled module has
        index.hnsw.random_level()  # type: ignore[attr-defined]
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # as in add(): one row at a time, the graph does not depend on timing
    try:
        for row in range(cached, len(rows)):
            index.add(vecs[row : row + 1])
    finally:
        faiss.omp_set_num_threads(threads)
    cl.index = index
    return cached


def _cached_index(path: Path | None, vecs: np.ndarray) -> faiss.IndexHNSWFlat | None:
    """The cached index when it holds the first rows of ``vecs`` exactly; None when missing or stale."""
    if path is None or not path.exists():
        return None
    try:
        index = faiss.deserialize_index(np.fromfile(path, dtype=np.uint8))
    except RuntimeError:  # a truncated or foreign file is only a missed cache
        return None
    cached_rows = index.ntotal
    if not isinstance(index, faiss.IndexHNSWFlat) or index.d != vecs.shape[1] or cached_rows > len(vecs):
        return None
    return index if np.array_equal(index.reconstruct_n(0, cached_rows), vecs[:cached_rows]) else None


def save_state(store: Store, cl: Clusterer, saved: Saved, feats: Sequence[Features]) -> None:
    """Write the rows of the state that this run changed (all of them when ``saved.full``)."""
    run = saved.run + 1
    new = {feat.id for feat in feats}
    stories = range(len(cl.ids)) if saved.full else sorted(cl.changed)
    row_of = {cl.row_article[row]: row for row in range(0 if saved.full else saved.rows, len(cl.row_article))}
    articles = [
        (aid, story, pos, row_of.get(aid))
        for story in stories
        for pos, aid in enumerate(cl.members[story])
        if saved.full or aid in new
    ]
    if saved.full:
        terms = np.flatnonzero(cl.df)
        entities = sorted(cl.postings)
    else:
        terms = np.unique(np.concatenate([feat.term_ids for feat in feats] or [np.zeros(0, dtype=np.int64)]))
        touched = {
            term_id("e:" + entity) for feat in feats for entity in feat.entities[: cl.params.entity_query]
        }
        entities = sorted(touched & cl.postings.keys())
    meta = {
        "name": STATE_NAME,
        "version": STATE_VERSION,
        "params": params_json(cl.params),
        "dim": cl.dim,
        "n_docs": cl.n_docs,
        "articles": len(cl.story_of),
        "run": run,
    }
    ClusterTables(store).save_rows(
        meta,
        [_story_row(cl, story, run) for story in stories],
        articles,
        zip(terms.tolist(), cl.df[terms].tolist(), strict=True),
        [(entity, json.dumps([cl.ids[story] for story in cl.postings[entity]])) for entity in entities],
        full=saved.full,
    )
    _write_cache(store, cl, saved)


def _story_row(cl: Clusterer, story: int, run: int) -> tuple:
    """A ``cluster_stories`` row: (story id, seq, centroid, lo, hi, plo, phi, run)."""
    span = cl.spans[story]
    return (cl.ids[story], story, cl.dense[story].tobytes(), span.lo, span.hi, span.plo, span.phi, run)


def _write_cache(store: Store, cl: Clusterer, saved: Saved) -> None:
    """Rewrite the index cache once enough rows are not in it (see CACHE_SHARE); the rows in SQLite
    stay the record, the cache only spares re-adding every row on load."""
    path = index_cache(store)
    total = cl.index.ntotal
    if path is None or total - saved.cached < max(CACHE_MIN, CACHE_SHARE * total):
        return
    tmp = path.with_name(path.name + ".tmp")
    faiss.serialize_index(cl.index).tofile(tmp)
    os.replace(tmp, path)  # never a half-written cache under the real name


def _story(store: Store, cl: Clusterer, story: int) -> Story:
    """A story as the store lists it: titled by its most central titled member."""
    ranked = cl.central(story)
    arts = {article.id: article for article in store.iter_articles(cl.members[story])}
    titled = [aid for aid in ranked if (arts[aid].title or "").strip()]
    head = arts[titled[0]] if titled else arts[ranked[0]]
    title = (head.title or "").strip() or first_sentence(head.text)
    sources = sorted(
        {arts[aid].source for aid in cl.members[story] if not arts[aid].copy_of and arts[aid].source}
    )
    dated = cl.spans[story].dated
    first, last = (None, None) if dated is None else (dt.date.fromordinal(day).isoformat() for day in dated)
    return Story(cl.ids[story], title, sorted(cl.members[story]), sources, first, last)


def cluster_store(store: Store, progress: bool | None = None, params: Params = DEFAULT) -> list[Story]:
    """Link copies and place every article not yet in a story; save and return all stories."""
    clustered = store.story_of()
    new = list(store.iter_articles([aid for aid in store.article_ids() if aid not in clustered]))
    if new:
        _link_copies(store, new)
        tables = ClusterTables(store)
        copy_of = {article.id: tables.copy_of(article.id) for article in new}
        cl, saved = load_state(store, params, clustered)
        new.sort(key=lambda article: order_key(article.published, article.id))
        feats = _features(store, new, params)
        vecs = _vectors(store, feats)
        cl.place_batch(
            feats, vecs, {aid: original for aid, original in copy_of.items() if original}, progress
        )
        store.save_stories([_story(store, cl, story) for story in sorted(cl.changed)])
        save_state(store, cl, saved, feats)
        cl.changed = set()
    return store.list_stories()


def link_store_copies(store: Store, articles: Sequence[Article]) -> dict[str, str]:
    """Find copies among ``articles`` and against the stored ones, as ``cluster_store`` does; record and
    return {copy id: original id} for ``articles``."""
    _link_copies(store, articles)
    tables = ClusterTables(store)
    return {article.id: original for article in articles if (original := tables.copy_of(article.id))}


def save_memberships(store: Store, clustered: dict[str, str], params: Params = DEFAULT) -> list[Story]:
    """Store stories found elsewhere ({article id: story id}, as `storydesk spark` clusters them) as the
    stories, replacing all: titled, dated and with the clustering state that ``cluster_store`` would
    keep, so a later run adds articles to them. Returns all stories."""
    stored = store.story_of()
    if stored == clustered:  # a re-run that found the same stories: their rows (and dossiers) stand
        return store.list_stories()
    store.delete_stories(set(stored.values()) - set(clustered.values()))
    store.save_stories(_provisional(clustered))
    cl, saved = load_state(store, params, clustered)
    store.save_stories([_story(store, cl, story) for story in range(len(cl.ids))])
    save_state(store, cl, saved, [])
    cl.changed = set()
    return store.list_stories()


def _provisional(clustered: dict[str, str]) -> list[Story]:
    members: dict[str, list[str]] = {}
    for article_id, sid in clustered.items():
        members.setdefault(sid, []).append(article_id)
    return [Story(sid, "", sorted(ids), []) for sid, ids in members.items()]
