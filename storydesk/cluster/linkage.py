"""Story clustering stage, its linkage: average linkage over a neighbour graph, time windows, bipartitions.

Plain functions over article vectors and sparse term rows (no state): ``batch_groups`` groups a batch,
``bipartition`` proposes the two halves the second pass tests, and ``DaySpan`` (a group's first and
last days) keeps reports far apart in time out of one story. Reads only ``params`` and ``features``;
the clustering state is ``clusterer.py``'s, its store ``state.py``'s.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import faiss
import numpy as np

from .features import HASH_BITS, Features
from .params import Params

DayRange = tuple[int, int]  # first and last ordinal day


def _union(a: DayRange | None, b: DayRange | None) -> DayRange | None:
    """The union of two day ranges (None: no date)."""
    if b is None:
        return a
    if a is None:
        return b
    return min(a[0], b[0]), max(a[1], b[1])


def _range(lo: int | None, hi: int | None) -> DayRange | None:
    """A range from its two ends, which are None together (no dated report)."""
    return None if lo is None or hi is None else (lo, hi)


@dataclass(frozen=True, slots=True)
class DaySpan:
    """First and last ordinal day of a group of reports: by any date (``lo``, ``hi``: published, else a
    date in the lead) and by publication date only (``plo``, ``phi``); None where no report has one.
    The two ends of a pair are None together."""

    lo: int | None = None
    hi: int | None = None
    plo: int | None = None
    phi: int | None = None

    @classmethod
    def of(cls, f: Features) -> DaySpan:
        """The span of one article."""
        return cls(f.day, f.day, f.pub_day, f.pub_day)

    @property
    def dated(self) -> DayRange | None:
        """(lo, hi), None when no report has a date."""
        return _range(self.lo, self.hi)

    @property
    def published(self) -> DayRange | None:
        """(plo, phi), None when no report has a publication date."""
        return _range(self.plo, self.phi)

    def widen(self, other: DaySpan) -> DaySpan:
        """The span of both groups."""
        lo, hi = _union(self.dated, other.dated) or (None, None)
        plo, phi = _union(self.published, other.published) or (None, None)
        return DaySpan(lo, hi, plo, phi)

    def in_window(self, other: DaySpan, params: Params) -> bool:
        """Whether the two groups are close enough in time to be one event."""
        both = self.widen(other)
        if (pub := both.published) is not None and pub[1] - pub[0] > params.window_days:
            return False
        return (dated := both.dated) is None or dated[1] - dated[0] <= params.text_window_days

    def near(self, day: int | None, days: float) -> bool:
        """Whether a report of ``day`` falls within ``days`` of the span's publication days (always when
        either is undated)."""
        if day is None or (pub := self.published) is None:
            return True
        return pub[0] - days <= day <= pub[1] + days


def bipartition(sim: np.ndarray, part: int) -> np.ndarray | None:
    """Two sides of a group from its average-linkage tree, as a boolean mask (None: no such split).

    The top split of the tree often just cuts off an outlier, so the walk goes down the larger
    branch until both branches hold at least ``part`` members; members peeled off on the way join
    the side they are on average closer to.
    """
    from scipy.cluster.hierarchy import linkage, to_tree
    from scipy.spatial.distance import squareform

    if len(sim) < 2 * part:
        return None
    dist = np.clip(1.0 - sim, 0.0, None)
    np.fill_diagonal(dist, 0.0)
    node = to_tree(linkage(squareform(dist, checks=False), "average"))
    while not node.is_leaf():
        left, right = node.get_left(), node.get_right()
        if min(left.count, right.count) >= part:
            break
        node = left if left.count >= right.count else right
    else:
        return None
    a, b = left.pre_order(), right.pre_order()
    side = np.zeros(len(sim), dtype=np.int8)
    side[a], side[b] = 1, 2
    for i in np.flatnonzero(side == 0):
        side[i] = 1 if sim[i, a].mean() >= sim[i, b].mean() else 2
    return side == 1


def neighbour_pairs(vecs: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each article's k nearest others by dense cosine (exact up to 5,000 articles, HNSW above)."""
    n = len(vecs)
    if n < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    index: faiss.Index
    if n <= 5000:
        index = faiss.IndexFlatIP(vecs.shape[1])
    else:
        hnsw = faiss.IndexHNSWFlat(vecs.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efSearch = 64
        index = hnsw
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # a graph built by several threads depends on their timing
    try:
        index.add(vecs)
    finally:
        faiss.omp_set_num_threads(threads)
    _, nn = index.search(vecs, min(k + 1, n))
    src = np.repeat(np.arange(n), nn.shape[1])
    dst = nn.ravel()
    keep = (dst >= 0) & (dst != src)
    a, b = np.minimum(src[keep], dst[keep]), np.maximum(src[keep], dst[keep])
    pairs = np.unique(np.stack([a, b], 1), axis=0)
    return pairs[:, 0], pairs[:, 1]


def _row_dots(rows: Sequence[tuple[np.ndarray, np.ndarray]], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dot products of sparse rows (sorted term ids, weights) for the pairs (a[i], b[i])."""
    import scipy.sparse as sp

    indptr = np.cumsum([0] + [len(i) for i, _ in rows])
    data = np.concatenate([w for _, w in rows]) if rows else np.zeros(0, dtype=np.float32)
    cols = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
    m = sp.csr_matrix((data, cols, indptr), shape=(len(rows), 1 << HASH_BITS))
    out = np.zeros(len(a))
    for c in range(0, len(a), 8192):  # in slices: two row copies of every pair at once would not fit
        sl = slice(c, c + 8192)
        out[sl] = np.asarray(m[a[sl]].multiply(m[b[sl]]).sum(1)).ravel()
    return out


def pair_similarity(
    vecs: np.ndarray,
    sparse: Sequence[tuple[np.ndarray, np.ndarray]],
    a: np.ndarray,
    b: np.ndarray,
    params: Params,
    ents: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
) -> np.ndarray:
    """Mixed dense and sparse cosine of article pairs, plus main-entity agreement (see Params)."""
    if not len(a):
        return np.zeros(0)
    dense_sim = np.einsum("ij,ij->i", vecs[a], vecs[b])
    sim = params.dense_weight * dense_sim + (1 - params.dense_weight) * _row_dots(sparse, a, b)
    if ents is not None and (params.entity_weight or params.conflict):
        ent_sim = _row_dots(ents, a, b)
        has = np.array([len(i) > 0 for i, _ in ents])
        sim = sim + params.entity_weight * ent_sim - params.conflict * ((ent_sim <= 0) & has[a] & has[b])
    return sim


def batch_groups(
    feats: Sequence[Features],
    vecs: np.ndarray,
    sparse: Sequence[tuple[np.ndarray, np.ndarray]],
    params: Params,
    ents: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
) -> list[list[int]]:
    """Average-linkage clustering restricted to neighbour pairs; groups of indices in ``feats`` order.

    A pair that is not among each other's neighbours counts as similarity 0 with weight ``unseen``,
    so two large groups do not merge on the strength of a few close pairs.
    """
    n = len(feats)
    a, b = neighbour_pairs(np.ascontiguousarray(vecs, dtype=np.float32), params.k)
    sims = pair_similarity(vecs, sparse, a, b, params, ents)
    spans = [DaySpan.of(f) for f in feats]
    size = [1] * n
    members: list[list[int]] = [[i] for i in range(n)]
    links: list[dict[int, list[float]]] = [{} for _ in range(n)]
    for x, y, sv in zip(a.tolist(), b.tolist(), sims.tolist(), strict=True):
        if sv > 0:
            e = [sv, 1.0]
            links[x][y] = e
            links[y][x] = e

    def avg(x: int, y: int) -> float:
        total, seen = links[x][y]
        return total / (seen + params.unseen * (size[x] * size[y] - seen))

    heap = [(-avg(x, y), x, y) for x in range(n) for y in links[x] if x < y]
    heapq.heapify(heap)
    while heap:
        neg, x, y = heapq.heappop(heap)
        if not members[x] or not members[y] or y not in links[x]:
            continue
        cur = avg(x, y)
        if abs(cur + neg) > 1e-9:
            heapq.heappush(heap, (-cur, x, y))
            continue
        if cur < params.threshold:
            break
        if not spans[x].in_window(spans[y], params):
            del links[x][y], links[y][x]  # another event, however alike
            continue
        keep, gone = (x, y) if size[x] >= size[y] else (y, x)
        members[keep] += members[gone]
        members[gone] = []
        size[keep] += size[gone]
        spans[keep] = spans[keep].widen(spans[gone])
        del links[keep][gone]
        for z, e in links[gone].items():
            if z == keep:
                continue
            del links[z][gone]
            if z in links[keep]:
                links[keep][z][0] += e[0]
                links[keep][z][1] += e[1]
            else:
                links[keep][z] = e
                links[z][keep] = e
        links[gone] = {}
        for z in links[keep]:
            heapq.heappush(heap, (-avg(keep, z), min(keep, z), max(keep, z)))
    return sorted((sorted(m) for m in members if m), key=lambda m: m[0])
