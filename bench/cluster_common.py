"""Shared helpers of the clustering benchmarks: B-cubed scores, cached embeddings, data loading."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"
CACHE = Path("/tmp/storydesk-bench-cache")


def bcubed(pred: Sequence[Sequence[str]], gold: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 over the items of ``gold`` (each item in one predicted cluster)."""
    cluster_of = {i: n for n, c in enumerate(pred) for i in c}
    items = [i for i in gold if i in cluster_of]
    pair = Counter((cluster_of[i], gold[i]) for i in items)
    size_p = Counter(cluster_of[i] for i in items)
    size_g = Counter(gold[i] for i in items)
    p = sum(pair[(cluster_of[i], gold[i])] / size_p[cluster_of[i]] for i in items) / len(items)
    r = sum(pair[(cluster_of[i], gold[i])] / size_g[gold[i]] for i in items) / len(items)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def cached_vectors(texts: Sequence[str], name: str) -> np.ndarray:
    """Embeddings of ``texts``, cached on disk by content (re-running a bench does not re-embed)."""
    from storydesk.embed import encode

    key = hashlib.sha1("\x00".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.npy"
    if path.exists():
        return np.load(path)
    vecs = encode(list(texts))
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs)
    return vecs


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def fmt(name: str, prf: tuple[float, float, float], n: int) -> str:
    return f"{name:<48} n={n:<5} B3 P={prf[0]:.3f} R={prf[1]:.3f} F1={prf[2]:.3f}"
