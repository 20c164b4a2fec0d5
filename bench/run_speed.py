"""Bench: the whole `storydesk analyze` (api.run) against spaCy's small pipeline alone, on the same texts.

Issue 10's target: the whole run within 1.25x of spaCy alone (nlp.pipe, the same process count), timed in one
script so that both meet the same machine load. Sets: the 210 ECB+ test articles and the first N PolNeAR
train articles. Each run starts on a fresh database (nothing cached); the model loads are timed apart.

Also printed, per set:
- the embedding inside the run (every text ``embed`` encoded, for clustering and the dossiers): texts/s,
  against the ONNX model alone on the same texts in one call at its best batch size (the limit);
- a second run after the last tenth of the articles arrives (the stories it joins are clustered and
  rebuilt), with the store's sentence vectors kept, and again with them deleted first.

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


class EmbedLog:
    """Every text the product encodes during a run, with the time the model took (wraps embed._encode_all)."""

    def __init__(self) -> None:
        from storydesk import embed

        self.texts: list[str] = []
        self.seconds = 0.0
        self._inner = embed._encode_all
        embed._encode_all = self._encode_all

    def _encode_all(self, texts, batch_size):
        started = time.perf_counter()
        try:
            return self._inner(texts, batch_size)
        finally:
            self.seconds += time.perf_counter() - started
            self.texts += list(texts)

    def close(self) -> None:
        from storydesk import embed

        embed._encode_all = self._inner


def run_into(records: list[dict], folder: Path, name: str) -> float:
    """Seconds for api.run (ingest, analyze, cluster, reconcile, report) of records into folder's store."""
    from storydesk import api

    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    t0 = time.perf_counter()
    api.run([str(path)], folder / "out", progress=False)
    return time.perf_counter() - t0


def whole_run(records: list[dict]) -> float:
    """Seconds for api.run on a fresh database."""
    with tempfile.TemporaryDirectory() as tmp:
        return run_into(records, Path(tmp), "records")


def best_batch(texts: list[str]) -> tuple[int, float]:
    """(batch size, texts/s) of the ONNX model alone over the texts in one call, at its best batch size."""
    from storydesk import embed

    rates = {}
    for size in (8, 16, 32, 64):
        started = time.perf_counter()
        embed._encode_all(texts, size)
        rates[size] = len(texts) / (time.perf_counter() - started)
    size = max(rates, key=rates.__getitem__)
    return size, rates[size]


def later_tenth(records: list[dict], keep_vectors: bool) -> tuple[float, float, int]:
    """(seconds of a second run that adds the last tenth, of spaCy alone on that tenth's texts, texts the
    second run encoded)."""
    import sqlite3

    cut = len(records) - max(1, len(records) // 10)
    with tempfile.TemporaryDirectory() as tmp:
        run_into(records[:cut], Path(tmp), "first")
        if not keep_vectors:
            with sqlite3.connect(Path(tmp) / "out" / "storydesk.db") as conn:
                conn.execute("DELETE FROM text_vectors")
        log = EmbedLog()
        try:
            again = run_into(records[cut:], Path(tmp), "later")
        finally:
            log.close()
    return again, spacy_alone([r["text"] for r in records[cut:]], 1), len(log.texts)


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
        log = EmbedLog()
        run = whole_run(records)
        log.close()
        print(
            f"{name:<8} n={len(records):<4} spaCy alone {alone:6.1f}s  storydesk analyze {run:6.1f}s  "
            f"ratio {run / alone:.2f} (target <= 1.25)"
        )
        size, limit = best_batch(log.texts)
        print(
            f"{'':<8} embedding in the run: {len(log.texts)} texts in {log.seconds:.1f}s, "
            f"{len(log.texts) / log.seconds:.0f} texts/s; the model alone on them, one call, best batch "
            f"{size}: {limit:.0f} texts/s (ratio {limit * log.seconds / len(log.texts):.2f})"
        )
        for keep in (True, False):
            again, tenth_alone, encoded = later_tenth(records, keep)
            print(
                f"{'':<8} last tenth added in a second run, vectors {'kept' if keep else 'deleted'}: "
                f"{again:.1f}s, {encoded} texts encoded (spaCy alone on the tenth, 1 process: "
                f"{tenth_alone:.1f}s)"
            )


if __name__ == "__main__":
    main()
