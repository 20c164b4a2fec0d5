"""Story clustering stage: links copies, then groups the articles not yet in a story into stories.

Two articles are compared by a score that mixes a dense sentence embedding of title and lead with a
sparse tf-idf vector over words, named entities, dates and numbers (IDF counted over the corpus seen
so far). New articles, in date order and in chunks, are clustered by average linkage over a neighbour
graph (each article's k nearest by embedding, so no all-pairs comparison) together with the latest
members of the earlier stories near them (found through an HNSW index over stored article vectors and
the latest stories naming their main entities); a group holding earlier members joins the story most
of them belong to, any other group opens a new story. Pair scores also weigh the articles' shared
main entities, and a second pass splits a large group in two when its halves share only the group's
common (topical) words.
Reports published further apart than a window are never one story. The state (centroids, postings,
document frequencies) is kept in the store as rows, one per story, term, entity and article, so a
later run adds articles without redoing the old ones and writes only the rows it changed; the vector
index is derived from the stored embeddings (with a cache file beside the database), and the same
input gives the same stories.
Average linkage, time windows and bipartitions live in ``linkage.py``, copy detection in ``copies.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np
from datasketch import LeanMinHash

from .copies import CopyIndex, band_keys, from_bytes, link_copies, order_key
from .features import HASH_BITS, Features, article_features, first_sentence, term_id
from .linkage import batch_groups, bipartition, in_window, widen
from .models import Analysis, Article, Story
from .store import Store

STATE_NAME = "stories"
STATE_VERSION = "cluster-2"  # the state as rows (migration 0005_cluster_rows)
# The vector index cache is rewritten when this share of its rows (and at least CACHE_MIN rows) would
# have to be re-added on load: a load then re-adds a few thousand rows at most (0.1 ms each on the
# benchmark's vectors, 0.35-0.55 ms on random ones), and the cache file (1.8 kB per row) is written
# about once per 5% growth, not by every run (bench/cluster_incremental.py).
CACHE_SHARE = 0.05
CACHE_MIN = 2000


@dataclass(frozen=True)
class Params:
    """Knobs of the clustering, tuned on ECB+ train and dev only (bench/cluster_ecb.py --tune: best mean
    B-cubed F1 of the two sets among the settings ahead of the TF-IDF baseline on both; the second
    pass last, on the mean of clustering at once and in two runs; linkage threshold and entity weight
    before it, the rest earlier)."""

    dense_weight: float = 0.3  # share of the dense cosine in the score (the rest is sparse)
    threshold: float = 0.25  # two groups of a batch merge while their average pair score reaches this
    window_days: float = 7.0  # no story spans more days than this between its reports' publication dates
    # nor more than this counting dates found in the text: on ECB+ train/dev any tighter window cost
    # F1, as a date in a lead is often a date the story mentions, not the day it happened
    text_window_days: float = 3650.0
    k: int = 10  # nearest articles asked of the vector index
    max_terms: int = 400  # sparse terms kept per article
    entity_query: int = 4  # main entities whose latest stories are candidates too
    entity_postings: int = 8  # latest stories remembered per entity
    title_boost: float = 2.0
    entity_boost: float = 4.0
    # Weight of article pairs not among each other's neighbours in average linkage. Through the product's
    # path (bench/cluster_neus.py, cluster_ecb.py), 0.15 against 0.02: NeuS train (undated excerpts)
    # 0.672 -> 0.762 B-cubed F1, ECB+ train+dev 0.923 -> 0.919; a topic's stories then merge less easily.
    unseen: float = 0.15
    join_members: int = 20  # latest members of each earlier story clustered along with new articles
    # Earlier stories clustered with a new article: those of its nearest stored vectors at this cosine at
    # least (on ECB+ train/dev 99.5% of articles have an article of their event at 0.44 or more) and, with
    # ``context_entities``, the latest stories naming its main entities.
    context_cos: float = 0.4
    # When the second pass parts an earlier story's members into several groups, only the group holding
    # most of them joins it (ECB+ two runs, train/dev: 0.907/0.910 against 0.903/0.901 when all join).
    one_group_per_story: bool = True
    context_entities: bool = True  # equal F1 on ECB+ train/dev either way; kept for recall at little cost
    batch_size: int = 20000  # articles clustered together at most (beyond, chunks join earlier stories)
    # Events of one topic share their words but not their participants, places and dates: a pair's
    # score gains the cosine of its main entities (idf-weighted) and loses ``conflict`` when both name
    # main entities and share none of them.
    entity_weight: float = 0.2
    conflict: float = 0.0
    # Entities from the stored spaCy analysis instead of capitalised phrases. Measured on ECB+ with the
    # settings above, spaCy's entities cluster worse (train 0.932 vs 0.945, dev 0.918 vs 0.983 B-cubed
    # F1: bench/cluster_ecb.py --analysis), so the stories are built from the features tuned.
    analysis_entities: bool = False
    key_entities: int = 8  # main entities per article compared that way
    # Second pass over each batch group of at least ``split_min`` articles: words every member shares
    # are the topic, not the event, so members are compared again on what they do not all share (terms
    # weighted by how few members hold them, embeddings minus the group mean); the group splits in two
    # halves of its average-linkage tree (outliers peeled off first) when their average similarity
    # stays below ``split_threshold`` (0: no second pass).
    split_threshold: float = 0.03
    split_min: int = 6
    split_part: int = 4  # smallest half that may split off
    split_dense: float = 0.0  # share of the centred embeddings in that comparison
    split_share: float = 0.25  # and no smaller than this share of the group


DEFAULT = Params()


def story_id(seed_article_id: str) -> str:
    """Stable story id from the id of its first (seed) article."""
    return "s-" + hashlib.sha1(seed_article_id.encode()).hexdigest()[:10]


class Clusterer:
    """Incremental single-pass clustering state: stories, their centroids, the indexes, the DF table."""

    def __init__(self, params: Params = DEFAULT, dim: int = 384,
                 feature_source: Callable[[list[str]], Sequence[Features]] | None = None) -> None:
        self.params = params
        # Features of earlier articles, when new ones are clustered along with them: recomputed by
        # ``feature_source`` (the store's), else kept in ``known`` as articles are added.
        self.feature_source = feature_source
        self.known: dict[str, Features] = {}
        self.dim = dim
        self.df = np.zeros(1 << HASH_BITS, dtype=np.int32)
        self.n_docs = 0
        self.index = self._new_index()
        self.row_story: list[int] = []  # index row -> story
        self.row_article: list[str] = []
        self.ids: list[str] = []  # story -> story id
        self.members: list[list[str]] = []
        self.rows: list[list[int]] = []
        self.dense = np.zeros((0, dim), dtype=np.float32)
        self.lo: list[int | None] = []  # story -> first and last day (any date)
        self.hi: list[int | None] = []
        self.plo: list[int | None] = []  # story -> first and last publication day
        self.phi: list[int | None] = []
        self.postings: dict[int, list[int]] = {}
        self.story_of: dict[str, int] = {}
        self.changed: set[int] = set()

    def _new_index(self) -> faiss.Index:
        index = faiss.IndexHNSWFlat(self.dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 64
        index.hnsw.efSearch = 64
        return index

    # ---- features --------------------------------------------------------------------------

    def observe(self, feats: Iterable[Features]) -> None:
        """Count document frequencies of a batch before clustering it (IDF of the corpus seen so far)."""
        for f in feats:
            tids = np.unique(f.term_ids)
            self.df[tids] += 1
            self.n_docs += 1

    def sparse(self, f: Features) -> tuple[np.ndarray, np.ndarray]:
        """Top terms by sublinear tf-idf as sorted term ids and L2-normalised weights."""
        if not len(f.term_ids):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        tids, c = f.term_ids, f.term_counts.astype(np.float64)
        tf = np.where(c >= 1, 1.0 + np.log(np.maximum(c, 1e-9)), c)
        idf = np.log((self.n_docs + 1) / (self.df[tids] + 1.0)) + 1.0
        w = tf * idf
        keep = np.lexsort((tids, -w))[: self.params.max_terms]
        uniq, inv = np.unique(tids[keep], return_inverse=True)
        merged = np.zeros(len(uniq))
        np.add.at(merged, inv, w[keep])
        merged /= max(float(np.linalg.norm(merged)), 1e-12)
        return uniq, merged.astype(np.float32)

    def entity_vector(self, f: Features) -> tuple[np.ndarray, np.ndarray]:
        """The article's main entities as sorted term ids with L2-normalised idf weights."""
        tids = np.unique(np.fromiter((term_id("e:" + e) for e in f.entities[: self.params.key_entities]),
                                     dtype=np.int64))
        if not len(tids):
            return tids, np.zeros(0, dtype=np.float32)
        w = np.log((self.n_docs + 1) / (self.df[tids] + 1.0)) + 1.0
        return tids, (w / max(float(np.linalg.norm(w)), 1e-12)).astype(np.float32)

    def split_group(self, feats: Sequence[Features], vecs: np.ndarray, group: list[int]) -> list[list[int]]:
        """Split a group in two when, beyond the words all its members share, it holds two events (once:
        on ECB+ train/dev, splitting the halves again cost F1)."""
        p = self.params
        if len(group) < p.split_min:
            return [group]
        sim = self._residual_similarity(feats, vecs)
        labels = bipartition(sim, max(p.split_part, int(np.ceil(p.split_share * len(group)))))
        if labels is None or float(sim[np.ix_(labels, ~labels)].mean()) >= p.split_threshold:
            return [group]
        return sorted([[group[i] for i in np.flatnonzero(side)] for side in (labels, ~labels)])

    def _residual_similarity(self, feats: Sequence[Features], vecs: np.ndarray) -> np.ndarray:
        """Pairwise similarity of a group's members on what they do not all share: terms weighted by
        how few members hold them (0 for a term all hold), embeddings minus the group mean."""
        import scipy.sparse as sp

        n = len(feats)
        cols = np.concatenate([f.term_ids for f in feats])
        rows = np.repeat(np.arange(n), [len(f.term_ids) for f in feats])
        counts = np.concatenate([f.term_counts for f in feats]).astype(np.float64)
        terms, held = np.unique(np.unique(np.stack([rows, cols], 1), axis=0)[:, 1], return_counts=True)
        tf = 1.0 + np.log(np.maximum(counts, 1.0))
        idf = np.log((self.n_docs + 1) / (self.df[cols] + 1.0)) + 1.0
        local = np.log((n + 1) / (held[np.searchsorted(terms, cols)] + 1.0))
        m = sp.csr_matrix((tf * idf * local, (rows, cols)), shape=(n, 1 << HASH_BITS))
        norms = np.sqrt(np.asarray(m.multiply(m).sum(1)).ravel())
        m = sp.diags(1 / np.maximum(norms, 1e-12)) @ m
        centred = vecs - vecs.mean(0)
        centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)
        d = self.params.split_dense
        return d * (centred @ centred.T) + (1 - d) * (m @ m.T).toarray()

    # ---- clustering ----------------------------------------------------------------------

    def place_batch(self, feats: Sequence[Features], vecs: np.ndarray, copy_of: dict[str, str],
                    progress: bool | None = None) -> None:
        """Cluster new articles with the recent members of the earlier stories near them (average linkage
        over a neighbour graph, then the second pass); a group joins the earlier story most of its
        earlier members belong to, or opens a new story.

        Articles are taken in date order in chunks of ``batch_size``, so that memory and the cost per
        article stay flat however many arrive at once.
        """
        self.observe(feats)
        order = sorted(range(len(feats)), key=lambda i: feats[i].key)
        size = self.params.batch_size
        for start in _progress(range(0, len(order), size), progress and len(order) > size, "clustering", "batch"):
            self._place_chunk(feats, vecs, copy_of, order[start : start + size])

    def _place_chunk(self, feats: Sequence[Features], vecs: np.ndarray, copy_of: dict[str, str],
                     order: list[int]) -> None:
        originals = [i for i in order if copy_of.get(feats[i].id) is None]
        ctx_feats, ctx_vecs, ctx_story = self._context([feats[i] for i in originals], vecs[originals])
        batch = [feats[i] for i in originals] + ctx_feats
        bvecs = np.vstack([vecs[originals], ctx_vecs]) if ctx_feats else vecs[originals]
        sparse = [self.sparse(f) for f in batch]
        ents = [self.entity_vector(f) for f in batch]
        groups = batch_groups(batch, bvecs, sparse, self.params, ents)
        if self.params.split_threshold:
            groups = [h for g in groups for h in self.split_group([batch[j] for j in g], bvecs[g], g)]
        for new, s in self._route(groups, ctx_story, batch, len(originals)):
            if s is None:
                s = self._open(batch[new[0]].id)
            for j in new:
                self.add(batch[j], bvecs[j], s)
        for i in order:  # copies go where their original went, without pulling centroids
            orig = copy_of.get(feats[i].id)
            if orig is None:
                continue
            s = self.story_of.get(orig)
            if s is None:  # original not clustered (should not happen): treat as an original
                self.add(feats[i], vecs[i], self._open(feats[i].id))
            else:
                self.add(feats[i], vecs[i], s, copy=True)

    def _route(self, groups: list[list[int]], ctx_story: list[int], batch: Sequence[Features],
               n: int) -> list[tuple[list[int], int | None]]:
        """Each group's new articles (batch index < n) with the earlier story they join (None: a new one).

        When the second pass parts an earlier story's members into several groups, the story held two
        events: only the group with most of its members joins it, the others' new articles open stories.
        """
        routed = []
        for g in groups:
            new = [j for j in g if j < n]
            if new:
                s = self._story_for([ctx_story[j - n] for j in g if j >= n], [batch[j] for j in new])
                routed.append((new, s, sum(1 for j in g if j >= n and ctx_story[j - n] == s)))
        if self.params.one_group_per_story:
            best: dict[int, tuple[int, int]] = {}
            for k, (_, s, held) in enumerate(routed):
                if s is not None and (s not in best or held > best[s][0]):
                    best[s] = (held, k)
            return [(new, s if s is None or best[s][1] == k else None) for k, (new, s, _) in enumerate(routed)]
        return [(new, s) for new, s, _ in routed]

    def _context(self, feats: Sequence[Features], vecs: np.ndarray) -> tuple[list[Features], np.ndarray, list[int]]:
        """Recent members of the earlier stories near the new articles, to cluster along with them.

        New articles then join an earlier story by the same linkage and second pass that built it,
        not by a centroid alone (a centroid blurs the topic's events together). Stories come from
        each new article's nearest stored vectors and its main entities' latest stories; each brings
        at most ``join_members`` members, so the cost per new article does not grow with the corpus.
        """
        p = self.params
        if not self.index.ntotal or not len(feats):
            return [], np.zeros((0, self.dim), dtype=np.float32), []
        sims, rows = self.index.search(np.ascontiguousarray(vecs, dtype=np.float32), min(p.k, self.index.ntotal))
        found: set[int] = set()
        for f, sim, row in zip(feats, sims.tolist(), rows.tolist(), strict=True):
            near = {self.row_story[r] for r, c in zip(row, sim, strict=True) if r >= 0 and c >= p.context_cos}
            if p.context_entities:
                for e in f.entities[: p.entity_query]:
                    near.update(self.postings.get(term_id("e:" + e), ()))
            found.update(s for s in near if self._near_in_time(s, f.pub_day if f.pub_day is not None else f.day))
        picked = [(s, r) for s in sorted(found) for r in self.rows[s][-p.join_members:]]
        if not picked:
            return [], np.zeros((0, self.dim), dtype=np.float32), []
        got = self.member_features([self.row_article[r] for _, r in picked])
        vec = np.vstack([self.index.reconstruct(r) for _, r in picked])
        return got, vec, [s for s, _ in picked]

    def _near_in_time(self, s: int, day: int | None) -> bool:
        """Whether story ``s`` could hold an article of that day (undated: always)."""
        w = self.params.window_days
        if day is None or self.plo[s] is None:
            return True
        return self.plo[s] - w <= day <= self.phi[s] + w

    def _story_for(self, old: list[int], new: Sequence[Features]) -> int | None:
        """The earlier story most of a group's earlier members belong to, if the new ones fit its dates."""
        if not old:
            return None
        counts = Counter(old)
        s = min(counts, key=lambda x: (-counts[x], x))
        for f in new:
            if not in_window(self.lo[s], self.hi[s], self.plo[s], self.phi[s], f.day, f.day, f.pub_day, f.pub_day,
                             self.params):
                return None
        return s

    def member_features(self, ids: Sequence[str]) -> list[Features]:
        """Features of clustered articles, from ``feature_source`` or those kept in memory."""
        if self.feature_source is not None:
            return list(self.feature_source(list(ids)))
        return [self.known[i] for i in ids]

    def add(self, f: Features, vec: np.ndarray, s: int, copy: bool = False) -> int:
        """Put one article in story ``s`` and update the story's centroid, dates and the indexes."""
        vec = np.asarray(vec, dtype=np.float32)
        self.members[s].append(f.id)
        self.story_of[f.id] = s
        self.changed.add(s)
        self.lo[s], self.hi[s] = widen(self.lo[s], self.hi[s], f.day, f.day)
        self.plo[s], self.phi[s] = widen(self.plo[s], self.phi[s], f.pub_day, f.pub_day)
        if copy:  # a copy is one source with its original: it must not pull the centroid twice
            return s
        self.dense[s] += vec

        self.index.add(vec[None, :])
        self.rows[s].append(len(self.row_story))
        self.row_story.append(s)
        self.row_article.append(f.id)
        if self.feature_source is None:  # only the members _context may ask for are kept
            self.known[f.id] = _slim(f, self.params.key_entities)
            if len(self.rows[s]) > self.params.join_members:
                self.known.pop(self.row_article[self.rows[s][-self.params.join_members - 1]], None)
        for e in f.entities[: self.params.entity_query]:
            post = self.postings.setdefault(term_id("e:" + e), [])
            if s not in post:
                post.append(s)
                del post[: -self.params.entity_postings]
        return s

    def _open(self, seed: str) -> int:
        s = len(self.ids)
        if s == len(self.dense):
            grown = np.zeros((max(16, 2 * s), self.dim), dtype=np.float32)
            grown[:s] = self.dense
            self.dense = grown
        self.ids.append(story_id(seed))
        self.members.append([])
        self.rows.append([])
        self.lo.append(None)
        self.hi.append(None)
        self.plo.append(None)
        self.phi.append(None)
        return s

    def central(self, s: int) -> list[str]:
        """Members ranked by closeness to the story's mean vector (copies, having no row, last)."""
        rows = self.rows[s]
        if not rows:
            return list(self.members[s])
        vecs = np.vstack([self.index.reconstruct(r) for r in rows])
        sims = vecs @ self.dense[s]
        order = sorted(range(len(rows)), key=lambda i: (-round(float(sims[i]), 6), self.row_article[rows[i]]))
        ranked = [self.row_article[rows[i]] for i in order]
        return ranked + [m for m in self.members[s] if m not in set(ranked)]


