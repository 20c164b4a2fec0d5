"""`storydesk compare` on labelled claim pairs, beside simple baselines, and its speed.

    .venv/bin/python bench/compare_pairs.py              # ClaimDiff and MRPC train, through api.compare
    .venv/bin/python bench/compare_pairs.py --limit 500  # a quicker look

The judgement is trained on these train splits (bench/judge_train.py), so the figures here are
in-sample; bench/judge_train.py prints the 5-fold cross-validated ones, grouped by story. The
baselines get their cut chosen on the same pairs, which favours them. Speed is pairs/s through
api.compare, beside the embedding model alone on the same texts in the same process (the limit).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from cluster_common import BENCH, read_jsonl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from storydesk import api  # noqa: E402
from storydesk.embed import encode  # noqa: E402

SETS = ("claimdiff", "mrpc")


def load(name: str, limit: int | None) -> tuple[list[dict], list[str]]:
    gold = {g["id"]: g["relation"] for g in read_jsonl(BENCH / name / "gold.jsonl")}
    pairs = read_jsonl(BENCH / name / "pairs.jsonl")[:limit]
    return pairs, [gold[p["id"]] for p in pairs]


def prf(pred: list[str], gold: list[str], label: str) -> tuple[float, float, float]:
    tp = sum(p == g == label for p, g in zip(pred, gold, strict=True))
    called, real = sum(p == label for p in pred), sum(g == label for g in gold)
    precision = tp / called if called else 0.0
    recall = tp / real if real else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def macro(pred: list[str], gold: list[str]) -> float:
    labels = sorted(set(gold))
    return sum(prf(pred, gold, label)[2] for label in labels) / len(labels)


def best_cut(scores: np.ndarray, gold: list[str]) -> list[str]:
    """corroborates above the cosine cut that maximises corroborates F1 on these pairs, else related."""
    best: tuple[float, list[str]] = (-1.0, [])
    for cut in np.quantile(scores, np.linspace(0.0, 0.98, 50)):
        pred = ["corroborates" if s >= cut else "related" for s in scores]
        f1 = prf(pred, gold, "corroborates")[2]
        if f1 > best[0]:
            best = (f1, pred)
    return best[1]


def tfidf_scores(pairs: list[dict]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit(
        [t for p in pairs for t in (p["a"], p["b"])]
    )
    a, b = vec.transform([p["a"] for p in pairs]), vec.transform([p["b"] for p in pairs])
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def line(name: str, pred: list[str], gold: list[str]) -> str:
    c, d = prf(pred, gold, "corroborates"), prf(pred, gold, "disputes")
    disputes = f"{d[0]:.3f} / {d[1]:.3f} / {d[2]:.3f}" if "disputes" in gold else "–"
    return f"  {name:<22} {c[0]:.3f} / {c[1]:.3f} / {c[2]:.3f}    {disputes:<24} {macro(pred, gold):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N pairs of each set")
    args = parser.parse_args()
    if not BENCH.is_dir():
        sys.exit(f"{BENCH} is not here: nothing to measure")
    api.compare([{"id": "warm", "a": "A warm-up sentence.", "b": "Another one."}])
    for name in SETS:
        pairs, gold = load(name, args.limit)
        started = time.perf_counter()
        results = api.compare(pairs)
        took = time.perf_counter() - started
        texts = list(
            dict.fromkeys(t for p in pairs for t in (p["a"], p["b"], p.get("a_title"), p.get("b_title")) if t)
        )
        started = time.perf_counter()
        vectors = dict(zip(texts, encode(texts), strict=True))
        limit = time.perf_counter() - started
        pred = [r.relation for r in results]
        cosine = np.array([float(vectors[p["a"]] @ vectors[p["b"]]) for p in pairs])
        print(f"\n{name} train, {len(pairs)} pairs (in-sample: the judgement was trained on them)")
        print(f"  {'system':<22} {'corroborates P / R / F1':<26} {'disputes P / R / F1':<24} macro-F1")
        print(line("storydesk compare", pred, gold))
        print(line("always corroborates", ["corroborates"] * len(pairs), gold))
        print(line("MiniLM cosine cut", best_cut(cosine, gold), gold))
        print(line("TF-IDF cosine cut", best_cut(tfidf_scores(pairs), gold), gold))
        print(
            f"  speed: {len(pairs) / took:.0f} pairs/s through api.compare; the embedding model alone on "
            f"the same {len(texts)} texts: {len(pairs) / limit:.0f} pairs/s (ratio {took / limit:.2f})"
        )


if __name__ == "__main__":
    main()
