"""The Python API: every CLI verb is a call here, over one Store.

    from storydesk import api
    with api.open_store("news.db") as store:
        report = api.ingest(["feeds/"], store)
        api.analyze(store)
        stories = api.cluster(store)
        api.reconcile(store)
        api.report(store, "out/")
    with api.open_store("news.db", readonly=True) as store:   # never writes (serve, the read verbs)
        dossier = api.dossier(store, stories[0].id)

The stages, each a function: ``ingest`` -> ``analyze`` -> ``cluster`` -> ``reconcile`` -> ``report``;
``run`` is all of them. Options are keyword-only. Stage modules are imported inside the functions so
that a light command (``articles``) does not pay for loading spaCy or the embedding model.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import OutdatedStoreError, ReadOnlyStoreError
from .models import Dossier, IngestReport, Story
from .store import DEFAULT_DB, Store

if TYPE_CHECKING:
    from collections.abc import Callable

    from .ingest.watch import ArticleVersion, WatchRound
    from .report.leaning import LoadedRatings
    from .spark import SparkRun

__all__ = [
    "Comparison",
    "RunResult",
    "StoryList",
    "analyze",
    "article_versions",
    "clear_leanings",
    "cluster",
    "compare",
    "dossier",
    "ingest",
    "latest_round",
    "open_store",
    "pending",
    "reconcile",
    "report",
    "run",
    "import_parquet",
    "set_leanings",
    "spark",
    "stories",
    "watch",
]

log = logging.getLogger(__name__)


def open_store(path: str | Path | None = None, *, readonly: bool = False) -> Store:
    """The database at ``path``; ``readonly``: an existing storydesk database, never written."""
    return Store(path or DEFAULT_DB, readonly=readonly)


def pending(store: Store) -> int:
    """How many stored articles still need analysing or a place in a story (0: `stories` writes nothing)."""
    from .analyze import _pending  # the analyze stage's own test of what it would redo

    ids = store.article_ids()
    unplaced = set(ids) - store.story_of().keys()
    return len(unplaced | set(_pending(store, ids)))


@dataclass
class StoryList:
    stories: list[Story]
    note: str = ""  # why new articles are not in them yet (a read-only database), else empty


def stories(db: str | Path, *, progress: bool | None = None) -> StoryList:
    """All stories; analyses and clusters new articles first, the only case where it opens ``db`` to write.

    A read-only ``db`` with articles waiting gives the stories stored so far and a note saying so.
    """
    waiting = _waiting(db)
    if waiting == 0:
        with open_store(db, readonly=True) as store:
            return StoryList(store.list_stories())
    try:
        with open_store(db) as store:
            analyze(store, progress=progress)
            return StoryList(cluster(store, progress=progress))
    except ReadOnlyStoreError:
        if waiting is None:  # an older schema that cannot be upgraded here: the error says so
            raise
    with open_store(db, readonly=True) as store:
        return StoryList(
            store.list_stories(),
            f"{waiting} articles are not analysed or in a story yet, but {db} "
            "is read-only: these are the stories stored so far",
        )


def _waiting(db: str | Path) -> int | None:
    """``pending`` of the database, or None when its schema needs an upgrade first."""
    try:
        with open_store(db, readonly=True) as store:
            return pending(store)
    except OutdatedStoreError:
        return None


def ingest(paths: Sequence[str], store: Store, *, progress: bool | None = None) -> IngestReport:
    """Read files, folders or ``-`` (JSON lines on stdin) into clean stored articles."""
    from .ingest import ingest_paths

    report = ingest_paths(paths, store, progress=progress)
    log.info(
        "ingest: %d added, %d unchanged, %d rejected",
        len(report.added),
        len(report.unchanged),
        len(report.rejected),
    )
    return report


def analyze(store: Store, ids: Sequence[str] | None = None, *, progress: bool | None = None) -> int:
    """Analyze new or changed articles (all, or those of ``ids``); return how many were analyzed."""
    from .analyze import analyze_store

    done = analyze_store(store, ids=ids, progress=progress)
    log.info("analyze: %d articles analysed", done)
    return done


def cluster(store: Store, *, progress: bool | None = None) -> list[Story]:
    """Find copies and group articles into stories; return all stories."""
    from .cluster import cluster_store

    found = cluster_store(store, progress=progress)
    log.info("cluster: %d stories", len(found))
    return found


def reconcile(store: Store, ids: Sequence[str] | None = None, *, progress: bool | None = None) -> list[str]:
    """Build and store the dossier of each story (all, or those of ``ids``) whose inputs changed since its
    stored dossier was built; return the ids built. An unknown id fails before anything is built."""
    from .reconcile import build_dossier, save_dossier, stored_dossier
    from .reconcile.results import stale_results

    todo = store.list_stories() if ids is None else [store.get_story(story_id) for story_id in ids]
    built: list[str] = []
    for story in _bar(todo, progress, "reconcile"):
        key, current = stored_dossier(store, story)
        if current is not None:
            continue
        save_dossier(store, story.id, key, build_dossier(store, story))
        built.append(story.id)
    stale = stale_results(store)
    _backfill_results(store, stale)
    if built or stale or _unlinked(store):
        from .reconcile.results import relink_entities

        log.debug("reconcile: %d entities across stories", relink_entities(store))
    log.info("reconcile: %d dossiers built, %d unchanged", len(built), len(todo) - len(built))
    return built


def _unlinked(store: Store) -> bool:
    """Whether a story entity has no cross-story entity yet."""
    found = store.conn.execute("SELECT 1 FROM story_entities WHERE entity_id IS NULL LIMIT 1").fetchone()
    return found is not None


def _backfill_results(store: Store, story_ids: list[str]) -> None:
    """Rows for dossiers stored before results were kept as rows (read back, not rebuilt)."""
    from .reconcile.results import write_results

    for story_id in story_ids:
        stored = store.load_dossier(story_id)
        if stored is not None:
            write_results(store, story_id, *stored)


def _bar(items: Sequence[Story], progress: bool | None, desc: str) -> Iterable[Story]:
    """``items``, behind a progress bar on stderr when ``progress`` (None: when stderr is a terminal)."""
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    return tqdm(items, desc=desc, unit="story", disable=not show, file=sys.stderr)


def dossier(store: Store, story_id: str) -> Dossier:
    """The reconciled dossier of one story (built, or read back if its articles did not change)."""
    from .reconcile import dossier_for

    return dossier_for(store, story_id)


def report(
    store: Store, out_dir: str | Path, *, ingested: IngestReport | None = None, progress: bool | None = None
) -> list[Story]:
    """Write ``out_dir``/index.json, index.html and stories/<id>.{json,md,html} for every stored story, from
    its stored dossier (one missing or out of date is reconciled first); return the stories.

    ``ingested``: the ingest run whose rejections index.json lists (none when not given).
    """
    from .report import write_outputs

    found = store.list_stories()
    write_outputs(
        store, found, ingested or IngestReport(), Path(out_dir), progress=progress, dossier_fn=dossier
    )
    log.info("report: %d stories -> %s", len(found), out_dir)
    return found


@dataclass
class Comparison:
    """How statement ``b`` of one input pair bears on its ``a`` (the contract's compare output)."""

    id: str
    relation: str  # corroborates | disputes | related | unrelated
    score: float


def compare(pairs: Sequence[dict[str, Any]], *, batch: int = 512) -> list[Comparison]:
    """Judge pairs ``{"id", "a", "b"}`` (optional ``a_title``/``b_title``): the dossier's own judgement.

    ``b`` may be a statement or a whole article.
    """
    from .embed import reuse
    from .reconcile.judge import Pair, judge

    out: list[Comparison] = []
    with reuse({}):  # a text met again in a later batch (b against a, the same article) is encoded once
        for first in range(0, len(pairs), batch):
            chunk = pairs[first : first + batch]
            verdicts = judge(
                [
                    Pair(
                        str(pair["a"]),
                        str(pair["b"]),
                        pair.get("a_title") or None,
                        pair.get("b_title") or None,
                    )
                    for pair in chunk
                ]
            )
            out += [
                Comparison(str(pair["id"]), verdict.relation, verdict.score)
                for pair, verdict in zip(chunk, verdicts, strict=True)
            ]
    return out


@dataclass
class RunResult:
    report: IngestReport
    stories: list[Story] = field(default_factory=list)
    out_dir: Path | None = None


def run(
    paths: Sequence[str], out_dir: str | Path, *, db: str | Path | None = None, progress: bool | None = None
) -> RunResult:
    """One shot: ingest, analyze, cluster, reconcile and report into ``out_dir`` (database: ``db``, else
    ``out_dir``/storydesk.db). Nothing after ingest runs when no article could be read."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with open_store(db or out / "storydesk.db") as store:
        ingested = ingest(paths, store, progress=progress)
        if not ingested.read:
            return RunResult(report=ingested, out_dir=out)
        analyze(store, progress=progress)
        cluster(store, progress=progress)
        reconcile(store, progress=progress)
        found = report(store, out, ingested=ingested, progress=progress)
    return RunResult(report=ingested, stories=found, out_dir=out)


def watch(
    sources: Sequence[str],
    store: Store,
    *,
    every: float | None = None,
    rounds: int | None = None,
    delay: float = 1.0,
    timeout: float = 15.0,
    recheck: float = 60.0,
    on_round: Callable[[WatchRound], None] | None = None,
    stop: Callable[[], bool] | None = None,
    progress: bool | None = None,
) -> list[WatchRound]:
    """Poll RSS/Atom feeds and OPML lists of them (URLs or files) and add what is new to the store; the
    stories it touches are analysed, clustered and reconciled again. One round, or with ``every``
    (minutes from one round's start to the next) rounds until ``rounds`` have run or ``stop()`` is true
    (asked after each round and while waiting for the next; the round running finishes);
    ``on_round`` is called after each. Returns the rounds run.

    ``delay``: seconds between two requests to one host; ``timeout``: seconds a server may stay silent;
    ``recheck``: minutes before the page of an item seen before is asked again, for a silent edit. A
    feed or page that cannot be fetched is listed in its round with the reason (``WatchRound.failures``)
    and tried again next round; it raises nothing.
    """
    from .ingest.watch import Stages, WatchSettings, watch_feeds

    stages = Stages(
        analyze=lambda opened: analyze(opened, progress=progress),
        cluster=lambda opened: cluster(opened, progress=progress),
        reconcile=lambda opened, ids: reconcile(opened, ids, progress=progress),
    )
    settings = WatchSettings(delay=delay, timeout=timeout, recheck=recheck)
    return watch_feeds(
        list(sources), store, settings, stages, every=every, rounds=rounds, on_round=on_round, stop=stop
    )


def latest_round(store: Store) -> WatchRound | None:
    """The last finished `watch` round: what each source answered, the articles it added or found edited,
    the stories it touched ("new since the last round"); None before any."""
    from .ingest.watch import latest_round as read_latest

    return read_latest(store)


def article_versions(store: Store, article_id: str) -> list[ArticleVersion]:
    """Every version `watch` saw of an article, oldest first, each with the edit that made it (words
    added and removed, title, quotes); an article never edited has one version, its text."""
    from .ingest.watch import article_versions as read_versions

    return read_versions(store, article_id)


def set_leanings(path: str | Path, store: Store) -> LoadedRatings:
    """Read outlet ratings from a CSV ``outlet,leaning`` (the user's labels, kept as written) into the
    store, replacing those stored; return how many outlets, the leanings in display order, and the rated
    outlets that no stored article's source names (exactly or case- and space-folded). A file that cannot
    be used raises InputError naming it and the fix; nothing stored changes then."""
    from .report.leaning import read_ratings_file, save_ratings

    loaded = save_ratings(store, read_ratings_file(path))
    log.info("leanings: %d outlets, %d unmatched", loaded.outlets, len(loaded.unmatched))
    return loaded


def clear_leanings(store: Store) -> int:
    """Remove the stored outlet ratings (nothing about leaning is shown then); return how many there were."""
    from .report.leaning import clear_ratings

    return clear_ratings(store)


def spark(
    paths: Sequence[str],
    out_dir: str,
    *,
    master: str | None = None,
    db: str | Path | None = None,
    progress: bool | None = None,
) -> SparkRun:
    """``run`` on Apache Spark: the same outputs in ``out_dir`` (local or a Hadoop URI) plus every stored
    table as Parquet under ``out_dir``/parquet. ``master``: a Spark master URL (default ``local[2]``, or
    the one spark-submit was given). Needs the ``spark`` extra and Java 17 or later."""
    from .spark import run_spark

    done = run_spark(paths, out_dir, master=master, db=db, progress=progress)
    log.info("spark: %d articles, %d stories, %d blocks", done.report.read, len(done.stories), done.blocks)
    return done


def import_parquet(folder: str | Path, store: Store) -> dict[str, int]:
    """Make the store hold what a `spark` run wrote as Parquet under ``folder`` (its --out folder), so
    that `serve` and Datasette open it; each table found there is replaced. Returns rows per table."""
    from .spark.tables import import_parquet as read_tables

    imported = read_tables(folder, store)
    log.info("import: %d tables, %d rows", len(imported), sum(imported.values()))
    return imported