def _slim(f: Features, entities: int) -> Features:
    """What clustering an article again needs of its features (kept in memory for many articles)."""
    return Features(f.id, f.key, f.day, f.pub_day, "", "", f.term_ids.astype(np.int32),
                    f.term_counts.astype(np.float32), entities=f.entities[:entities])


# ---- in-memory entry points (benchmarks, tests) ---------------------------------------------


def features_of(articles: Sequence[Article], analyses: dict[str, Analysis] | None = None,
                params: Params = DEFAULT) -> list[Features]:
    analyses = analyses or {}
    return [article_features(a, analyses.get(a.id), params.title_boost, params.entity_boost) for a in articles]


def embed_features(feats: Sequence[Features]) -> np.ndarray:
    from .embed import encode

    return encode([f.embed_text for f in feats])


def cluster_features(feats: Sequence[Features], vectors: np.ndarray, copies: dict[str, str] | None = None,
                     params: Params = DEFAULT, clusterer: Clusterer | None = None) -> Clusterer:
    """Cluster prepared features (rows of ``vectors`` follow ``feats``) as one batch."""
    cl = clusterer or Clusterer(params, vectors.shape[1] if len(vectors) else 384)
    cl.place_batch(feats, np.asarray(vectors, dtype=np.float32), copies or {})
    return cl


