"""Embedding throughput: texts/s of storydesk.embed.encode on 1,000 ECB+ leads (title + lead, as clustered).

Run: .venv/bin/python bench/embed_speed.py [--batch N ...]
The machine is shared: figures are noisy; the lead re-measures at the end.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cluster_common import BENCH, read_jsonl  # noqa: E402

from storydesk import embed  # noqa: E402
from storydesk.cluster.features import article_features  # noqa: E402
from storydesk.models import Article  # noqa: E402


def leads(n: int = 1000) -> list[str]:
    recs = read_jsonl(BENCH / "ecbplus" / "articles.jsonl")
    arts = [Article(id=r["id"], text=r["text"], source=r["source"] or "", title=r["title"]) for r in recs]
    texts = [article_features(a).embed_text for a in arts]
    return (texts * (n // len(texts) + 1))[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--batch", type=int, nargs="*", default=[embed.BATCH])
    args = ap.parse_args()
    texts = leads()
    tok, _, _ = embed._model()
    lens = np.array([sum(e.attention_mask) for e in tok.encode_batch(texts)])  # real tokens, not padding
    print(
        f"texts: {len(texts)}, tokens per text (capped at {embed.MAX_TOKENS}): mean {lens.mean():.0f}, "
        f"max {lens.max()}"
    )
    embed.encode(texts[:64])  # warm-up
    ref = None
    for b in args.batch:
        t0 = time.perf_counter()
        vecs = embed.encode(texts, batch_size=b)
        dt = time.perf_counter() - t0
        ref = vecs if ref is None else ref
        drift = float(np.abs(vecs - ref).max())
        print(
            f"encode batch={b}: {len(texts) / dt:.1f} texts/s ({dt:.1f}s; max diff to first run {drift:.1e})"
        )


if __name__ == "__main__":
    main()
