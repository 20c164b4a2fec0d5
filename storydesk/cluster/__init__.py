"""Story clustering stage: links copies, then groups the articles not yet in a story into stories.

One file per part, in the order a run uses them:

- ``params.py``: ``Params``, the knobs (tuned on ECB+ train and dev), and ``DEFAULT``;
- ``copies.py``: copy detection (MinHash and LSH bands): wire copies and updates join their original;
- ``features.py``: what an article brings (words, entities, dates, numbers, the day placing it in time);
- ``linkage.py``: average linkage over a neighbour graph, ``DaySpan`` time windows, bipartitions;
- ``clusterer.py``: the ``Clusterer`` (incremental state and algorithm) and the in-memory entry points;
- ``state.py``: the stage on the store (``cluster_store``) and the state kept there as rows.
"""

from __future__ import annotations

from .clusterer import Clusterer, cluster_articles, cluster_features, embed_features, features_of, story_id
from .copies import find_copies
from .features import Features, article_features
from .linkage import DaySpan
from .params import DEFAULT, Params
from .state import cluster_store

__all__ = [
    "DEFAULT",
    "Clusterer",
    "DaySpan",
    "Features",
    "Params",
    "article_features",
    "cluster_articles",
    "cluster_features",
    "cluster_store",
    "embed_features",
    "features_of",
    "find_copies",
    "story_id",
]