def cluster_articles(articles: Sequence[Article], analyses: dict[str, Analysis] | None = None,
                     vectors: np.ndarray | None = None, params: Params = DEFAULT,
                     find_copies: bool = True) -> list[list[str]]:
    """Group in-memory articles into stories; returns the article ids of each story, sorted."""
    from .copies import find_copies as _find

    feats = features_of(articles, analyses, params)
    vecs = embed_features(feats) if vectors is None else vectors
    copies = _find(articles) if find_copies else {}
    cl = cluster_features(feats, vecs, copies, params)
    return sorted(sorted(m) for m in cl.members if m)


# ---- the store stage ------------------------------------------------------------------------


def _progress(items: Sequence, on: bool | None, desc: str, unit: str = "article") -> Iterable:
    if not on:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=unit)


def _link_copies(store: Store, new: Sequence[Article]) -> None:
    """Find copies among the new articles and against the stored ones; record copy_of."""
    def fetch(aid: str) -> tuple[LeanMinHash, int] | None:
        got = store.copy_signature(aid)
        return (from_bytes(got[0]), got[1]) if got else None

    index = CopyIndex(lookup=store.copy_candidates, fetch=fetch)
    known = {a.id: a.copy_of for a in new}

    def known_copy_of(aid: str) -> str | None:
        if aid not in known:
            known[aid] = store.copy_of(aid)
        return known[aid]

    def key_of(aid: str) -> tuple:
        art = store.get_article(aid)
        return order_key(art.published, aid)

    rows = [(a.id, a.published, f"{a.title or ''}\n{a.text}") for a in new]
    changed = link_copies(rows, index, known_copy_of, key_of)
    store.save_copy_signatures(
        (aid, a.content_hash, n, sig.hashvalues.astype(np.uint64).tobytes(), band_keys(sig))
        for a in new for aid in [a.id] for sig, n in [index.sigs[aid]]
    )
    # an earlier article that turns out to be the original takes over the old original's copies
    remap = [(c, new_orig) for old, new_orig in changed.items() for c in store.copies_of(old)]
    store.set_copy_of([(a, o) for a, o in changed.items()] + remap)


