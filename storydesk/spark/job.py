"""Scale-out, the driver: `storydesk spark`, the analyze job with its heavy work on Spark executors.

Executors read and clean the inputs, analyse and embed the articles, cluster blocks of publication days
and the stories by each block border, and assemble the dossiers, each through the stages' own functions
(``tasks.py``, ``blocks.py``). The driver keeps the order-dependent bookkeeping in a SQLite store, the
system of record as in a single-machine run: placing ids and duplicates (``ingest.store_cleaned``),
copies, stories, dossiers and their result rows, cross-story entities. Work is sent out in chunks and
each result is saved as it comes back, so a killed run keeps what it saved and a re-run does only the rest;
a task that dies is retried by Spark, and its results are saved by id, never twice.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ..models import Article, IngestReport, RawRecord, Rejection, Story
from ..store import Store
from . import blocks, tasks
from .session import ARTICLES_PER_TASK, start

if TYPE_CHECKING:
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

CHUNK = 4000  # articles (or stories) sent out at once; each chunk's results are saved before the next
Item = TypeVar("Item")


@dataclass
class SparkRun:
    """What one `storydesk spark` run did."""

    report: IngestReport
    stories: list[Story] = field(default_factory=list)
    out_dir: str = ""
    blocks: int = 0  # clustering blocks with articles
    borders: int = 0  # sets of stories clustered again together (by a block border, or undated)
    merged: int = 0  # stories in those sets
    seconds: dict[str, float] = field(default_factory=dict)  # per phase
    tables: dict[str, int] = field(default_factory=dict)  # Parquet rows per table


def run_spark(
    paths: Sequence[str],
    out_dir: str,
    *,
    master: str | None = None,
    db: str | Path | None = None,
    session: SparkSession | None = None,
    block_days: int = blocks.BLOCK_DAYS,
    progress: bool | None = None,
) -> SparkRun:
    """Ingest, analyze, cluster, reconcile and report on Spark into ``out_dir`` (local, or a Hadoop URI),
    with every stored table as Parquet under ``out_dir``/parquet; the store is ``db``, else
    ``out_dir``/storydesk.db for a local ``out_dir``, else a temporary file."""
    from ..api import open_store

    spark = session or start(master)
    remote = "://" in out_dir and not out_dir.startswith("file://")
    local = (
        Path(tempfile.mkdtemp(prefix="storydesk-spark-")) if remote else Path(out_dir.removeprefix("file://"))
    )
    local.mkdir(parents=True, exist_ok=True)
    run = SparkRun(IngestReport(), out_dir=out_dir)
    with open_store(db or local / "storydesk.db") as store:
        _phases(spark.sparkContext, paths, store, local, run, block_days, progress)
    if remote:
        _upload(spark, local, out_dir)
    return run


def _phases(
    sc: SparkContext,
    paths: Sequence[str],
    store: Store,
    out: Path,
    run: SparkRun,
    block_days: int,
    progress: bool | None,
) -> None:
    from .. import api
    from .tables import write_parquet

    clock = _Clock(run.seconds, progress)
    run.report = clock.timed("ingest", lambda: _ingest(sc, paths, store))
    if not run.report.read:
        return
    run.report.rejected += clock.timed("analyze", lambda: _analyse(sc, store, clock.show))
    clock.timed("cluster", lambda: _cluster(sc, store, run, block_days))
    clock.timed("reconcile", lambda: _reconcile(sc, store, clock.show))
    run.stories = clock.timed("report", lambda: api.report(store, out, ingested=run.report, progress=False))
    run.tables = clock.timed("parquet", lambda: write_parquet(store, out / "parquet"))


class _Clock:
    def __init__(self, seconds: dict[str, float], progress: bool | None) -> None:
        self.seconds = seconds
        self.show = sys.stderr.isatty() if progress is None else progress

    def timed(self, phase: str, work: Any) -> Any:
        if self.show:
            print(f"spark: {phase}…", file=sys.stderr, flush=True)
        began = time.perf_counter()
        result = work()
        self.seconds[phase] = time.perf_counter() - began
        return result


def _slices(sc: SparkContext, count: int, per_task: int = ARTICLES_PER_TASK) -> int:
    return max(1, min(-(-count // per_task), 64 * sc.defaultParallelism))


def _chunks(
    items: Sequence[Item], size: int = CHUNK, desc: str = "", show: bool = False
) -> Iterator[Sequence[Item]]:
    """``items`` in chunks of ``size``; with ``show``, a line on stderr as each chunk is done."""
    for first in range(0, len(items), size):
        yield items[first : first + size]
        if show and desc:
            print(f"spark: {desc} {min(first + size, len(items))}/{len(items)}", file=sys.stderr, flush=True)


# ---- ingest ------------------------------------------------------------------------------------


def _ingest(sc: SparkContext, paths: Sequence[str], store: Store) -> IngestReport:
    """Inputs read and cleaned on the executors, a chunk of files at a time; ids placed and stored here,
    in input order, by one ``store_cleaned`` (so an id given twice in the run is found across chunks)."""
    from ..ingest.pipeline import _own_files, store_cleaned
    from ..ingest.readers import input_files

    listed = list(input_files([path for path in paths if not _is_uri(path)], _own_files(store)))
    files = [
        (index, entry[1], None)
        for index, entry in enumerate(e for e in listed if not isinstance(e, Rejection))
    ]
    refused = [entry for entry in listed if isinstance(entry, Rejection)]
    remote = [path for path in paths if _is_uri(path)]
    return store_cleaned(chain(refused, _cleaned(sc, files, remote)), store)


def _cleaned(
    sc: SparkContext, files: list[tuple[int, str, None]], remote: list[str]
) -> Iterator[tuple[Article, RawRecord] | Rejection]:
    """What the executors read and cleaned, chunk by chunk (every task of a chunk runs at once)."""
    for chunk in _chunks(files, _chunk_size(sc, 16)):
        yield from _placeable(
            sc.parallelize(chunk, _slices(sc, len(chunk), 16)).mapPartitions(tasks.read_files).collect()
        )
    listed = [entry for uri in remote for entry in _remote_listing(sc, uri)]
    yield from (entry for entry in listed if isinstance(entry, Rejection))
    uris = [entry for entry in listed if isinstance(entry, str)]
    for some in _chunks(uris, _chunk_size(sc, 16)):
        yield from _placeable(_remote_files(sc, some, len(files)).mapPartitions(tasks.read_files).collect())


def _chunk_size(sc: SparkContext, per_task: int = ARTICLES_PER_TASK) -> int:
    """Items sent out at once: enough for two rounds of tasks on every core, at least ``CHUNK``."""
    return max(CHUNK, 2 * per_task * sc.defaultParallelism)


def _is_uri(path: str) -> bool:
    return "://" in path


def _remote_listing(sc: SparkContext, uri: str) -> list[str | Rejection]:
    """The files under a Hadoop path (a file, a folder read recursively, or a glob), as URIs in path
    order, passing over what a folder walk passes over; or why there are none."""
    from ..ingest.folders import passed_over

    jvm: Any = sc._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    try:
        filesystem = path.getFileSystem(sc._jsc.hadoopConfiguration())  # type: ignore[attr-defined]
        statuses = filesystem.globStatus(path) or []
        found: list[str] = []
        for status in statuses:
            if not status.isDirectory():  # a file given (or globbed) is read whatever its name
                found.append(status.getPath().toString())
                continue
            base = status.getPath().toString().rstrip("/")
            files = filesystem.listFiles(status.getPath(), True)
            while files.hasNext():
                name = files.next().getPath().toString()
                if not any(passed_over(part) for part in name[len(base) :].split("/") if part):
                    found.append(name)
    except Exception as exc:  # the filesystem refused (no such bucket, no credentials): name it
        return [Rejection(uri, f"unreadable: {str(exc).splitlines()[0][:200]}")]
    if not found:
        return [Rejection(uri, "no such file or folder, or nothing to read in it")]
    return [*sorted(found)]


def _remote_files(sc: SparkContext, uris: Sequence[str], offset: int) -> Any:
    """(order, URI, bytes) of the given files on a Hadoop filesystem (HDFS, S3, …), in path order."""
    found: Any = sc.binaryFiles(",".join(uris)).sortByKey()
    return found.zipWithIndex().map(lambda item: (offset + item[1], item[0][0], item[0][1]))


def _placeable(cleaned: Iterable[tasks.Cleaned]) -> Iterator[tuple[Article, RawRecord] | Rejection]:
    for item in cleaned:
        if item.rejection is not None:
            yield item.rejection
        elif item.article is not None and item.raw is not None:
            yield item.article, item.raw


# ---- analyze -----------------------------------------------------------------------------------


def _analyse(sc: SparkContext, store: Store, show: bool = False) -> list[Rejection]:
    """Analyse the articles not analysed yet (and their clustering embeddings) on the executors."""
    from ..analyze import ANALYSIS_VERSION, _pending
    from ..embed import DIM, MODEL_ID
    from ..ids import article_hash

    rejected: list[Rejection] = []
    for chunk in _chunks(_pending(store, store.article_ids()), _chunk_size(sc), "analysed", show):
        pairs = [(article, article_hash(article)) for article in store.iter_articles(list(chunk))]
        results = sc.parallelize(pairs, _slices(sc, len(pairs))).mapPartitions(tasks.analyse)
        vectors = []
        for item in results.collect():
            if isinstance(item, Rejection):
                rejected.append(item)
                continue
            store.save_analysis(item.analysis, item.content_hash, ANALYSIS_VERSION)
            vectors.append((item.analysis.article_id, item.embed_hash, item.vector, DIM))
        store.save_embeddings(MODEL_ID, vectors)
    if rejected:
        store.record_rejections(rejected)
    return rejected


# ---- cluster -----------------------------------------------------------------------------------


def _cluster(sc: SparkContext, store: Store, run: SparkRun, block_days: int) -> None:
    """Copies found here; blocks, then their borders, clustered on the executors; the stories stored."""
    from ..cluster.clusterer import story_id
    from ..cluster.state import link_store_copies, save_memberships

    analysed = set(store.analysis_state())
    articles = [article for article in store.iter_articles(store.article_ids()) if article.id in analysed]
    copies = link_store_copies(store, articles)
    members = _members(store, articles, copies)
    by_block = _blocks(articles, copies, members, block_days)
    run.blocks = len(by_block)
    jobs = sc.parallelize(sorted(by_block.items()), max(1, len(by_block)))
    corpus_df, corpus_docs = jobs.map(lambda item: blocks.term_counts(item[1])).treeReduce(_add_counts)
    shared = sc.broadcast((corpus_df, corpus_docs))
    found: list[blocks.Group] = jobs.flatMap(
        lambda item: blocks.cluster_block(item[0], item[1], *shared.value)
    ).collect()
    stories = _met_again(sc, found, by_block, shared, block_days, run)
    save_memberships(store, {aid: story_id(ids[0]) for ids in stories for aid in ids})
    shared.unpersist()


def _add_counts(one: tuple[np.ndarray, int], other: tuple[np.ndarray, int]) -> tuple[np.ndarray, int]:
    return one[0] + other[0], one[1] + other[1]


def _members(store: Store, articles: Sequence[Article], copies: dict[str, str]) -> dict[str, blocks.Member]:
    """Each article with its original and its stored clustering vector (made here when missing)."""
    from ..cluster.state import _features, _vectors
    from ..embed import MODEL_ID

    stored = store.load_embeddings(MODEL_ID, [article.id for article in articles])
    missing = [article for article in articles if article.id not in stored]
    if missing:  # analysed before by another version: embed them as the cluster stage does
        from ..cluster import DEFAULT

        made = _vectors(store, _features(store, missing, DEFAULT))
        stored.update({article.id: ("", row.tobytes()) for article, row in zip(missing, made, strict=True)})
    return {
        article.id: blocks.Member(article, copies.get(article.id), stored[article.id][1])
        for article in articles
    }


def _blocks(
    articles: Sequence[Article], copies: dict[str, str], members: dict[str, blocks.Member], block_days: int
) -> dict[int, list[blocks.Member]]:
    """Members per block, in clustering order; a copy goes in its original's block."""
    published = {article.id: article.published for article in articles}
    by_block: dict[int, list[blocks.Member]] = {}
    for article in sorted(articles, key=blocks.clustering_key):
        home = copies.get(article.id, article.id)
        by_block.setdefault(blocks.block_of(published.get(home), block_days), []).append(members[article.id])
    return by_block


