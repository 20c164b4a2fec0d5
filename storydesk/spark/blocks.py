"""Scale-out, clustering: articles in blocks of publication days, each block clustered on its own by the
cluster stage's ``Clusterer``, then stories merged across each border between two blocks.

One meaning: every block is clustered with the document frequencies of the whole corpus (so a pair of
articles scores as it does in one run), and no story spans more than ``Params.window_days`` of
publication dates, so only the stories within that many days of a border can belong together. Those
stories' articles are clustered again, together, by the same code; two stories merge when most of the
articles of each land in one group. Undated articles are one block of their own; as in one run, where
an undated article may join a dated story, each undated story is then clustered again together with the
dated stories nearest it (by mean vector), and merges with one the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..cluster import DEFAULT, Clusterer, Features, Params, article_features, cluster_features
from ..cluster.copies import order_key
from ..cluster.features import to_day
from ..models import Article

BLOCK_DAYS = 28  # publication days per block: four clustering windows, so few stories meet a border
UNDATED = -1  # the block of articles without a publication date


@dataclass
class Member:
    """What clustering needs of one article in a block: the article, its original when a copy, its vector."""

    article: Article
    copy_of: str | None
    vector: bytes


@dataclass
class Group:
    """A story found in one block: its seed (first article in clustering order) and members."""

    block: int
    seed: str
    members: list[str]
    first_day: int | None  # publication days it spans
    last_day: int | None


def block_of(published: str | None, days: int = BLOCK_DAYS) -> int:
    """The block of a publication date: days since 0001-01-01 over ``days``; UNDATED without one."""
    day = to_day(published)
    return UNDATED if day is None else day // days


def features(members: Sequence[Member], params: Params = DEFAULT) -> list[Features]:
    return [article_features(m.article, None, params.title_boost, params.entity_boost) for m in members]


def term_counts(members: Iterable[Member], params: Params = DEFAULT) -> tuple[np.ndarray, int]:
    """Document frequencies of the articles' terms, and their number (summed over blocks: the corpus's)."""
    from ..cluster.features import HASH_BITS

    counts = np.zeros(1 << HASH_BITS, dtype=np.int32)
    total = 0
    for feat in features(list(members), params):
        counts[np.unique(feat.term_ids)] += 1
        total += 1
    return counts, total


def cluster_members(
    members: Sequence[Member], corpus_df: np.ndarray, corpus_docs: int, params: Params = DEFAULT
) -> Clusterer:
    """Cluster one set of articles as one run would, scoring terms by the whole corpus's frequencies."""
    feats = features(members, params)
    own, own_docs = term_counts(members, params)
    cl = Clusterer(params)
    cl.df = corpus_df - own  # place_batch counts these articles in again
    cl.n_docs = corpus_docs - own_docs
    vectors = (
        np.vstack([np.frombuffer(m.vector, np.float32) for m in members])
        if members
        else np.zeros((0, cl.dim), np.float32)
    )
    copies = {m.article.id: m.copy_of for m in members if m.copy_of}
    return cluster_features(feats, vectors, copies, params, clusterer=cl)


def cluster_block(
    block: int, members: Sequence[Member], corpus_df: np.ndarray, corpus_docs: int, params: Params = DEFAULT
) -> list[Group]:
    """The stories of one block."""
    cl = cluster_members(members, corpus_df, corpus_docs, params)
    return [
        Group(block, story[0], sorted(story), span.plo, span.phi)
        for story, span in zip(cl.members, cl.spans, strict=True)
        if story
    ]


def near_border(groups: Iterable[Group], border_day: int, params: Params = DEFAULT) -> list[Group]:
    """The stories that may hold a report within the clustering window of a border day."""
    window = params.window_days
    return [
        group
        for group in groups
        if group.last_day is not None
        and group.first_day is not None
        and group.last_day >= border_day - window
        and group.first_day < border_day + window
    ]