def _vectors(store: Store, feats: Sequence[Features]) -> np.ndarray:
    """Embeddings of title and lead, from the cache when its content hash still matches."""
    from .embed import DIM, MODEL_ID, encode

    cached = store.load_embeddings(MODEL_ID, [f.id for f in feats])
    out = np.zeros((len(feats), DIM), dtype=np.float32)
    todo = []
    for i, f in enumerate(feats):
        hit = cached.get(f.id)
        if hit and hit[0] == f.embed_hash:
            out[i] = np.frombuffer(hit[1], dtype=np.float32)
        else:
            todo.append(i)
    if todo:
        out[todo] = encode([feats[i].embed_text for i in todo])
        store.save_embeddings(MODEL_ID, [(feats[i].id, feats[i].embed_hash, out[i].tobytes(), DIM) for i in todo])
    return out


def _features(store: Store, articles: Sequence[Article], params: Params) -> list[Features]:
    analysed = store.analysis_state() if params.analysis_entities else {}
    return [article_features(a, store.load_analysis(a.id) if a.id in analysed else None,
                             params.title_boost, params.entity_boost) for a in articles]


def _store_features(store: Store, params: Params) -> Callable[[list[str]], list[Features]]:
    """Features of stored articles, recomputed on demand (cheaper than keeping them all)."""
    def fetch(ids: list[str]) -> list[Features]:
        arts = {a.id: a for a in store.iter_articles(ids)}
        return _features(store, [arts[i] for i in ids], params)
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