def _met_again(
    sc: SparkContext,
    found: list[blocks.Group],
    by_block: dict[int, list[blocks.Member]],
    shared: Any,
    block_days: int,
    run: SparkRun,
) -> list[list[str]]:
    """The stories after each set of stories that may belong together is clustered again on an executor
    (``blocks.meetings``); each story's seed first."""
    member_of = {m.article.id: m for block in by_block.values() for m in block}
    sets = blocks.meetings(found, {aid: member.vector for aid, member in member_of.items()}, block_days)
    run.borders, run.merged = len(sets), sum(len(stories) for stories in sets)
    tasks_in = [_meeting_task(stories, member_of) for stories in sets]
    again: list[blocks.Group] = []
    if tasks_in:
        dealt = _balanced(tasks_in, 8 * sc.defaultParallelism, lambda task: len(task[1]))
        again = (
            sc.parallelize(dealt, len(dealt))
            .flatMap(
                lambda dealt_tasks: [
                    group
                    for task in dealt_tasks
                    for group in blocks.cluster_block(task[0], task[1], *shared.value)
                ]
            )
            .collect()
        )
    met = {group.seed for stories in sets for group in stories}
    return blocks.stories_of([group for group in found if group.seed not in met] + again)


def _meeting_task(
    stories: list[blocks.Group], member_of: dict[str, blocks.Member]
) -> tuple[int, list[blocks.Member]]:
    """(block, members in clustering order) of one set of stories to cluster again together."""
    ids = sorted(
        {aid for group in stories for aid in group.members},
        key=lambda aid: blocks.clustering_key(member_of[aid].article),
    )
    dated = [group.block for group in stories if group.block != blocks.UNDATED]
    return (min(dated) if dated else blocks.UNDATED), [member_of[aid] for aid in ids]


