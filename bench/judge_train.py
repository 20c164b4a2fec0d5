"""Train the alignment judgement (storydesk/reconcile/judge_weights.json); print its cross-validated figures.

    .venv/bin/python bench/judge_train.py            # cross-validate, print figures, write the weights
    .venv/bin/python bench/judge_train.py --no-write # figures only

Training pairs, all from ../shared/bench train splits:
- ClaimDiff (corroborates / disputes / related), grouped by story;
- MRPC (corroborates / related);
- ECB+ train topics: sentences of two documents that share an event chain (corroborates) or are both
  annotated without sharing one (related);
- unrelated: an ``a`` paired with a ``b`` from another story of the same set;
- NeuS train: a headline against the other two outlets' excerpts, as one article, of its story (related) or
  of the next story (unrelated).
Figures are 5-fold cross-validated with folds grouped by story, so a story's pairs are never both
trained and scored. The weights written are fitted on all of it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from cluster_common import BENCH, cached_vectors, read_jsonl
from compare_pairs import macro, prf
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from storydesk.reconcile.judge import FEATURES, RELATIONS, WEIGHTS, Judge, Pair, featurize  # noqa: E402

SEED = 13
ECB_PAIRS_PER_TOPIC = 120
# The dossier joins two sentences into one claim at this P(corroborates) (claims.align asks for a
# close embedding, a shared number or quotation besides), and compare says corroborates from it. Chosen
# through the product on ECB+ train at first (bench/claims_ecb.py: 0.6 P 0.942 R 0.134, 0.7 P 0.949
# R 0.095, 0.81 P 0.980 R 0.049) and by reading the seed dossier's joins at 0.55 / 0.65 / 0.81 (0.65).
# Lowered to 0.5 later (ECB+ dev P 0.942 R 0.129 -> P 0.946 R 0.187), the seed dossier read again: 15
# corroborated claims, 10 right, 3 with one member saying something else, 2 wrong (14 at 0.65: 9 / 3 / 2).
# Lowering claims.CLOSE as well (0.45 here, 0.55 there: dev R 0.243) joined two facts of one event
# often enough to be seen (27 corroborated seed claims, 8 of them wrong), so it was not kept.
SAME_CLAIM = 0.5


def claimdiff() -> list[dict]:
    gold = {g["id"]: g["relation"] for g in read_jsonl(BENCH / "claimdiff" / "gold.jsonl")}
    return [
        dict(p, relation=gold[p["id"]], set="claimdiff", group="cd:" + p["topic"])
        for p in read_jsonl(BENCH / "claimdiff" / "pairs.jsonl")
    ]


def mrpc() -> list[dict]:
    gold = {g["id"]: g["relation"] for g in read_jsonl(BENCH / "mrpc" / "gold.jsonl")}
    rows = read_jsonl(BENCH / "mrpc" / "pairs.jsonl")
    return [dict(p, relation=gold[p["id"]], set="mrpc", group=f"mrpc:{k % 50}") for k, p in enumerate(rows)]


def ecb(split: str) -> list[dict]:
    """Cross-document sentence pairs of ECB+ topics: a shared chain is the same event."""
    rng = random.Random(SEED)
    sentences: dict[tuple[str, int], dict] = {}
    for row in read_jsonl(BENCH / "ecbplus" / "gold_events.jsonl"):
        if row["split"] != split:
            continue
        key = (row["doc"], row["sentence"])
        entry = sentences.setdefault(key, {"text": row["text"], "topic": row["topic"], "chains": set()})
        if row["chain"]:
            entry["chains"].add(row["chain"])
    by_topic: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for key, entry in sentences.items():
        by_topic[entry["topic"]].append(key)
    out = []
    for topic, keys in sorted(by_topic.items()):
        same, other = [], []
        for i, x in enumerate(keys):
            for y in keys[i + 1 :]:
                if x[0] == y[0]:
                    continue
                shared = sentences[x]["chains"] & sentences[y]["chains"]
                (same if shared else other).append((x, y))
        for label, pool in (("corroborates", same), ("related", other)):
            for x, y in rng.sample(pool, min(len(pool), ECB_PAIRS_PER_TOPIC // 2)):
                out.append(
                    {
                        "id": f"ecb:{x}:{y}",
                        "a": sentences[x]["text"],
                        "b": sentences[y]["text"],
                        "relation": label,
                        "set": "ecb",
                        "group": f"ecb:{topic}",
                    }
                )
    return out


def headlines(n_stories: int) -> list[dict]:
    """NeuS train: one outlet's headline against the two other outlets' excerpts of the same story, read as
    one article (related), or of the next story (unrelated), so that b as an article is learned too."""
    rng = random.Random(SEED + 2)
    stories = []
    for line in (BENCH / "neus" / "train.source").read_text(encoding="utf-8").splitlines():
        sides = [part.replace("TITLE=> ", "").partition(" ARTICLE=> ") for part in line.split(" [SEP] ")]
        if len(sides) == 3 and all(title.strip() and article.strip() for title, _, article in sides):
            stories.append([(title.strip(), article.strip()) for title, _, article in sides])
    out = []
    for k in rng.sample(range(len(stories)), min(n_stories, len(stories))):
        title = stories[k][0][0]
        for label, story in (("related", stories[k]), ("unrelated", stories[(k + 1) % len(stories)])):
            article = "\n\n".join(text for _title, text in story[1:])
            out.append(
                {
                    "id": f"neus:{k}:{label}",
                    "a": title,
                    "b": article,
                    "relation": label,
                    "set": "neus",
                    "group": f"neus:{k}",
                }
            )
    return out


def unrelated(rows: list[dict], n: int) -> list[dict]:
    """a paired with the b of a pair from another story."""
    rng = random.Random(SEED + 1)
    out = []
    for k in range(n):
        x, y = rng.sample(rows, 2)
        if x["group"] == y["group"]:
            continue
        out.append(
            {
                "id": f"unrel:{k}",
                "a": x["a"],
                "b": y["b"],
                "a_title": x.get("a_title"),
                "b_title": y.get("b_title"),
                "relation": "unrelated",
                "set": x["set"] + "-unrelated",
                "group": x["group"],
            }
        )
    return out


def features(rows: list[dict]) -> np.ndarray:
    pairs = [Pair(r["a"], r["b"], r.get("a_title"), r.get("b_title")) for r in rows]
    # every text the features need (an article's sentences too), embedded once and cached on disk
    return featurize(pairs, encode=lambda texts: cached_vectors(list(texts), "judge"))


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> tuple[StandardScaler, LogisticRegression]:
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=0.3, max_iter=3000)
    model.fit(scaler.transform(x), y, sample_weight=weight)
    return scaler, model


def weights_of(scaler: StandardScaler, model: LogisticRegression, thresholds: dict[str, float]) -> dict:
    return {
        "features": list(FEATURES),
        "classes": [str(c) for c in model.classes_],
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "coef": model.coef_.tolist(),
        "intercept": model.intercept_.tolist(),
        "thresholds": thresholds,
    }


def weights_of_thresholds(thresholds: dict[str, float]) -> dict:
    """Weights that only carry thresholds (Judge.decide reads nothing else)."""
    return {
        "features": list(FEATURES),
        "classes": list(RELATIONS),
        "mean": [0.0],
        "scale": [1.0],
        "coef": [[0.0]],
        "intercept": [0.0],
        "thresholds": thresholds,
    }


def sample_weights(rows: list[dict]) -> np.ndarray:
    # each set counts about as much as the others, whatever its size; disputes are rare and matter most
    per_set = defaultdict(int)
    for r in rows:
        per_set[r["set"]] += 1
    w = np.array([1000.0 / per_set[r["set"]] for r in rows])
    w *= np.array([2.0 if r["relation"] == "disputes" else 1.0 for r in rows])
    return w


def cross_validate(rows: list[dict], x: np.ndarray) -> np.ndarray:
    """Out-of-fold class probabilities (RELATIONS order) for every row."""
    y = np.array([r["relation"] for r in rows])
    groups = np.array([r["group"] for r in rows])
    out = np.zeros((len(rows), len(RELATIONS)))
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        scaler, model = fit(x[train], y[train], sample_weights([rows[k] for k in train]))
        judge = Judge(weights_of(scaler, model, {}))
        out[test] = judge.probabilities(x[test])
    return out


def choose_thresholds(rows: list[dict], probs: np.ndarray) -> dict[str, float]:
    """The disputes cut that maximises ClaimDiff macro-F1 out of fold.

    A lower cut finds more disputes but takes them from corroborates: the F1 of disputes alone peaks
    at 0.25 (disputes 0.24, corroborates 0.75), macro-F1 at 0.30 (0.22 and 0.78).
    """
    cd = [k for k, r in enumerate(rows) if r["set"] == "claimdiff"]
    gold = [rows[k]["relation"] for k in cd]
    best = (0.0, 1.1)
    for cut in np.arange(0.15, 0.9, 0.01):
        judge = Judge(weights_of_thresholds({"disputes": float(cut), "same_claim": SAME_CLAIM}))
        pred = [v.relation for v in judge.decide(probs[cd])]
        score = macro(pred, gold)
        if score > best[0]:
            best = (score, float(round(cut, 2)))
    return {"disputes": best[1], "same_claim": SAME_CLAIM}


def cosine_baseline(rows: list[dict], x: np.ndarray, column: str) -> list[str]:
    """Cosine above a cut (chosen out of fold for corroborates F1) says corroborates, else related."""
    k = FEATURES.index(column)
    groups = np.array([r["group"] for r in rows])
    gold = np.array([r["relation"] for r in rows])
    pred = np.array(["related"] * len(rows), dtype=object)
    for train, test in GroupKFold(n_splits=5).split(x, gold, groups):
        cuts = np.quantile(x[train, k], np.linspace(0.02, 0.98, 49))
        scores = [
            prf(
                ["corroborates" if v >= c else "related" for v in x[train, k]],
                list(gold[train]),
                "corroborates",
            )[2]
            for c in cuts
        ]
        cut = cuts[int(np.argmax(scores))]
        pred[test] = np.where(x[test, k] >= cut, "corroborates", "related")
    return list(pred)


def tfidf_cosines(rows: list[dict]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit(
        [t for r in rows for t in (r["a"], r["b"])]
    )
    a, b = vec.transform([r["a"] for r in rows]), vec.transform([r["b"] for r in rows])
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def report(rows: list[dict], probs: np.ndarray, judge: Judge, x: np.ndarray) -> None:
    pred = [v.relation for v in judge.decide(probs)]
    tfidf = tfidf_cosines(rows)
    x_tfidf = x.copy()
    x_tfidf[:, FEATURES.index("cos_top")] = tfidf
    cos_pred = cosine_baseline(rows, x, "cos")
    tfidf_pred = cosine_baseline(rows, x_tfidf, "cos_top")
    for name in ("claimdiff", "mrpc", "ecb"):
        idx = [k for k, r in enumerate(rows) if r["set"] == name]
        gold = [rows[k]["relation"] for k in idx]
        print(f"\n{name} (n={len(idx)}, 5-fold grouped CV)")
        print(f"  {'system':<26} {'corroborates P/R/F1':<24} {'disputes P/R/F1':<24} macro-F1")
        systems = [
            ("storydesk judge", pred),
            ("always corroborates", ["corroborates"] * len(rows)),
            ("MiniLM cosine cut", cos_pred),
            ("TF-IDF cosine cut", tfidf_pred),
        ]
        for label, p_all in systems:
            p = [p_all[k] for k in idx]
            c = prf(p, gold, "corroborates")
            d = prf(p, gold, "disputes")
            dis = f"{d[0]:.3f}/{d[1]:.3f}/{d[2]:.3f}" if "disputes" in gold else "–"
            print(f"  {label:<26} {c[0]:.3f}/{c[1]:.3f}/{c[2]:.3f}      {dis:<24} {macro(p, gold):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-write", action="store_true", help="print the figures, keep the shipped weights")
    args = parser.parse_args()
    if not BENCH.is_dir():
        sys.exit(f"{BENCH} is not here: the labelled pairs are needed to train")
    started = time.time()
    base = claimdiff() + mrpc() + ecb("train")
    rows = (
        base
        + unrelated([r for r in base if r["set"] == "claimdiff"], 400)
        + unrelated([r for r in base if r["set"] == "mrpc"], 400)
        + headlines(800)
    )
    x = features(rows)
    print(f"{len(rows)} training pairs, {len(FEATURES)} features ({time.time() - started:.1f} s)")
    probs = cross_validate(rows, x)
    thresholds = choose_thresholds(rows, probs)
    print("thresholds chosen out of fold:", thresholds)
    y = np.array([r["relation"] for r in rows])
    scaler, model = fit(x, y, sample_weights(rows))
    weights = weights_of(scaler, model, thresholds)
    report(rows, probs, Judge(weights_of(scaler, model, thresholds) | {}), x)
    if not args.no_write:
        WEIGHTS.write_text(json.dumps(weights, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {WEIGHTS}")


if __name__ == "__main__":
    main()