def _load_state(store: Store, params: Params, clustered: dict[str, str]) -> tuple[Clusterer, Saved]:
    """The saved clustering state, or one rebuilt from the stored stories when it is missing or stale;
    with what its stored rows already hold."""
    loaded = _load_rows(store, params, clustered)
    if loaded is not None:
        return loaded
    meta = store.cluster_meta(STATE_NAME)
    saved = Saved(run=meta["run"] if meta else 0)
    cl = Clusterer(params, feature_source=_store_features(store, params))
    if not clustered:
        return cl, saved
    # Replay the stored memberships (no re-clustering) so that old stories keep their ids.
    arts = sorted(store.iter_articles(sorted(clustered)), key=lambda a: order_key(a.published, a.id))
    feats = _features(store, arts, params)
    vecs = _vectors(store, feats)
    cl.observe(feats)
    by_story: dict[str, int] = {}
    for f, a, v in zip(feats, arts, vecs, strict=True):
        sid = clustered[a.id]
        if sid not in by_story:
            by_story[sid] = cl._open(a.id)
            cl.ids[by_story[sid]] = sid
        cl.add(f, v, by_story[sid], copy=a.copy_of is not None)
    return cl, saved


def _load_rows(store: Store, params: Params, clustered: dict[str, str]) -> tuple[Clusterer, Saved] | None:
    """The state from its rows, or None when they are missing or stale (other version, other params,
    other articles than those in stories, or vectors missing)."""
    meta = store.cluster_meta(STATE_NAME)
    if meta is None or meta["version"] != STATE_VERSION or meta["params"] != params_json(params):
        return None
    arts = store.cluster_articles()
    if len(arts) != len(clustered) or meta["articles"] != len(clustered):
        return None
    cl = Clusterer(params, meta["dim"], feature_source=_store_features(store, params))
    _set_stories(cl, store.cluster_stories())
    for aid, s, _, _row in arts:
        if s >= len(cl.ids) or clustered.get(aid) != cl.ids[s]:
            return None
        cl.members[s].append(aid)
        cl.story_of[aid] = s
    indexed = sorted((row, s, aid) for aid, s, _, row in arts if row is not None)
    cl.row_story = [s for _, s, _ in indexed]
    cl.row_article = [aid for _, _, aid in indexed]
    for r, s in enumerate(cl.row_story):
        cl.rows[s].append(r)
    terms, dfs = store.cluster_df()
    cl.df[np.asarray(terms, dtype=np.int64)] = np.asarray(dfs, dtype=np.int32)
    cl.n_docs = meta["n_docs"]
    seq = {sid: s for s, sid in enumerate(cl.ids)}
    cl.postings = {e: [seq[sid] for sid in sids] for e, sids in store.cluster_postings().items()}
    cached = _restore_index(store, cl, [r for r, _, _ in indexed])
    if cached is None:
        return None
    return cl, Saved(full=False, rows=len(indexed), cached=cached, run=meta["run"])