# ---- reconcile ---------------------------------------------------------------------------------


def _reconcile(sc: SparkContext, store: Store, show: bool = False) -> None:
    """Dossiers of the stories whose inputs changed assembled on the executors, stored here with their
    rows; then what spans stories (entities across stories) as `reconcile` does it."""
    from .. import api
    from ..reconcile import input_hash, save_dossier, stored_dossier

    todo = [story for story in store.list_stories() if stored_dossier(store, story)[1] is None]
    for chunk in _chunks(todo, _chunk_size(sc, 8) // 4, "dossiers", show):
        inputs = [_story_inputs(store, story) for story in chunk]
        by_id = {story.id: story for story in chunk}
        groups = _balanced(inputs, 8 * sc.defaultParallelism, lambda entry: len(entry[1]))
        built = sc.parallelize(groups, len(groups)).flatMap(tasks.assemble)
        for story_id, dossier in built.collect():
            save_dossier(store, story_id, input_hash(store, by_id[story_id]), dossier)
    api.reconcile(store, progress=False)  # every dossier is current now: links entities across stories


def _balanced(items: Sequence[Item], most: int, size: Callable[[Item], int]) -> list[list[Item]]:
    """Items dealt into at most ``most`` tasks, largest first into the lightest task (by ``size``
    squared: clustering a set and reconciling a story cost more than their size), so that one task of
    large items does not leave the other executors idle."""
    count = max(1, min(len(items), most))
    loads = [0] * count
    dealt: list[list[Item]] = [[] for _ in range(count)]
    for item in sorted(items, key=lambda entry: -size(entry)):  # sorted() is stable: ties keep their order
        lightest = min(range(count), key=lambda index: (loads[index], index))
        dealt[lightest].append(item)
        loads[lightest] += size(item) ** 2
    return [group for group in dealt if group]


def _story_inputs(store: Store, story: Story) -> tuple[Story, list[Article], dict[str, Any]]:
    """What ``reconcile.build_dossier`` reads for one story, read here."""
    articles = list(store.iter_articles(sorted(story.article_ids)))
    return story, articles, {article.id: store.load_analysis(article.id) for article in articles}


# ---- output ------------------------------------------------------------------------------------


def _upload(spark: SparkSession, local: Path, target: str) -> None:
    """Copy the run's output folder to a Hadoop URI (HDFS, S3, …) through Hadoop's FileSystem."""
    jvm: Any = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()  # type: ignore[attr-defined]
    destination = jvm.org.apache.hadoop.fs.Path(target)
    filesystem = destination.getFileSystem(conf)
    for path in sorted(local.rglob("*")):
        if path.is_file() and not path.name.startswith("storydesk.db"):
            relative = path.relative_to(local).as_posix()
            filesystem.copyFromLocalFile(
                False,
                True,
                jvm.org.apache.hadoop.fs.Path(str(path)),
                jvm.org.apache.hadoop.fs.Path(f"{target.rstrip('/')}/{relative}"),
            )
