"""Bench: the whole `storydesk analyze` (api.run) against spaCy's small pipeline alone, on the same texts.

Issue 10's target: the whole run within 1.25x of spaCy alone (nlp.pipe, the same process count), timed in one
script so that both meet the same machine load. Sets: the 210 ECB+ test articles and the first N PolNeAR
train articles. Each run starts on a fresh database (nothing cached); the model loads are timed apart.

    .venv/bin/python bench/run_speed.py [--n 200] [--processes 2] [--only ecb|polnear]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cluster_common import BENCH, read_jsonl  # noqa: E402


def ecb_records() -> list[dict]:
    return [
        {"id": r["id"], "text": r["text"], "source": r["source"] or "", "title": r["title"]}
        for r in read_jsonl(BENCH / "ecbplus" / "articles.jsonl")
        if r["split"] == "test"
    ]


def polnear_records(n: int) -> list[dict]:
    paths = sorted((BENCH / "polnear" / "train" / "text").glob("*.txt"))[:n]
    return [{"id": p.stem, "text": p.read_text(encoding="utf-8"), "source": "bench"} for p in paths]


def spacy_alone(texts: list[str], processes: int) -> float:
    """Seconds for spaCy's own pipeline over the texts (model already loaded)."""
    import spacy

    from storydesk.analyze.pipeline import BATCH_SIZE, MODEL

    nlp = spacy.load(MODEL)
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, n_process=processes, batch_size=BATCH_SIZE):
        pass
    return time.perf_counter() - t0


def whole_run(records: list[dict]) -> float:
    """Seconds for api.run (ingest, analyze, cluster, reconcile, report) on a fresh database."""
    from storydesk import api

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        t0 = time.perf_counter()
        api.run([str(path)], Path(tmp) / "out", progress=False)
        return time.perf_counter() - t0


def warm_models() -> float:
    """Load spaCy and the embedding model once, so neither timing below pays for a load."""
    from storydesk.analyze.pipeline import get_nlp
    from storydesk.embed import encode

    t0 = time.perf_counter()
    get_nlp()
    encode(["warm up"])
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="PolNeAR articles")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--only", choices=["ecb", "polnear"])
    args = ap.parse_args()
    print(f"model loads: {warm_models():.1f}s (not counted below)")
    sets = {"ecb": ecb_records, "polnear": lambda: polnear_records(args.n)}
    for name, load in sets.items():
        if args.only and name != args.only:
            continue
        records = load()
        alone = spacy_alone([r["text"] for r in records], args.processes)
        run = whole_run(records)
        print(
            f"{name:<8} n={len(records):<4} spaCy alone {alone:6.1f}s  storydesk analyze {run:6.1f}s  "
            f"ratio {run / alone:.2f} (target <= 1.25)"
        )


if __name__ == "__main__":
    main()
