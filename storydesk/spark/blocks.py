"""Scale-out, clustering: articles in blocks of publication days, each block clustered on its own by the
cluster stage's ``Clusterer``, then the stories that may belong with another block's clustered again.

One meaning: every block is clustered with the document frequencies of the whole corpus (so a pair of
articles scores as it does in one run), and no story spans more than ``Params.window_days`` of
publication dates, so only the stories within that many days of a border between two blocks can belong
with the other side, and only with the stories there nearest its mean vector (those a run would cluster
it with). Undated articles are one block of their own; as in one run, where an undated article may join a
dated story, each undated story may belong with the dated stories nearest it. The stories that may belong
together form connected sets ("meetings"); the articles of each set are clustered again, together, by the
same code, and that clustering replaces the set's stories.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..cluster import DEFAULT, Clusterer, Features, Params, article_features, cluster_features
from ..cluster.copies import order_key
from ..cluster.features import to_day
from ..models import Article

# publication days per block: four clustering windows (56 days), so few stories meet a border
BLOCK_DAYS = int(4 * DEFAULT.window_days)
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


def meetings(
    groups: Sequence[Group], vectors: dict[str, bytes], block_days: int = BLOCK_DAYS, params: Params = DEFAULT
) -> list[list[Group]]:
    """The sets of stories to cluster again together: each story within the window of a block border with
    the stories across it, and each undated story with the dated stories, that are nearest its mean
    vector (``k`` at ``context_cos`` or more: those a run would consider for it); connected, so that a
    story is in one set."""
    parent = list(range(len(groups)))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for one, other in _border_links(groups, block_days, vectors, params) + _undated_links(
        groups, vectors, params
    ):
        parent[find(other)] = find(one)
    sets: dict[int, list[Group]] = {}
    for node, group in enumerate(groups):
        sets.setdefault(find(node), []).append(group)
    return [found for found in sets.values() if len(found) > 1]


def _border_links(
    groups: Sequence[Group], block_days: int, vectors: dict[str, bytes], params: Params
) -> list[tuple[int, int]]:
    """(story, story) index pairs across a border: each story within the window of the border with the
    stories on the other side nearest its mean vector (``k`` at ``context_cos`` or more, the stories a
    run would cluster it with); stories alike no one across the border stay as their block made them."""
    of_block: dict[int, list[int]] = {}
    for node, group in enumerate(groups):
        of_block.setdefault(group.block, []).append(node)
    links = []
    for block in sorted(of_block):
        if block == UNDATED or block + 1 not in of_block:
            continue
        day = (block + 1) * block_days
        left, right = (_near(groups, of_block[side], day, params) for side in (block, block + 1))
        links += _alike(groups, left, right, vectors, params)
    return links


def _alike(
    groups: Sequence[Group], queries: list[int], stories: list[int], vectors: dict[str, bytes], params: Params
) -> list[tuple[int, int]]:
    """(query, story) index pairs: each query story with the stories nearest its mean vector."""
    if not queries or not stories:
        return []
    found = _nearest(
        np.vstack([centroid(groups[node], vectors) for node in queries]),
        np.vstack([centroid(groups[node], vectors) for node in stories]),
        params,
    )
    return [(node, stories[row]) for node, rows in zip(queries, found, strict=True) for row in rows]


def _near(groups: Sequence[Group], nodes: list[int], day: int, params: Params) -> list[int]:
    kept = {id(group) for group in near_border([groups[node] for node in nodes], day, params)}
    return [node for node in nodes if id(groups[node]) in kept]


def _undated_links(
    groups: Sequence[Group], vectors: dict[str, bytes], params: Params
) -> list[tuple[int, int]]:
    """(undated story, dated story) index pairs: each undated story with the dated ones nearest it."""
    undated = [node for node, group in enumerate(groups) if group.block == UNDATED]
    dated = [node for node, group in enumerate(groups) if group.block != UNDATED]
    return _alike(groups, undated, dated, vectors, params)


def stories_of(groups: Iterable[Group]) -> list[list[str]]:
    """Each story's article ids, its seed first (the story id is made from it, as the cluster stage does)."""
    return [[group.seed] + [aid for aid in group.members if aid != group.seed] for group in groups]


def clustering_key(article: Article) -> tuple:
    """The order the cluster stage takes articles in (dated first, earliest first, then id)."""
    return order_key(article.published, article.id)
