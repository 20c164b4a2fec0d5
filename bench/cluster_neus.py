"""NeuS stories, undated: do three outlets' short excerpts of one story form one story?

Run: .venv/bin/python bench/cluster_neus.py [--split val|train] [--limit N] [--fresh]
Each line of neus/{split}.source is one story: three excerpts (``TITLE=> ... ARTICLE=> ...``) joined
by `` [SEP] ``, with no date and no outlet. Each excerpt becomes a JSON record (title, text, an
outlet name by its place on the line) and the whole set goes through the product's own path
(ingest, analyze, cluster: what ``storydesk analyze`` runs). B-cubed P/R/F1 over excerpts against
the story lines, beside a TF-IDF average-linkage baseline at the threshold tuned on ECB+ train+dev.
Rejected excerpts count as stories of their own.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cluster_common import BENCH, bcubed, fmt, product_stories  # noqa: E402

from storydesk.models import Article  # noqa: E402

BASELINE_THRESHOLD = 0.825  # cluster_ecb.py's baseline threshold tuned on ECB+ train+dev
_EXCERPT = re.compile(r"TITLE=>\s*(?P<title>.*?)\s*ARTICLE=>\s*(?P<text>.*)", re.S)


def load(split: str, limit: int | None = None) -> tuple[list[dict], dict[str, str]]:
    """JSON records of the excerpts and the gold story of each."""
    records, gold = [], {}
    lines = (BENCH / "neus" / f"{split}.source").read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines[:limit]):
        for k, part in enumerate(line.split(" [SEP] ")):
            found = _EXCERPT.match(part.strip())
            if not found:
                continue
            rid = f"{split}{n:04d}-{k}"
            records.append(
                {
                    "id": rid,
                    "source": f"outlet-{k}",
                    "title": found["title"].strip(),
                    "text": found["text"].strip(),
                }
            )
            gold[rid] = str(n)
    return records, gold


def main() -> None:
    from cluster_ecb import baseline

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--split", default="val", choices=["val", "train"])
    ap.add_argument("--limit", type=int, help="only the first N stories")
    ap.add_argument(
        "--fresh", action="store_true", help="ingest and analyse again instead of the cached database"
    )
    args = ap.parse_args()
    records, gold = load(args.split, args.limit)
    t0 = time.perf_counter()
    pred, rejected = product_stories(records, f"neus-{args.split}", fresh=args.fresh)
    dt = time.perf_counter() - t0
    print(
        fmt(f"storydesk  neus {args.split}, undated", bcubed(pred, gold), len(records))
        + f"  stories={len(pred)} gold={len(set(gold.values()))} rejected={len(rejected)} ({dt:.1f}s)"
    )
    arts = [Article(id=r["id"], text=r["text"], source=r["source"], title=r["title"]) for r in records]
    print(
        fmt(
            f"baseline   neus {args.split}, undated",
            bcubed(baseline(arts, BASELINE_THRESHOLD), gold),
            len(arts),
        )
    )


if __name__ == "__main__":
    main()
