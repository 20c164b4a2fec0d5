"""AllSides stories: do the left, centre and right outlets' excerpts of one story form one story?

Run: .venv/bin/python bench/cluster_allsides.py [--fresh]
The first line is the product's own path (ingest, analyze, cluster: what `storydesk analyze` runs;
``--fresh`` ingests and analyses again instead of the cached database); then the in-memory clusterer.
506 story pages (neus/allsides_stories.jsonl); each side's excerpt is an article with the outlet as
source and the story's date as published date. B-cubed P/R/F1 over articles, beside the TF-IDF
average-linkage baseline with the threshold tuned on ECB+ train/dev (not on this set).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cluster_common import BENCH, bcubed, cached_vectors, fmt, product_stories, read_jsonl  # noqa: E402

from storydesk.cluster import DEFAULT, cluster_features, features_of  # noqa: E402
from storydesk.cluster.copies import find_copies  # noqa: E402
from storydesk.models import Article  # noqa: E402

BASELINE_THRESHOLD = 0.825  # cluster_ecb.py's baseline threshold tuned on ECB+ train+dev


def load() -> tuple[list[Article], dict[str, str]]:
    arts, gold = [], {}
    for r in read_jsonl(BENCH / "neus" / "allsides_stories.jsonl"):
        for side, n in sorted(r["news"].items()):
            aid = f"{r['id']}-{side}"
            arts.append(
                Article(
                    id=aid,
                    text="\n".join(n.get("newBody") or []),
                    source=n.get("newsSource") or "",
                    title=n.get("newsTitle"),
                    published=r["date"][:10],
                    url=n.get("newsLink"),
                )
            )
            gold[aid] = str(r["id"])
    return arts, gold


def main() -> None:
    from cluster_ecb import baseline

    arts, gold = load()
    records = [
        {
            "id": a.id,
            "text": a.text,
            "source": a.source,
            "title": a.title,
            "published": a.published,
            "url": a.url,
        }
        for a in arts
    ]
    t0 = time.perf_counter()
    pred_p, rejected = product_stories(records, "allsides", fresh="--fresh" in sys.argv)
    print(
        fmt("storydesk  allsides, product path", bcubed(pred_p, gold), len(arts))
        + f"  stories={len(pred_p)} rejected={len(rejected)} ({time.perf_counter() - t0:.0f}s)"
    )
    t0 = time.perf_counter()
    feats = features_of(arts, None, DEFAULT)
    vecs = cached_vectors([f.embed_text for f in feats], "allsides")
    print(f"embeddings: {len(arts)} texts in {time.perf_counter() - t0:.1f}s (cached after the first run)")
    t0 = time.perf_counter()
    cl = cluster_features(feats, vecs, find_copies(arts), DEFAULT)
    pred = [m for m in cl.members if m]
    dt = time.perf_counter() - t0
    print(
        fmt("storydesk  allsides", bcubed(pred, gold), len(arts))
        + f"  stories={len(pred)} gold=506 ({dt:.1f}s)"
    )
    undated = [Article(**{**a.__dict__, "published": None}) for a in arts]
    fu = features_of(undated, None, DEFAULT)
    pred_u = [m for m in cluster_features(fu, vecs, find_copies(undated), DEFAULT).members if m]
    print(
        fmt("storydesk  allsides, dates hidden", bcubed(pred_u, gold), len(arts)) + f"  stories={len(pred_u)}"
    )
    print(fmt("baseline   allsides", bcubed(baseline(arts, BASELINE_THRESHOLD), gold), len(arts)))


if __name__ == "__main__":
    main()