def _set_stories(cl: Clusterer, rows: Sequence) -> None:
    """Fill the per-story lists of ``cl`` from stored story rows (in seq order)."""
    cl.dense = np.zeros((len(rows), cl.dim), dtype=np.float32)
    for s, r in enumerate(rows):
        cl.ids.append(r["story_id"])
        cl.members.append([])
        cl.rows.append([])
        cl.dense[s] = np.frombuffer(r["centroid"], dtype=np.float32)
        for name in ("lo", "hi", "plo", "phi"):
            getattr(cl, name).append(r[name])


def _index_cache(store: Store) -> Path | None:
    """The vector index cache file beside the database (none for an in-memory database)."""
    return None if store.path == ":memory:" else Path(f"{store.path}-{STATE_VERSION}.faiss")


def _restore_index(store: Store, cl: Clusterer, rows: list[int]) -> int | None:
    """Rebuild the vector index from the stored embeddings, adding rows one by one in their original
    order so that the HNSW graph is the one an uninterrupted run built; start from the cache file when
    its rows are a prefix of these. Returns the cache's row count, or None when vectors are missing."""
    from .embed import MODEL_ID

    got = list(store.cluster_vectors(MODEL_ID))
    if [r for r, _ in got] != rows or list(range(len(rows))) != rows:
        return None
    vecs = np.frombuffer(b"".join(v for _, v in got), dtype=np.float32).reshape(len(rows), cl.dim)
    index = _cached_index(_index_cache(store), vecs)
    cached = index.ntotal if index is not None else 0
    if index is None:
        index = cl._new_index()
    for _ in range(cached):  # the level generator is not serialized: draw what the cached rows drew
        index.hnsw.random_level()
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # as in add(): one row at a time, the graph does not depend on timing
    try:
        for r in range(cached, len(rows)):
            index.add(vecs[r : r + 1])
    finally:
        faiss.omp_set_num_threads(threads)
    cl.index = index
    return cached


