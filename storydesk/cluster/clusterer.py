"""Story clustering stage, its algorithm: the ``Clusterer`` and the in-memory entry points.

Two articles are compared by a score that mixes a dense sentence embedding of title and lead with a
sparse tf-idf vector over words, named entities, dates and numbers (IDF counted over the corpus seen
so far). New articles, in date order and in chunks, are clustered by average linkage over a neighbour
graph (each article's k nearest by embedding, so no all-pairs comparison) together with the latest
members of the earlier stories near them (found through an HNSW index over stored article vectors and
the latest stories naming their main entities); a group holding earlier members joins the story most
of them belong to, any other group opens a new story. Pair scores also weigh the articles' shared
main entities, and a second pass splits a large group in two when its halves share only the group's
common (topical) words. Reports published further apart than a window are never one story.

The same input gives the same stories. ``cluster_features`` and ``cluster_articles`` run it in memory
(benchmarks, tests); ``state.cluster_store`` runs it on the store. Average linkage, time windows and
bipartitions live in ``linkage.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import faiss
import numpy as np

from ..ids import short_hash
from ..models import Analysis, Article
from .features import HASH_BITS, Features, article_features, term_id
from .linkage import DaySpan, batch_groups, bipartition
from .params import DEFAULT, Params


def story_id(seed_article_id: str) -> str:
    """Stable story id from the id of its first (seed) article."""
    return "s-" + short_hash(seed_article_id)


class Clusterer:
    """Incremental single-pass clustering state: stories, their centroids, the indexes, the DF table.

    The public attributes are the state ``state.py`` saves as rows and restores (stories are opened
    with ``open_story``, the vector index made with ``new_index``); the methods that start with ``_``
    are the algorithm's own steps.
    """

    def __init__(
        self,
        params: Params = DEFAULT,
        dim: int = 384,
        feature_source: Callable[[list[str]], Sequence[Features]] | None = None,
    ) -> None:
        self.params = params
        # Features of earlier articles, when new ones are clustered along with them: recomputed by
        # ``feature_source`` (the store's), else kept in ``known`` as articles are added.
        self.feature_source = feature_source
        self.known: dict[str, Features] = {}
        self.dim = dim
        self.df = np.zeros(1 << HASH_BITS, dtype=np.int32)
        self.n_docs = 0
        self.index = self.new_index()
        self.row_story: list[int] = []  # index row -> story
        self.row_article: list[str] = []
        self.ids: list[str] = []  # story -> story id
        self.members: list[list[str]] = []
        self.rows: list[list[int]] = []
        self.dense = np.zeros((0, dim), dtype=np.float32)
        self.spans: list[DaySpan] = []  # story -> its first and last days
        self.postings: dict[int, list[int]] = {}
        self.story_of: dict[str, int] = {}
        self.changed: set[int] = set()

    def new_index(self) -> faiss.IndexHNSWFlat:
        """An empty vector index of the kind the state keeps (HNSW over inner products)."""
        index = faiss.IndexHNSWFlat(self.dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 64
        index.hnsw.efSearch = 64
        return index

    # ---- features --------------------------------------------------------------------------

    def observe(self, feats: Iterable[Features]) -> None:
        """Count document frequencies of a batch before clustering it (IDF of the corpus seen so far)."""
        for feat in feats:
            tids = np.unique(feat.term_ids)
            self.df[tids] += 1
            self.n_docs += 1

    def sparse(self, feat: Features) -> tuple[np.ndarray, np.ndarray]:
        """Top terms by sublinear tf-idf as sorted term ids and L2-normalised weights."""
        if not len(feat.term_ids):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        tids, counts = feat.term_ids, feat.term_counts.astype(np.float64)
        tf = np.where(counts >= 1, 1.0 + np.log(np.maximum(counts, 1e-9)), counts)
        idf = np.log((self.n_docs + 1) / (self.df[tids] + 1.0)) + 1.0
        weights = tf * idf
        keep = np.lexsort((tids, -weights))[: self.params.max_terms]
        uniq, inv = np.unique(tids[keep], return_inverse=True)
        merged = np.zeros(len(uniq))
        np.add.at(merged, inv, weights[keep])
        merged /= max(float(np.linalg.norm(merged)), 1e-12)
        return uniq, merged.astype(np.float32)

    def entity_vector(self, feat: Features) -> tuple[np.ndarray, np.ndarray]:
        """The article's main entities as sorted term ids with L2-normalised idf weights."""
        tids = np.unique(
            np.fromiter(
                (term_id("e:" + entity) for entity in feat.entities[: self.params.key_entities]),
                dtype=np.int64,
            )
        )
        if not len(tids):
            return tids, np.zeros(0, dtype=np.float32)
        weights = np.log((self.n_docs + 1) / (self.df[tids] + 1.0)) + 1.0
        return tids, (weights / max(float(np.linalg.norm(weights)), 1e-12)).astype(np.float32)

    def split_group(
        self, feats: Sequence[Features], vecs: np.ndarray, group: list[int], depth: int = 0
    ) -> list[list[int]]:
        """Split a group in two when, beyond the words all its members share, it holds two events.

        Most groups split once (on ECB+ train/dev, splitting the halves again cost F1). Undated short
        texts never met the publication window, so a topic's stories of different years meet in their
        group: it may part smaller halves, and its halves split again (Params.undated_split_*).
        """
        params = self.params
        if len(group) < params.split_min:
            return [group]
        undated = _undated_short(feats, params)
        part, below = (
            (params.undated_split_part, params.undated_split_threshold)
            if undated
            else (params.split_part, params.split_threshold)
        )
        sim = self._residual_similarity(feats, vecs)
        labels = bipartition(sim, max(part, int(np.ceil(params.split_share * len(group)))))
        if labels is None or float(sim[np.ix_(labels, ~labels)].mean()) >= below:
            return [group]
        halves = [np.flatnonzero(side).tolist() for side in (labels, ~labels)]
        if not undated or depth >= params.undated_split_depth:
            return sorted([[group[i] for i in half] for half in halves])
        return sorted(
            piece
            for half in halves
            for piece in self.split_group(
                [feats[i] for i in half], vecs[half], [group[i] for i in half], depth + 1
            )
        )

    def _residual_similarity(self, feats: Sequence[Features], vecs: np.ndarray) -> np.ndarray:
        """Pairwise similarity of a group's members on what they do not all share: terms weighted by
        how few members hold them (0 for a term all hold), embeddings minus the group mean."""
        import scipy.sparse as sp

        count = len(feats)
        cols = np.concatenate([feat.term_ids for feat in feats])
        rows = np.repeat(np.arange(count), [len(feat.term_ids) for feat in feats])
        counts = np.concatenate([feat.term_counts for feat in feats]).astype(np.float64)
        terms, held = np.unique(np.unique(np.stack([rows, cols], 1), axis=0)[:, 1], return_counts=True)
        tf = 1.0 + np.log(np.maximum(counts, 1.0))
        idf = np.log((self.n_docs + 1) / (self.df[cols] + 1.0)) + 1.0
        local = np.log((count + 1) / (held[np.searchsorted(terms, cols)] + 1.0))
        matrix = sp.csr_matrix((tf * idf * local, (rows, cols)), shape=(count, 1 << HASH_BITS))
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(1)).ravel())
        matrix = sp.diags(1 / np.maximum(norms, 1e-12)) @ matrix
        centred = vecs - vecs.mean(0)
        centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)
        dense_share = self.params.split_dense
        return dense_share * (centred @ centred.T) + (1 - dense_share) * (matrix @ matrix.T).toarray()

    # ---- clustering ----------------------------------------------------------------------

    def place_batch(
        self,
        feats: Sequence[Features],
        vecs: np.ndarray,
        copy_of: dict[str, str],
        progress: bool | None = None,
    ) -> None:
        """Cluster new articles with the recent members of the earlier stories near them (average linkage
        over a neighbour graph, then the second pass); a group joins the earlier story most of its
        earlier members belong to, or opens a new story.

        Articles are taken in date order in chunks of ``batch_size``, so that memory and the cost per
        article stay flat however many arrive at once.
        """
        self.observe(feats)
        order = sorted(range(len(feats)), key=lambda index: feats[index].key)
        size = self.params.batch_size
        for start in _progress(
            range(0, len(order), size), progress and len(order) > size, "clustering", "batch"
        ):
            self._place_chunk(feats, vecs, copy_of, order[start : start + size])

    def _place_chunk(
        self, feats: Sequence[Features], vecs: np.ndarray, copy_of: dict[str, str], order: list[int]
    ) -> None:
        originals = [i for i in order if copy_of.get(feats[i].id) is None]
        ctx_feats, ctx_vecs, ctx_story = self._context([feats[i] for i in originals], vecs[originals])
        batch = [feats[i] for i in originals] + ctx_feats
        bvecs = np.vstack([vecs[originals], ctx_vecs]) if ctx_feats else vecs[originals]
        sparse = [self.sparse(feat) for feat in batch]
        ents = [self.entity_vector(feat) for feat in batch]
        groups = batch_groups(batch, bvecs, sparse, self.params, ents)
        if self.params.split_threshold:
            groups = [
                half
                for group in groups
                for half in self.split_group([batch[j] for j in group], bvecs[group], group)
            ]
        for new, story in self._route(groups, ctx_story, batch, len(originals)):
            if story is None:
                story = self.open_story(batch[new[0]].id)
            for j in new:
                self.add(batch[j], bvecs[j], story)
        for i in order:  # copies go where their original went, without pulling centroids
            orig = copy_of.get(feats[i].id)
            if orig is None:
                continue
            story = self.story_of.get(orig)
            if story is None:  # original not clustered (should not happen): treat as an original
                self.add(feats[i], vecs[i], self.open_story(feats[i].id))
            else:
                self.add(feats[i], vecs[i], story, copy=True)

    def _route(
        self, groups: list[list[int]], ctx_story: list[int], batch: Sequence[Features], n_new: int
    ) -> list[tuple[list[int], int | None]]:
        """Each group's new articles (batch index < ``n_new``) with the earlier story they join (None: a
        new one).

        When the second pass parts an earlier story's members into several groups, the story held two
        events: only the group with most of its members joins it, the others' new articles open stories.
        """
        routed = []
        for group in groups:
            new = [j for j in group if j < n_new]
            if new:
                story = self._story_for(
                    [ctx_story[j - n_new] for j in group if j >= n_new], [batch[j] for j in new]
                )
                routed.append(
                    (new, story, sum(1 for j in group if j >= n_new and ctx_story[j - n_new] == story))
                )
        if self.params.one_group_per_story:
            best: dict[int, tuple[int, int]] = {}
            for k, (_, story, held) in enumerate(routed):
                if story is not None and (story not in best or held > best[story][0]):
                    best[story] = (held, k)
            return [
                (new, story if story is None or best[story][1] == k else None)
                for k, (new, story, _) in enumerate(routed)
            ]
        return [(new, story) for new, story, _ in routed]

    def _context(
        self, feats: Sequence[Features], vecs: np.ndarray
    ) -> tuple[list[Features], np.ndarray, list[int]]:
        """Recent members of the earlier stories near the new articles, to cluster along with them.

        New articles then join an earlier story by the same linkage and second pass that built it,
        not by a centroid alone (a centroid blurs the topic's events together). Stories come from
        each new article's nearest stored vectors and its main entities' latest stories; each brings
        at most ``join_members`` members, so the cost per new article does not grow with the corpus.
        """
        params = self.params
        if not self.index.ntotal or not len(feats):
            return [], np.zeros((0, self.dim), dtype=np.float32), []
        sims, rows = self.index.search(
            np.ascontiguousarray(vecs, dtype=np.float32), min(params.k, self.index.ntotal)
        )
        found: set[int] = set()
        for feat, near_sims, near_rows in zip(feats, sims.tolist(), rows.tolist(), strict=True):
            near = {
                self.row_story[row]
                for row, cos in zip(near_rows, near_sims, strict=True)
                if row >= 0 and cos >= params.context_cos
            }
            if params.context_entities:
                for entity in feat.entities[: params.entity_query]:
                    near.update(self.postings.get(term_id("e:" + entity), ()))
            day = feat.pub_day if feat.pub_day is not None else feat.day
            found.update(story for story in near if self.spans[story].near(day, params.window_days))
        picked = [(story, row) for story in sorted(found) for row in self.rows[story][-params.join_members :]]
        if not picked:
            return [], np.zeros((0, self.dim), dtype=np.float32), []
        got = self.member_features([self.row_article[row] for _, row in picked])
        vec = np.vstack([self.index.reconstruct(row) for _, row in picked])
        return got, vec, [story for story, _ in picked]

    def _story_for(self, old: list[int], new: Sequence[Features]) -> int | None:
        """The earlier story most of a group's earlier members belong to, if the new ones fit its dates."""
        if not old:
            return None
        counts = Counter(old)
        story = min(counts, key=lambda candidate: (-counts[candidate], candidate))
        if not all(self.spans[story].in_window(DaySpan.of(feat), self.params) for feat in new):
            return None
        return story

    def member_features(self, ids: Sequence[str]) -> list[Features]:
        """Features of clustered articles, from ``feature_source`` or those kept in memory."""
        if self.feature_source is not None:
            return list(self.feature_source(list(ids)))
        return [self.known[article_id] for article_id in ids]

    def add(self, feat: Features, vec: np.ndarray, story: int, copy: bool = False) -> int:
        """Put one article in ``story`` and update the story's centroid, dates and the indexes."""
        vec = np.asarray(vec, dtype=np.float32)
        self.members[story].append(feat.id)
        self.story_of[feat.id] = story
        self.changed.add(story)
        self.spans[story] = self.spans[story].widen(DaySpan.of(feat))
        if copy:  # a copy is one source with its original: it must not pull the centroid twice
            return story
        self.dense[story] += vec

        self.index.add(vec[None, :])
        self.rows[story].append(len(self.row_story))
        self.row_story.append(story)
        self.row_article.append(feat.id)
        if self.feature_source is None:  # only the members _context may ask for are kept
            self.known[feat.id] = _slim(feat, self.params.key_entities)
            if len(self.rows[story]) > self.params.join_members:
                self.known.pop(self.row_article[self.rows[story][-self.params.join_members - 1]], None)
        for entity in feat.entities[: self.params.entity_query]:
            post = self.postings.setdefault(term_id("e:" + entity), [])
            if story not in post:
                post.append(story)
                del post[: -self.params.entity_postings]
        return story

    def open_story(self, seed: str, sid: str | None = None) -> int:
        """Open an empty story seeded by article ``seed`` (its id ``sid`` when given, as when the stored
        stories are replayed); returns its index."""
        story = len(self.ids)
        if story == len(self.dense):
            grown = np.zeros((max(16, 2 * story), self.dim), dtype=np.float32)
            grown[:story] = self.dense
            self.dense = grown
        self.ids.append(sid or story_id(seed))
        self.members.append([])
        self.rows.append([])
        self.spans.append(DaySpan())
        return story

    def central(self, story: int) -> list[str]:
        """Members ranked by closeness to the story's mean vector (copies, having no row, last)."""
        rows = self.rows[story]
        if not rows:
            return list(self.members[story])
        vecs = np.vstack([self.index.reconstruct(row) for row in rows])
        sims = vecs @ self.dense[story]
        order = sorted(
            range(len(rows)), key=lambda index: (-round(float(sims[index]), 6), self.row_article[rows[index]])
        )
        ranked = [self.row_article[rows[index]] for index in order]
        return ranked + [member for member in self.members[story] if member not in set(ranked)]


