"""ECB+ cross-document entities: B-cubed P/R/F1 of storydesk.reconcile.entities over gold named mentions.

Run: .venv/bin/python bench/reconcile_entities_ecb.py [--topics 36,37] [--cache /tmp/ecb_analyses.db]

Articles of the test topics (36-45) are analysed with storydesk.analyze, grouped into stories by their
GOLD event cluster (not by storydesk.cluster, so entity resolution is measured alone), and each story's
mentions are resolved into entities. Scored on the validated gold mentions: a gold mention takes the
entity of the system mention that overlaps it most; unmatched gold mentions count as singletons.
A same-spelling baseline (one entity per folded spelling per story) is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storydesk.models import Analysis, Article  # noqa: E402
from storydesk.reconcile.common import Context  # noqa: E402
from storydesk.reconcile.entities import NAMED, norm_name, resolve_entities  # noqa: E402

ECB = ROOT.parent / "shared" / "bench" / "ecbplus"
TEST_TOPICS = tuple(range(36, 46))


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load(topics: tuple[int, ...]) -> tuple[list[Article], dict[str, str], list[dict]]:
    clusters = {r["id"]: r for r in read_jsonl(ECB / "gold_clusters.jsonl")}
    arts = [
        Article(id=r["id"], text=r["text"], source=r["source"] or r["id"], title=r["title"], url=r["url"])
        for r in read_jsonl(ECB / "articles.jsonl")
        if clusters[r["id"]]["topic"] in topics
    ]
    event = {a.id: clusters[a.id]["cluster"] for a in arts}
    gold = [g for g in read_jsonl(ECB / "gold_entities.jsonl") if g["id"] in event and g["validated"]]
    return sorted(arts, key=lambda a: a.id), event, gold


def analyse(arts: list[Article], cache: Path | None = None) -> dict[str, Analysis]:
    """Analyses of the articles; with ``cache`` (an SQLite store), ones already made are read back."""
    from storydesk.analyze import ANALYSIS_VERSION, analyze_articles
    from storydesk.ids import article_hash

    if cache is None:
        return {an.article_id: an for an in analyze_articles(arts, n_process=1)}
    from storydesk.store import Store

    with Store(cache) as store:
        state = store.analysis_state()
        todo = [a for a in arts if state.get(a.id) != (article_hash(a), ANALYSIS_VERSION)]
        if todo:
            store.upsert_articles(todo)
            for an in analyze_articles(todo, n_process=1):
                art = next(a for a in todo if a.id == an.article_id)
                store.save_analysis(an, article_hash(art), ANALYSIS_VERSION)
        return {a.id: store.load_analysis(a.id) for a in arts}


def system_entities(
    arts: list[Article], analyses: dict[str, Analysis], event: dict[str, str], baseline: bool = False
) -> dict[tuple[str, int, int], str]:
    """(article, start, end) of each system mention -> cross-document entity id (story-scoped)."""
    by_event: dict[str, list[Article]] = defaultdict(list)
    for a in arts:
        by_event[event[a.id]].append(a)
    out: dict[tuple[str, int, int], str] = {}
    for ev, group in sorted(by_event.items()):
        if baseline:
            for a in group:
                for m in analyses[a.id].mentions:
                    if m.label in NAMED:
                        out[(a.id, m.start, m.end)] = f"{ev}/{norm_name(m.text)}"
            continue
        ctx = Context(group, {a.id: analyses[a.id] for a in group})
        for key, eid in resolve_entities(ctx).of_mention.items():
            out[key] = f"{ev}/{eid}"
    return out


def bcubed(gold: list[dict], system: dict[tuple[str, int, int], str]) -> tuple[float, float, float]:
    """B-cubed over the gold mentions; each takes the system entity of its most-overlapping mention."""
    spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for (aid, s, e), eid in system.items():
        spans[aid].append((s, e, eid))
    sys_of, gold_of = [], []
    for i, g in enumerate(gold):
        best, best_len = f"singleton-{i}", 0
        for s, e, eid in spans.get(g["id"], []):
            overlap = min(e, g["end"]) - max(s, g["start"])
            if overlap > best_len:
                best, best_len = eid, overlap
        sys_of.append(best)
        gold_of.append(g["chain"])
    by_sys: dict[str, set[int]] = defaultdict(set)
    by_gold: dict[str, set[int]] = defaultdict(set)
    for i in range(len(gold)):
        by_sys[sys_of[i]].add(i)
        by_gold[gold_of[i]].add(i)
    p = sum(len(by_sys[sys_of[i]] & by_gold[gold_of[i]]) / len(by_sys[sys_of[i]]) for i in range(len(gold)))
    r = sum(len(by_sys[sys_of[i]] & by_gold[gold_of[i]]) / len(by_gold[gold_of[i]]) for i in range(len(gold)))
    p, r = p / len(gold), r / len(gold)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(topics: tuple[int, ...] = TEST_TOPICS, cache: Path | None = None) -> dict:
    arts, event, gold = load(topics)
    t = time.perf_counter()
    analyses = analyse(arts, cache)
    t_analyse = time.perf_counter() - t
    t = time.perf_counter()
    ours = bcubed(gold, system_entities(arts, analyses, event))
    t_resolve = time.perf_counter() - t
    base = bcubed(gold, system_entities(arts, analyses, event, baseline=True))
    return {
        "articles": len(arts),
        "stories": len(set(event.values())),
        "gold_mentions": len(gold),
        "ours": ours,
        "same_spelling": base,
        "analyse_s": t_analyse,
        "resolve_s": t_resolve,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--topics", default=",".join(map(str, TEST_TOPICS)), help="comma-separated topic numbers")
    ap.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="SQLite file keeping analyses between runs (default: analyse every time)",
    )
    args = ap.parse_args()
    topics = tuple(int(t) for t in args.topics.split(","))
    res = evaluate(topics, args.cache)
    print(
        f"ECB+ topics {topics[0]}-{topics[-1]}: {res['articles']} articles, {res['stories']} stories "
        f"(grouped by gold event), {res['gold_mentions']} validated gold named mentions"
    )
    for name in ("ours", "same_spelling"):
        p, r, f = res[name]
        print(f"{name:14s} B3 P={p:.3f} R={r:.3f} F1={f:.3f}")
    print(
        f"analysis {res['analyse_s']:.1f}s, entity resolution {res['resolve_s']:.2f}s (noisy: shared machine)"
    )


if __name__ == "__main__":
    main()