def _cached_index(path: Path | None, vecs: np.ndarray) -> faiss.Index | None:
    """The cached index when it holds the first rows of ``vecs`` exactly; None when missing or stale."""
    if path is None or not path.exists():
        return None
    try:
        index = faiss.deserialize_index(np.fromfile(path, dtype=np.uint8))
    except RuntimeError:  # a truncated or foreign file is only a missed cache
        return None
    n = index.ntotal
    if not isinstance(index, faiss.IndexHNSWFlat) or index.d != vecs.shape[1] or n > len(vecs):
        return None
    return index if np.array_equal(index.reconstruct_n(0, n), vecs[:n]) else None


def _save_state(store: Store, cl: Clusterer, saved: Saved, feats: Sequence[Features]) -> None:
    """Write the rows of the state that this run changed (all of them when ``saved.full``)."""
    run = saved.run + 1
    new = {f.id for f in feats}
    stories = range(len(cl.ids)) if saved.full else sorted(cl.changed)
    row_of = {cl.row_article[r]: r for r in range(0 if saved.full else saved.rows, len(cl.row_article))}
    articles = [(a, s, p, row_of.get(a)) for s in stories for p, a in enumerate(cl.members[s])
                if saved.full or a in new]
    if saved.full:
        terms = np.flatnonzero(cl.df)
        entities = sorted(cl.postings)
    else:
        terms = np.unique(np.concatenate([f.term_ids for f in feats] or [np.zeros(0, dtype=np.int64)]))
        touched = {term_id("e:" + e) for f in feats for e in f.entities[: cl.params.entity_query]}
        entities = sorted(touched & cl.postings.keys())
    meta = {"name": STATE_NAME, "version": STATE_VERSION, "params": params_json(cl.params), "dim": cl.dim,
            "n_docs": cl.n_docs, "articles": len(cl.story_of), "run": run}
    store.save_cluster_rows(
        meta,
        [_story_row(cl, s, run) for s in stories],
        articles,
        zip(terms.tolist(), cl.df[terms].tolist(), strict=True),
        [(e, json.dumps([cl.ids[s] for s in cl.postings[e]])) for e in entities],
        full=saved.full,
    )
    _write_cache(store, cl, saved)


