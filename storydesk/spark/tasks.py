"""Scale-out, the executors' side: what one Spark task does with its records, through the stage functions
the single-machine run uses (reading and cleaning, analysis, embedding, clustering a block, assembling a
dossier), never a copy of them.

Each function takes and yields plain picklable objects. The spaCy pipeline and the ONNX session are the
stages' own per-process singletons, so a reused Python worker loads each once, not once per record.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..models import Analysis, Article, Dossier, RawRecord, Rejection, Story

log = logging.getLogger(__name__)

# Fault injection for the retry test: a worker that finds this variable set, and the file it names
# missing, creates the file and dies as a killed task would (Spark retries the task).
FAULT_ENV = "STORYDESK_SPARK_FAULT"


@dataclass
class Cleaned:
    """One record read and cleaned on an executor, with its place in the input order."""

    order: tuple[int, int]  # (input file, record in it)
    article: Article | None
    raw: RawRecord | None
    rejection: Rejection | None = None


@dataclass
class Analysed:
    """One article's analysis and its clustering embedding, made on an executor."""

    analysis: Analysis
    content_hash: str
    embed_hash: str
    vector: bytes


def _maybe_fail() -> None:
    marker = os.environ.get(FAULT_ENV)
    if marker and not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)  # the worker dies mid-task, as a killed executor would


def read_files(files: Iterable[tuple[int, str, bytes | None]]) -> Iterator[Cleaned]:
    """Read and clean input files: (order, name, bytes or None to open ``name`` as a local file)."""
    from ..ingest.pipeline import clean_or_reject
    from ..ingest.readers import read_bytes, read_file

    _maybe_fail()
    for index, name, data in files:
        items = read_file(Path(name), name) if data is None else read_bytes(data, name)
        for position, item in enumerate(items):
            if isinstance(item, Rejection):
                yield Cleaned((index, position), None, None, item)
                continue
            cleaned = clean_or_reject(item)
            if isinstance(cleaned, Rejection):
                yield Cleaned((index, position), None, None, cleaned)
            else:
                yield Cleaned((index, position), cleaned, _slim_raw(item))


def _slim_raw(raw: RawRecord) -> RawRecord:
    """What placing an article's id needs of its record (``ingest.pipeline._settle_id``)."""
    return RawRecord(raw.origin, raw.fmt, text=raw.text, html=raw.html, id=raw.id, stem=raw.stem)


def analyse(articles: Iterable[tuple[Article, str]]) -> Iterator[Analysed | Rejection]:
    """Analyses and clustering embeddings of (article, content hash) pairs; an article the analysis fails
    on is a Rejection, and the others of its task are analysed one by one."""
    batch = list(articles)
    _maybe_fail()
    done: list[Analysed | Rejection] = []
    try:
        done += _analysed(batch)
    except Exception:  # one odd article must not cost its task: find it
        log.debug("a task's analysis failed; analysing its articles one by one", exc_info=True)
        done = []
        for item in batch:
            try:
                done += list(_analysed([item]))
            except Exception as exc:
                done.append(
                    Rejection(
                        item[0].path or item[0].id, f"could not be analysed ({type(exc).__name__}: {exc})"
                    )
                )
    yield from done


def _analysed(batch: list[tuple[Article, str]]) -> Iterator[Analysed]:
    from ..analyze import analyze_articles
    from ..cluster import DEFAULT, article_features
    from ..embed import encode

    analyses = list(analyze_articles([article for article, _ in batch], n_process=1))
    feats = [
        article_features(article, None, DEFAULT.title_boost, DEFAULT.entity_boost) for article, _ in batch
    ]
    vectors = encode([feat.embed_text for feat in feats]) if feats else np.zeros((0, 0), np.float32)
    for (_, content_hash), analysis, feat, vector in zip(batch, analyses, feats, vectors, strict=True):
        yield Analysed(analysis, content_hash, feat.embed_hash, np.asarray(vector, np.float32).tobytes())


def assemble(
    stories: Iterable[tuple[Story, list[Article], dict[str, Analysis]]],
) -> Iterator[tuple[str, Dossier]]:
    """(story id, dossier) of each story, built by the reconcile stage's own ``assemble``."""
    from ..reconcile.dossier import assemble as build

    _maybe_fail()
    for story, articles, analyses in stories:
        yield story.id, build(story, articles, analyses)