def _undated_short(feats: Sequence[Features], params: Params) -> bool:
    """No member has a date and the median member is short (excerpts, feed summaries)."""
    return all(feat.day is None for feat in feats) and (
        float(np.median([feat.words for feat in feats])) < params.undated_split_words
    )


def _slim(feat: Features, entities: int) -> Features:
    """What clustering an article again needs of its features (kept in memory for many articles)."""
    return Features(
        feat.id,
        feat.key,
        feat.day,
        feat.pub_day,
        "",
        "",
        feat.term_ids.astype(np.int32),
        feat.term_counts.astype(np.float32),
        entities=feat.entities[:entities],
        words=feat.words,
    )


# ---- in-memory entry points (benchmarks, tests) ---------------------------------------------


def features_of(
    articles: Sequence[Article], analyses: dict[str, Analysis] | None = None, params: Params = DEFAULT
) -> list[Features]:
    """Clustering features of in-memory articles (with their analyses when given)."""
    analyses = analyses or {}
    return [
        article_features(article, analyses.get(article.id), params.title_boost, params.entity_boost)
        for article in articles
    ]


def embed_features(feats: Sequence[Features]) -> np.ndarray:
    """Embeddings of the articles' title and lead (rows follow ``feats``)."""
    from ..embed import encode

    return encode([feat.embed_text for feat in feats])