def _story_row(cl: Clusterer, s: int, run: int) -> tuple:
    return (cl.ids[s], s, cl.dense[s].tobytes(), cl.lo[s], cl.hi[s], cl.plo[s], cl.phi[s], run)


def _write_cache(store: Store, cl: Clusterer, saved: Saved) -> None:
    """Rewrite the index cache once enough rows are not in it (see CACHE_SHARE); the rows in SQLite
    stay the record, the cache only spares re-adding every row on load."""
    path = _index_cache(store)
    n = cl.index.ntotal
    if path is None or n - saved.cached < max(CACHE_MIN, CACHE_SHARE * n):
        return
    tmp = path.with_name(path.name + ".tmp")
    faiss.serialize_index(cl.index).tofile(tmp)
    os.replace(tmp, path)  # never a half-written cache under the real name


def _story(store: Store, cl: Clusterer, s: int) -> Story:
    ranked = cl.central(s)
    arts = {a.id: a for a in store.iter_articles(cl.members[s])}
    titled = [a for a in ranked if (arts[a].title or "").strip()]
    head = arts[titled[0]] if titled else arts[ranked[0]]
    title = (head.title or "").strip() or first_sentence(head.text)
    sources = sorted({arts[a].source for a in cl.members[s] if not arts[a].copy_of and arts[a].source})
    iso = [d for d in (cl.lo[s], cl.hi[s]) if d is not None]
    first, last = [dt.date.fromordinal(d).isoformat() for d in iso] or [None, None]
    return Story(cl.ids[s], title, sorted(cl.members[s]), sources, first, last)


def cluster_store(store: Store, progress: bool | None = None, params: Params = DEFAULT) -> list[Story]:
    """Link copies and place every article not yet in a story; save and return all stories."""
    clustered = store.story_of()
    new = list(store.iter_articles([a for a in store.article_ids() if a not in clustered]))
    if new:
        _link_copies(store, new)
        copy_of = {a.id: store.copy_of(a.id) for a in new}
        cl, saved = _load_state(store, params, clustered)
        new.sort(key=lambda a: order_key(a.published, a.id))
        feats = _features(store, new, params)
        vecs = _vectors(store, feats)
        cl.place_batch(feats, vecs, {k: v for k, v in copy_of.items() if v}, progress)
        store.save_stories([_story(store, cl, s) for s in sorted(cl.changed)])
        _save_state(store, cl, saved, feats)
        cl.changed = set()
    return store.list_stories()
