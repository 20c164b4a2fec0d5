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


def _union(first: DayRange | None, second: DayRange | None) -> DayRange | None:
    """The union of two day ranges (None: no date)."""
    if second is None:
        return first
    if first is None:
        return second
    return min(first[0], second[0]), max(first[1], second[1])


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
    def of(cls, feat: Features) -> DaySpan:
        """The span of one article."""
        return cls(feat.day, feat.day, feat.pub_day, feat.pub_day)

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
    left_members, right_members = left.pre_order(), right.pre_order()
    side = np.zeros(len(sim), dtype=np.int8)
    side[left_members], side[right_members] = 1, 2
    for i in np.flatnonzero(side == 0):
        side[i] = 1 if sim[i, left_members].mean() >= sim[i, right_members].mean() else 2
    return side == 1


def neighbour_pairs(vecs: np.ndarray, neighbours: int) -> tuple[np.ndarray, np.ndarray]:
    """Each article's ``neighbours`` nearest others by dense cosine (exact up to 5,000 articles, HNSW
    above)."""
    count = len(vecs)
    if count < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    index: faiss.Index
    if count <= 5000:
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
    _, nn = index.search(vecs, min(neighbours + 1, count))
    src = np.repeat(np.arange(count), nn.shape[1])
    dst = nn.ravel()
    keep = (dst >= 0) & (dst != src)
    low, high = np.minimum(src[keep], dst[keep]), np.maximum(src[keep], dst[keep])
    pairs = np.unique(np.stack([low, high], 1), axis=0)
    return pairs[:, 0], pairs[:, 1]


def _row_dots(
    rows: Sequence[tuple[np.ndarray, np.ndarray]], left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    """Dot products of sparse rows (sorted term ids, weights) for the pairs (left[i], right[i])."""
    import scipy.sparse as sp

    indptr = np.cumsum([0] + [len(term_ids) for term_ids, _ in rows])
    data = np.concatenate([weights for _, weights in rows]) if rows else np.zeros(0, dtype=np.float32)
    cols = np.concatenate([term_ids for term_ids, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
    matrix = sp.csr_matrix((data, cols, indptr), shape=(len(rows), 1 << HASH_BITS))
    out = np.zeros(len(left))
    for start in range(0, len(left), 8192):  # in slices: two row copies of every pair at once would not fit
        sl = slice(start, start + 8192)
        out[sl] = np.asarray(matrix[left[sl]].multiply(matrix[right[sl]]).sum(1)).ravel()
    return out


def pair_similarity(
    vecs: np.ndarray,
    sparse: Sequence[tuple[np.ndarray, np.ndarray]],
    left: np.ndarray,
    right: np.ndarray,
    params: Params,
    ents: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
    days: np.ndarray | None = None,
) -> np.ndarray:
    """Mixed dense and sparse cosine of article pairs, plus main-entity agreement, less a share per day
    between publication dates (``days``: one per article, NaN when undated; see Params)."""
    if not len(left):
        return np.zeros(0)
    dense_sim = np.einsum("ij,ij->i", vecs[left], vecs[right])
    sim = params.dense_weight * dense_sim + (1 - params.dense_weight) * _row_dots(sparse, left, right)
    if ents is not None and (params.entity_weight or params.conflict):
        ent_sim = _row_dots(ents, left, right)
        has = np.array([len(term_ids) > 0 for term_ids, _ in ents])
        sim = (
            sim + params.entity_weight * ent_sim - params.conflict * ((ent_sim <= 0) & has[left] & has[right])
        )
    if days is not None and params.day_penalty:
        apart = np.nan_to_num(np.abs(days[left] - days[right]), nan=0.0)  # undated: no penalty
        sim = sim - params.day_penalty * np.minimum(apart, params.day_penalty_days)
    return sim


def publication_days(feats: Sequence[Features]) -> np.ndarray:
    """Each article's ordinal day of publication, NaN when it has none."""
    return np.array([np.nan if feat.pub_day is None else feat.pub_day for feat in feats], dtype=np.float64)


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
    left, right = neighbour_pairs(np.ascontiguousarray(vecs, dtype=np.float32), params.k)
    sims = pair_similarity(vecs, sparse, left, right, params, ents, publication_days(feats))
    graph = _LinkGraph([DaySpan.of(feat) for feat in feats], params)
    graph.link(left.tolist(), right.tolist(), sims.tolist())
    graph.merge_closest()
    return sorted((sorted(group) for group in graph.members if group), key=lambda group: group[0])


class _LinkGraph:
    """Groups of a batch as average linkage merges them: each group's members, size and day span, and for
    each pair of linked groups one [similarity total, pairs seen] list that both ends share."""

    def __init__(self, spans: list[DaySpan], params: Params) -> None:
        self.params = params
        self.spans = spans
        self.size = [1] * len(spans)
        self.members: list[list[int]] = [[i] for i in range(len(spans))]
        self.links: list[dict[int, list[float]]] = [{} for _ in spans]

    def link(self, left: list[int], right: list[int], sims: list[float]) -> None:
        """Link the articles of each neighbour pair of positive similarity."""
        for one, other, sim in zip(left, right, sims, strict=True):
            if sim > 0:
                link = [sim, 1.0]
                self.links[one][other] = link
                self.links[other][one] = link

    def average(self, one: int, other: int) -> float:
        total, seen = self.links[one][other]
        return total / (seen + self.params.unseen * (self.size[one] * self.size[other] - seen))

    def merge_closest(self) -> None:
        """Merge the closest linked pair of groups while it is above the threshold and within the window.

        A heap entry whose pair has changed since it was pushed is pushed again with its new average.
        """
        links = self.links
        heap = [
            (-self.average(one, other), one, other)
            for one in range(len(links))
            for other in links[one]
            if one < other
        ]
        heapq.heapify(heap)
        while heap:
            neg, one, other = heapq.heappop(heap)
            if not self.members[one] or not self.members[other] or other not in links[one]:
                continue
            cur = self.average(one, other)
            if abs(cur + neg) > 1e-9:
                heapq.heappush(heap, (-cur, one, other))
                continue
            if cur < self.params.threshold:
                break
            if not self.spans[one].in_window(self.spans[other], self.params):
                del links[one][other], links[other][one]  # another event, however alike
                continue
            keep = self.merge(one, other)
            for near in links[keep]:
                heapq.heappush(heap, (-self.average(keep, near), min(keep, near), max(keep, near)))

    def merge(self, one: int, other: int) -> int:
        """Merge two groups into the larger (the first when equal); return the group kept."""
        keep, gone = (one, other) if self.size[one] >= self.size[other] else (other, one)
        self.members[keep] += self.members[gone]
        self.members[gone] = []
        self.size[keep] += self.size[gone]
        self.spans[keep] = self.spans[keep].widen(self.spans[gone])
        links = self.links
        del links[keep][gone]
        for near, link in links[gone].items():
            if near == keep:
                continue
            del links[near][gone]
            if near in links[keep]:
                links[keep][near][0] += link[0]
                links[keep][near][1] += link[1]
            else:
                links[keep][near] = link
                links[near][keep] = link
        links[gone] = {}
        return keep
