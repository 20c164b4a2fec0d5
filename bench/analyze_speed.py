"""Bench: words/s and articles/s of the whole analysis on 2 processes vs spaCy's small pipeline alone.

Same texts (the first N PolNeAR train articles), same process count; the machine is shared, so figures
are noisy: the overhead ratio is the figure to watch (budget: at most 30% over spaCy alone).

    .venv/bin/python bench/analyze_speed.py [--n 200] [--processes 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402

from conftest import BENCH  # noqa: E402
from storydesk.analyze import analyze_articles  # noqa: E402
from storydesk.analyze.pipeline import BATCH_SIZE, MODEL, get_nlp  # noqa: E402
from storydesk.models import Article  # noqa: E402


def corpus(n: int) -> list[Article]:
    paths = sorted((BENCH / "polnear" / "train" / "text").glob("*.txt"))[:n]
    return [
        Article(id=p.stem, text=p.read_text(encoding="utf-8"), source="bench", published=p.stem.split("_")[1])
        for p in paths
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    arts = corpus(args.n)
    words = sum(len(a.text.split()) for a in arts)
    base = spacy.load(MODEL)
    get_nlp()  # load outside the timing, like spaCy alone above
    t0 = time.perf_counter()
    for _ in base.pipe((a.text for a in arts), n_process=args.processes, batch_size=BATCH_SIZE):
        pass
    t_spacy = time.perf_counter() - t0
    t0 = time.perf_counter()
    n = sum(1 for _ in analyze_articles(arts, n_process=args.processes))
    t_ours = time.perf_counter() - t0
    print(f"{len(arts)} articles, {words} words, {args.processes} processes")
    print(f"spaCy {MODEL} alone: {words / t_spacy:,.0f} words/s  {len(arts) / t_spacy:.1f} articles/s")
    print(f"storydesk analysis:  {words / t_ours:,.0f} words/s  {n / t_ours:.1f} articles/s")
    print(f"overhead over spaCy alone: {100 * (t_ours / t_spacy - 1):+.0f}%")
    # CPU time in one process is steadier than wall time on a shared machine
    c0 = time.process_time()
    for _ in base.pipe((a.text for a in arts), batch_size=BATCH_SIZE):
        pass
    c_spacy = time.process_time() - c0
    c0 = time.process_time()
    for _ in analyze_articles(arts, n_process=1):
        pass
    c_ours = time.process_time() - c0
    print(
        f"one process, CPU time: spaCy alone {words / c_spacy:,.0f} words/s, "
        f"storydesk {words / c_ours:,.0f} words/s, "
        f"overhead {100 * (c_ours / c_spacy - 1):+.0f}%"
    )


if __name__ == "__main__":
    main()