def centroid(group: Group, vectors: dict[str, bytes]) -> np.ndarray:
    """The unit mean vector of a story's members."""
    mean = np.mean([np.frombuffer(vectors[aid], np.float32) for aid in group.members], axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)


def undated_meetings(
    undated: Sequence[Group], dated: Sequence[Group], vectors: dict[str, bytes], params: Params = DEFAULT
) -> list[tuple[list[Group], list[Group]]]:
    """(undated stories, dated stories) to cluster again together: each undated story with the ``k``
    dated stories nearest its mean vector at ``context_cos`` or more (the stories a run would consider
    for it), in connected sets so that each story is in one task."""
    if not undated or not dated:
        return []
    near = _nearest(
        np.vstack([centroid(g, vectors) for g in undated]),
        np.vstack([centroid(g, vectors) for g in dated]),
        params,
    )
    parent = list(range(len(undated) + len(dated)))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for index, found in enumerate(near):
        for other in found:
            parent[find(len(undated) + other)] = find(index)
    sets: dict[int, tuple[list[Group], list[Group]]] = {}
    for index, group in enumerate(undated):
        if near[index]:
            sets.setdefault(find(index), ([], []))[0].append(group)
    for other, group in enumerate(dated):
        root = find(len(undated) + other)
        if root in sets:
            sets[root][1].append(group)
    return list(sets.values())


def _nearest(queries: np.ndarray, stories: np.ndarray, params: Params) -> list[list[int]]:
    """For each query vector, the stories among its ``k`` nearest at ``context_cos`` or more."""
    import faiss

    index = faiss.IndexFlatIP(stories.shape[1])
    index.add(np.ascontiguousarray(stories, dtype=np.float32))
    sims, rows = index.search(np.ascontiguousarray(queries, dtype=np.float32), min(params.k, len(stories)))
    return [
        [row for row, cos in zip(found, near, strict=True) if row >= 0 and cos >= params.context_cos]
        for found, near in zip(rows.tolist(), sims.tolist(), strict=True)
    ]


def merge_pairs(
    left: Sequence[Group], right: Sequence[Group], regrouped: Sequence[Sequence[str]]
) -> list[tuple[str, str]]:
    """(seed, seed) of a left and a right story that belong together: most of each one's articles are
    in one group when the stories by the border are clustered again together."""
    group_of = {aid: index for index, members in enumerate(regrouped) for aid in members}

    def home(group: Group) -> int | None:
        counts = Counter(group_of[aid] for aid in group.members if aid in group_of)
        if not counts:
            return None
        best, held = min(counts.items(), key=lambda item: (-item[1], item[0]))
        return best if 2 * held > len(group.members) else None

    right_home: dict[int, list[str]] = {}
    for group in right:
        spot = home(group)
        if spot is not None:
            right_home.setdefault(spot, []).append(group.seed)
    pairs = []
    for group in left:
        spot = home(group)
        if spot is not None:
            pairs += [(group.seed, other) for other in right_home.get(spot, [])]
    return pairs


def merged_stories(
    groups: Sequence[Group], pairs: Iterable[tuple[str, str]], keys: dict[str, tuple]
) -> list[list[str]]:
    """The stories after merging: members of linked groups together, each story's seed (the earliest
    article in clustering order, ``keys``) first."""
    parent = {group.seed: group.seed for group in groups}

    def find(seed: str) -> str:
        while parent[seed] != seed:
            parent[seed] = parent[parent[seed]]
            seed = parent[seed]
        return seed

    for one, other in pairs:
        first, second = sorted((find(one), find(other)), key=lambda seed: keys[seed])
        parent[second] = first
    together: dict[str, list[str]] = {}
    for group in groups:
        together.setdefault(find(group.seed), []).extend(group.members)
    return [[seed] + sorted(set(members) - {seed}) for seed, members in together.items()]


def clustering_key(article: Article) -> tuple:
    """The order the cluster stage takes articles in (dated first, earliest first, then id)."""
    return order_key(article.published, article.id)
