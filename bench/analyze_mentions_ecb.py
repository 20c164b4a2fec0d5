"""Bench: recall of ECB+ gold named mentions by the analyze stage's entity mentions.

Gold: validated rows of gold_entities.jsonl (named mentions of cross-document entity chains). A gold
mention is found (overlap) when one of our mentions overlaps it, (exact) when one has the same offsets.
Topics 36-45 are the test split; "all" is every topic.

    .venv/bin/python bench/analyze_mentions_ecb.py [--topics test|all|36,37] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conftest import BENCH  # noqa: E402
from storydesk.analyze import analyze_articles  # noqa: E402
from storydesk.models import Article  # noqa: E402

ECB = BENCH / "ecbplus"
TEST_TOPICS = set(range(36, 46))


def topic_of(doc_id: str) -> int:
    return int(doc_id.split("_", 1)[0])


def load(topics: set[int] | None, limit: int | None = None) -> tuple[list[Article], dict[str, list[dict]]]:
    gold: dict[str, list[dict]] = defaultdict(list)
    with open(ECB / "gold_entities.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("validated") and (topics is None or topic_of(row["id"]) in topics):
                gold[row["id"]].append(row)
    arts = []
    with open(ECB / "articles.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["id"] in gold:
                arts.append(
                    Article(
                        id=rec["id"],
                        text=rec["text"],
                        source=rec.get("source") or rec["id"],
                        title=rec.get("title"),
                    )
                )
    arts.sort(key=lambda a: a.id)
    arts = arts[:limit]
    return arts, {a.id: gold[a.id] for a in arts}


def evaluate(
    topics: set[int] | None, limit: int | None = None, n_process: int | None = None
) -> dict[str, float]:
    arts, gold = load(topics, limit)
    found = exact = total = 0
    by_type: Counter = Counter()
    by_type_found: Counter = Counter()
    for an in analyze_articles(arts, n_process=n_process):
        spans = [(m.start, m.end) for m in an.mentions]
        for g in gold[an.article_id]:
            total += 1
            by_type[g["type"]] += 1
            if any(s < g["end"] and g["start"] < e for s, e in spans):
                found += 1
                by_type_found[g["type"]] += 1
            if (g["start"], g["end"]) in spans:
                exact += 1
    out = {
        "articles": len(arts),
        "gold": total,
        "recall_overlap": found / total if total else 0.0,
        "recall_exact": exact / total if total else 0.0,
    }
    for t in sorted(by_type):
        out[f"recall_overlap[{t}]"] = by_type_found[t] / by_type[t]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--topics", default="both", help="test | all | both | comma-separated topic numbers")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    if args.topics == "both":
        runs = [("test topics 36-45", TEST_TOPICS), ("all topics", None)]
    elif args.topics == "test":
        runs = [("test topics 36-45", TEST_TOPICS)]
    elif args.topics == "all":
        runs = [("all topics", None)]
    else:
        runs = [(f"topics {args.topics}", {int(t) for t in args.topics.split(",")})]
    for name, topics in runs:
        res = evaluate(topics, args.limit)
        print(f"ECB+ {name}: {res['articles']} articles, {res['gold']} validated gold named mentions")
        print(f"  recall (overlap) {res['recall_overlap']:.3f}   recall (exact) {res['recall_exact']:.3f}")
        for k, v in res.items():
            if k.startswith("recall_overlap["):
                print(f"  {k} {v:.3f}")


if __name__ == "__main__":
    main()
