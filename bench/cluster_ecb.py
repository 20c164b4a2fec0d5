"""ECB+ story clustering: B-cubed P/R/F1 of storydesk.cluster against a TF-IDF average-linkage baseline.

Run: .venv/bin/python bench/cluster_ecb.py [--tune]
Each set (test topics 36-45; all 982 documents; train; dev) is clustered as one corpus, without topic
labels. The baseline's distance threshold is tuned on train+dev; so are storydesk's Params (--tune).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cluster_common import BENCH, bcubed, cached_vectors, fmt, read_jsonl  # noqa: E402

from storydesk.cluster import DEFAULT, Params, cluster_features, features_of  # noqa: E402
from storydesk.copies import find_copies  # noqa: E402
from storydesk.models import Article  # noqa: E402

TRAIN_DEV = ("train", "dev")


def load() -> tuple[list[Article], dict[str, str], dict[str, str]]:
    recs = read_jsonl(BENCH / "ecbplus" / "articles.jsonl")
    gold = {r["id"]: r["cluster"] for r in read_jsonl(BENCH / "ecbplus" / "gold_clusters.jsonl")}
    arts = [Article(id=r["id"], text=r["text"], source=r["source"] or "", title=r["title"], url=r["url"])
            for r in recs]
    split = {r["id"]: r["split"] for r in recs}
    return arts, gold, split


def ours(arts: list[Article], vecs: np.ndarray, params: Params = DEFAULT) -> list[list[str]]:
    feats = features_of(arts, None, params)
    cl = cluster_features(feats, vecs, find_copies(arts), params)
    return [m for m in cl.members if m]


def baseline(arts: list[Article], threshold: float) -> list[list[str]]:
    """Plain TF-IDF over title and text, average-linkage agglomerative clustering on cosine distance."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(
        [f"{a.title or ''}\n{a.text}" for a in arts]).toarray()
    labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                     distance_threshold=threshold).fit_predict(x)
    groups: dict[int, list[str]] = {}
    for a, lab in zip(arts, labels, strict=True):
        groups.setdefault(int(lab), []).append(a.id)
    return list(groups.values())


def subsets(arts, split):
    return {
        "test (topics 36-45)": [a for a in arts if split[a.id] == "test"],
        "all 982 documents": arts,
        "train": [a for a in arts if split[a.id] == "train"],
        "dev": [a for a in arts if split[a.id] == "dev"],
        "train+dev": [a for a in arts if split[a.id] in TRAIN_DEV],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tune", action="store_true", help="grid-search storydesk Params on train+dev")
    args = ap.parse_args()
    arts, gold, split = load()
    t0 = time.perf_counter()
    all_vecs = cached_vectors([f.embed_text for f in features_of(arts)], "ecb")
    print(f"embeddings: {len(arts)} texts in {time.perf_counter() - t0:.1f}s (cached after the first run)")
    row = {a.id: i for i, a in enumerate(arts)}
    sets = subsets(arts, split)

    def vecs_of(sub):
        return all_vecs[[row[a.id] for a in sub]]

    tune = sets["train+dev"]
    grid = [round(x, 3) for x in np.arange(0.7, 0.91, 0.025)]
    base_t = max(grid, key=lambda t: bcubed(baseline(tune, t), gold)[2])
    print(f"baseline threshold tuned on train+dev: cosine distance {base_t}")

    params = DEFAULT
    if args.tune:
        best = (-1.0, params)
        for dw, th, eb in itertools.product([0.3, 0.4, 0.5, 0.6], [0.3, 0.35, 0.4, 0.45, 0.5], [1.0, 2.0, 3.0]):
            p = Params(dense_weight=dw, threshold=th, entity_boost=eb)
            f1 = min(bcubed(ours(sets[s], vecs_of(sets[s]), p), gold)[2] for s in TRAIN_DEV)
            if f1 > best[0]:
                best = (f1, p)
                print(f"  tune: min(train,dev) F1={f1:.3f} {p}")
        params = best[1]
    for name, sub in sets.items():
        if name == "train+dev":
            continue
        t0 = time.perf_counter()
        pred = ours(sub, vecs_of(sub), params)
        dt = time.perf_counter() - t0
        print(fmt(f"storydesk  {name}", bcubed(pred, gold), len(sub)) + f"  stories={len(pred)} ({dt:.1f}s)")
        print(fmt(f"baseline   {name}", bcubed(baseline(sub, base_t), gold), len(sub)))


if __name__ == "__main__":
    main()
