"""Speed and scale of story clustering: articles/s and peak memory at 10,000 and 100,000 articles.

Run: .venv/bin/python bench/cluster_scale.py [--n 10000 100000] [--embed-sample 1000]
The corpus is ECB+ and PolNeAR records repeated with perturbed text (words dropped and swapped) and
dates shifted by 20 days per repetition (beyond the 14-day window: each repetition is another event).
Embedding is measured on a sample of real texts and reported apart: embedding 100,000 texts with MiniLM
on 2 cores would take about an hour, so the clustering runs use each record's real embedding plus small
noise (cheaply perturbed vectors), and say so.
Each size runs in its own process so that the peak memory (ru_maxrss) is that size's. Articles are fed
in slices of 5,000 to one clustering state and one copy index (as successive runs of cluster_store
would be); the rate of the first and last slices shows whether the cost per article stays flat.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cluster_common import BENCH, cached_vectors, read_jsonl  # noqa: E402

from storydesk.cluster import DEFAULT, Clusterer, features_of  # noqa: E402
from storydesk.cluster.copies import CopyIndex, link_copies  # noqa: E402
from storydesk.models import Article  # noqa: E402

SLICE = 5000


def base_records() -> list[Article]:
    out = []
    for r in read_jsonl(BENCH / "ecbplus" / "articles.jsonl"):
        out.append(
            Article(
                id=r["id"],
                text=r["text"],
                source=r["source"] or "ecb",
                title=r["title"],
                published=f"2013-{1 + int(r['id'].split('_')[0]) % 12:02d}-01",
            )
        )
    for split in ("train", "dev"):
        for path in sorted((BENCH / "polnear" / split / "text").glob("*.txt")):
            outlet, date = path.stem.split("_")[:2]
            text = path.read_text(encoding="utf-8")
            title, _, body = text.partition("\n")
            out.append(
                Article(
                    id=path.stem,
                    text=body.strip() or text,
                    source=outlet,
                    title=title.strip(),
                    published=date,
                )
            )
    return out


def perturb(text: str, rng: random.Random) -> str:
    words = text.split()
    kept = [w for w in words if rng.random() > 0.08]
    for _ in range(len(kept) // 30):
        i, j = rng.randrange(len(kept)), rng.randrange(len(kept))
        kept[i], kept[j] = kept[j], kept[i]
    return " ".join(kept)


# Days between repetitions of a record: beyond Params.window_days, so that a repetition is another event
# (10 days while the window was 7; at 10 days with the 14-day window the perturbed copies merge into stories).
REPEAT_DAYS = 20


def corpus(
    start: int, stop: int, base: list[Article], base_vecs: np.ndarray
) -> tuple[list[Article], np.ndarray]:
    """Articles start..stop of the synthetic corpus (the same every run)."""
    arts, rows = [], []
    for i in range(start, stop):
        b, rep = i % len(base), i // len(base)
        a = base[b]
        rng = random.Random(i)
        day = dt.date.fromisoformat(a.published) + dt.timedelta(days=REPEAT_DAYS * rep + rng.randrange(2))
        arts.append(
            Article(
                id=f"{a.id}~{rep}",
                text=perturb(a.text, rng),
                source=a.source,
                title=a.title,
                published=day.isoformat(),
            )
        )
        rows.append(b)
    noise = np.random.default_rng(start).normal(0, 0.02, (len(rows), base_vecs.shape[1])).astype(np.float32)
    vecs = base_vecs[rows] + noise
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return arts, vecs


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_size(n: int) -> dict:
    """Feed n articles in slices to one clustering state and one copy index, as runs of cluster_store do."""
    base = base_records()
    base_vecs = cached_vectors([f.embed_text for f in features_of(base)], "scale-base")
    out = {"n": n, "mb_start": peak_mb(), "features_s": 0.0, "copies_s": 0.0, "cluster_s": 0.0, "slices": []}
    state, index, copy_of = Clusterer(DEFAULT), CopyIndex(), {}
    for start in range(0, n, SLICE):
        arts, vecs = corpus(start, min(n, start + SLICE), base, base_vecs)
        t0 = time.perf_counter()
        feats = features_of(arts)
        t1 = time.perf_counter()
        copy_of.update(
            link_copies([(a.id, a.published, f"{a.title or ''}\n{a.text}") for a in arts], index, copy_of.get)
        )
        t2 = time.perf_counter()
        state.place_batch(feats, vecs, {a.id: copy_of[a.id] for a in arts if a.id in copy_of})
        t3 = time.perf_counter()
        out["features_s"] += t1 - t0
        out["copies_s"] += t2 - t1
        out["cluster_s"] += t3 - t2
        out["slices"].append(len(arts) / (t3 - t0))
    out["copies"] = len(copy_of)
    out["stories"] = len(state.ids)
    out["mb_peak"] = peak_mb()
    return out


def embed_rate(k: int) -> float:
    from storydesk.embed import encode

    texts = [f.embed_text for f in features_of(base_records())[:k]]
    t0 = time.perf_counter()
    encode(texts)
    return len(texts) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--embed-sample", type=int, default=500)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: one size, JSON out
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_size(args.one)))
        return
    print(
        "clustering uses each record's real embedding plus small noise (not re-embedded), see the docstring"
    )
    for n in args.n:
        res = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True)
        if res.returncode:
            print(res.stderr[-2000:])
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        total = r["features_s"] + r["copies_s"] + r["cluster_s"]
        print(
            f"n={n:>7}: features {n / r['features_s']:.0f}/s, copies {n / r['copies_s']:.0f}/s "
            f"({r['copies']} copies), clustering {n / r['cluster_s']:.0f}/s ({r['stories']} stories); "
            f"all three {n / total:.0f} articles/s; peak memory {r['mb_peak']:.0f} MB "
            f"(after loading, before clustering: {r['mb_start']:.0f} MB)"
        )
        rates = r["slices"]
        print(
            f"           slices of {SLICE} fed in turn: first {rates[0]:.0f}/s, last {rates[-1]:.0f}/s, "
            f"median {float(np.median(rates)):.0f}/s over {len(rates)} slices"
        )
    # last: a child inherits its parent's peak memory figure, so the model is loaded after the sizes ran
    if args.embed_sample:
        rate = embed_rate(args.embed_sample)
        print(
            f"embedding (title + lead, MiniLM int8 ONNX): {rate:.0f} texts/s "
            f"on {args.embed_sample} real texts"
            f" -> 100,000 texts would take {100000 / rate / 60:.0f} min"
        )


if __name__ == "__main__":
    main()
