"""The embedding model: the packaged file (int8 weights, float32 compute) against the int8 model derived
from it.

Run: .venv/bin/python bench/embed_model.py [--pairs N]

Both run through ``storydesk.embed``'s own batching (``_encode_all``) on the MRPC train sentences, in one
process, one after the other. Printed for each: texts/s and tokens/s; the arithmetic rate that implies,
beside numpy's float32 matrix product on the machine (the float32 limit: a model computing in float32
cannot go much beyond it); how close its vectors are to the packaged model's (cosine per text); and, as a
check that the derived model still tells paraphrases apart, the ROC AUC of the cosine of each MRPC pair
against its label, beside a TF-IDF cosine's.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cluster_common import BENCH, read_jsonl  # noqa: E402

from storydesk import embed  # noqa: E402

HIDDEN, FFN, LAYERS = 384, 1536, 6  # all-MiniLM-L6-v2


def flops_per_token(length: float) -> float:
    """Multiply-adds of one token through the encoder, counted twice (weights and attention)."""
    weights = 4 * HIDDEN * HIDDEN + 2 * HIDDEN * FFN
    return LAYERS * 2 * (weights + 2 * length * HIDDEN)


def sgemm_rate(seconds: float = 3.0) -> float:
    """GFLOP/s of numpy's float32 matrix product at the encoder's feed-forward shape."""
    left = np.random.default_rng(0).random((1024, HIDDEN), dtype=np.float32)
    right = np.random.default_rng(1).random((HIDDEN, FFN), dtype=np.float32)
    left @ right
    started, runs = time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        left @ right
        runs += 1
    return 2 * 1024 * HIDDEN * FFN * runs / (time.perf_counter() - started) / 1e9


def session(path: Path):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = min(2, os.cpu_count() or 1)
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def encode_with(model_file: Path, texts: list[str]) -> tuple[np.ndarray, float]:
    """(vectors, seconds) of the texts through embed's batching, with this model file's session."""
    tokenizer, _session, inputs = embed._model()
    chosen = session(model_file)
    original = embed._model
    embed._model = lambda: (tokenizer, chosen, inputs)  # type: ignore[assignment]
    try:
        embed._encode_all(texts[:64], embed.BATCH)  # warm up
        started = time.perf_counter()
        vectors = embed._encode_all(texts, embed.BATCH)
        return vectors, time.perf_counter() - started
    finally:
        embed._model = original  # type: ignore[assignment]


def tfidf_auc(left: list[str], right: list[str], labels: np.ndarray) -> float:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import roc_auc_score

    matrix = TfidfVectorizer().fit(left + right)
    cos = np.asarray(matrix.transform(left).multiply(matrix.transform(right)).sum(axis=1)).ravel()
    return float(roc_auc_score(labels, cos))


def main() -> None:
    from sklearn.metrics import roc_auc_score

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=2000, help="MRPC train pairs (two texts each)")
    args = ap.parse_args()
    rows = read_jsonl(BENCH / "mrpc" / "pairs.jsonl")[: args.pairs]
    gold = {row["id"]: row["relation"] for row in read_jsonl(BENCH / "mrpc" / "gold.jsonl")}
    labels = np.array([gold[row["id"]] == "corroborates" for row in rows])
    left, right = [row["a"] for row in rows], [row["b"] for row in rows]
    texts = left + right
    tokenizer = embed._model()[0]
    tokens = sum(sum(encoding.attention_mask) for encoding in tokenizer.encode_batch(texts))  # not padding
    limit = sgemm_rate()
    print(
        f"{len(texts)} MRPC texts, {tokens / len(texts):.0f} tokens on average; "
        f"numpy sgemm {limit:.0f} GFLOP/s"
    )
    packaged = embed._packaged_model()
    reference = None
    for name, path in (
        ("packaged (float32 compute)", packaged),
        ("derived (int8 compute)", embed.model_path()),
    ):
        vectors, seconds = encode_with(path, texts)
        reference = vectors if reference is None else reference
        rate = tokens * flops_per_token(tokens / len(texts)) / seconds / 1e9
        agree = (vectors * reference).sum(axis=1)
        half = len(rows)
        auc = roc_auc_score(labels, (vectors[:half] * vectors[half:]).sum(axis=1))
        print(
            f"  {name:<28} {len(texts) / seconds:5.0f} texts/s {tokens / seconds:6.0f} tokens/s "
            f"{rate:4.0f} GFLOP/s ({rate / limit:.2f} of sgemm)  cosine to packaged mean {agree.mean():.4f} "
            f"min {agree.min():.3f}  MRPC cosine AUC {auc:.3f}"
        )
    print(f"  {'TF-IDF cosine (baseline)':<28} MRPC cosine AUC {tfidf_auc(left, right, labels):.3f}")


if __name__ == "__main__":
    main()