def cluster_features(
    feats: Sequence[Features],
    vectors: np.ndarray,
    copies: dict[str, str] | None = None,
    params: Params = DEFAULT,
    clusterer: Clusterer | None = None,
) -> Clusterer:
    """Cluster prepared features (rows of ``vectors`` follow ``feats``) as one batch."""
    cl = clusterer or Clusterer(params, vectors.shape[1] if len(vectors) else 384)
    cl.place_batch(feats, np.asarray(vectors, dtype=np.float32), copies or {})
    return cl


def cluster_articles(
    articles: Sequence[Article],
    analyses: dict[str, Analysis] | None = None,
    vectors: np.ndarray | None = None,
    params: Params = DEFAULT,
    find_copies: bool = True,
) -> list[list[str]]:
    """Group in-memory articles into stories; returns the article ids of each story, sorted."""
    from .copies import find_copies as _find

    feats = features_of(articles, analyses, params)
    vecs = embed_features(feats) if vectors is None else vectors
    copies = _find(articles) if find_copies else {}
    cl = cluster_features(feats, vecs, copies, params)
    return sorted(sorted(members) for members in cl.members if members)


def _progress(items: Sequence, on: bool | None, desc: str, unit: str = "article") -> Iterable:
    """``items``, with a progress bar when ``on``."""
    if not on:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=unit)
