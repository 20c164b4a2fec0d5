"""Spark merge model: what clustering in blocks of publication days and merging across their borders costs,
and a model of it for E executors, checked against a run of the same tasks on 2 processes.

No Spark: the clustering of `storydesk spark` (job.py's ``_cluster``, then ``_met_again``, called as
they are, with a stand-in SparkContext that runs
each task here and times it) over a synthetic corpus of ``--n`` articles (default 50,000: at 100,000
the whole script would take more than 15 minutes on this 2-core machine under load: about 4.5 ms an
article for the sequential pass measured at 50,000, so some 8 minutes at 100,000, then the 2-process
check, about half that again, and the subset runs) over two years: fictional stories of 1-6 reports
each within 3 days, made-up towns, people and words; the clustering vector of a report is its story's
random 384-d unit vector (blended with one of 40 topic vectors) plus noise. Every article is dated and
none is a copy.

Model: with E executors, clustering takes about
    makespan(term-count tasks, E) + makespan(block tasks, E) + makespan(border tasks, E) + driver,
each makespan the tasks' measured seconds scheduled greedily longest-first on E executors (Spark itself
hands tasks out in partition order: that makespan is printed too); border tasks are the sets of stories
clustered again (by a border, or an undated story with its nearest dated ones); driver = what job.py
does in the driver process (blocks, the sets to cluster again, the stories after), measured. E=1 is the
sum of the parts (checked against the wall time of the whole sequential run); E=2 is checked against
the block and border tasks run on a multiprocessing Pool(2) (handed out longest-first), predicted vs
measured; "model on those" is the same makespan over the task seconds measured in the pool's workers
(it separates the scheduling model from a task running at another speed there). Per-task overhead of
Spark (pickling the members, scheduling) is not in the model.

Also printed: the share of articles re-clustered in border tasks at --block-days 7, 14, 28, 56 on the
first ``--subset`` articles by date (default 20,000), and on that subset B-cubed of the block-merged
stories (28 days) against one ``storydesk.cluster.cluster_features`` run over all of it (the single
machine's meaning) and of both against the generator's stories. Numeric libraries run one thread per
process (OMP_NUM_THREADS=1 and the like, unless already set), so one process is one executor core.

    .venv/bin/python bench/spark_merge_model.py                  # 50,000 articles, subset 20,000
    .venv/bin/python bench/spark_merge_model.py --n 100000       # the 100,000 of the brief, on a bigger box
    .venv/bin/python bench/spark_merge_model.py --n 50000 --subset 10000
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import heapq  # noqa: E402
import multiprocessing  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from functools import reduce  # noqa: E402
from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cluster_common import bcubed  # noqa: E402

from storydesk.cluster import DEFAULT, cluster_features  # noqa: E402
from storydesk.models import Article  # noqa: E402
from storydesk.spark import blocks, job  # noqa: E402

DIM = 384
START = dt.date(2024, 1, 1)
DAYS = 730
SYLLABLES = "mar row kes wold el sin brack od ding selm har ven tor lin quo zab fen ust pry gal".split()
FIRST = ["Odile", "Benedikt", "Maelis", "Ines", "Tomas", "Arvid", "Leontyne", "Casimir", "Rhiannon", "Yusra"]
ROLES = ["council leader", "union chair", "police spokeswoman", "harbour master", "school head", "mayor"]
NOISE = 1.0  # norm of a report's noise against its story's unit vector (pair cosine about 0.5)
TOPIC_SHARE = 1.0  # weight of the topic's vector in a story's (stories of one topic: cosine about 0.5)
TOWN_COUNT = 300  # towns (and 3x as many people) that the stories share
OWN_WORDS = 6  # words of a story's own, each report using some
OUTLETS = [f"outlet{n}.example" for n in range(30)]


# ---- the synthetic corpus -----------------------------------------------------------------------


def coined(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


TOPIC_RNG = random.Random(7)
TOPICS = [[coined(TOPIC_RNG, 2).lower() for _ in range(12)] for _ in range(40)]  # shared vocabularies
FILLER = [coined(TOPIC_RNG, 2).lower() for _ in range(400)]
TOWNS = [coined(TOPIC_RNG, 3) for _ in range(TOWN_COUNT)]
PEOPLE = [f"{TOPIC_RNG.choice(FIRST)} {coined(TOPIC_RNG, 2)}" for _ in range(3 * TOWN_COUNT)]


@dataclass
class Corpus:
    articles: list[Article]
    vectors: dict[str, bytes]
    truth: dict[str, str]  # article id -> generator's story


def make_corpus(n: int, seed: int = 1) -> Corpus:
    """``n`` fictional reports: stories of 1-6 reports within 3 days, over ``DAYS`` days."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    topic_vecs = nrng.normal(size=(len(TOPICS), DIM))
    articles: list[Article] = []
    vectors: dict[str, bytes] = {}
    truth: dict[str, str] = {}
    story = 0
    while len(articles) < n:
        topic = rng.randrange(len(TOPICS))
        town, person = rng.choice(TOWNS), rng.choice(PEOPLE)  # shared by many stories over the years
        place, role = coined(rng, 2), rng.choice(ROLES)
        own = [coined(rng, 3).lower() for _ in range(OWN_WORDS)]
        words = TOPICS[topic]
        centre = nrng.normal(size=DIM) + TOPIC_SHARE * topic_vecs[topic]
        centre /= np.linalg.norm(centre)
        day = rng.randrange(DAYS)
        for report in range(min(rng.randint(1, 6), n - len(articles))):
            aid = f"st{story:06d}-{report}"
            sentences = [
                f"{town} {rng.choice(words)} {rng.choice(own)} {rng.choice(words)} at {place}.",
                f"{person}, the {role}, said the {rng.choice(own)} {rng.choice(words)} would "
                f"{rng.choice(FILLER)} by {rng.randrange(2, 900)} {rng.choice(words)}.",
                f"Residents of {town} {rng.choice(FILLER)} {rng.choice(own)} {rng.choice(FILLER)}.",
                " ".join(rng.choice(FILLER) for _ in range(12)) + ".",
                f"{rng.choice(own)} {rng.choice(words)} {' '.join(rng.sample(own, 3))} {rng.choice(FILLER)}.",
            ]
            rng.shuffle(sentences)
            published = START + dt.timedelta(days=day + rng.randrange(4))
            articles.append(
                Article(
                    id=aid,
                    text=" ".join(sentences),
                    source=rng.choice(OUTLETS),
                    title=f"{town}: {rng.choice(own)} {rng.choice(words)} {rng.choice(FILLER)}",
                    published=published.isoformat(),
                )
            )
            vec = centre + nrng.normal(0, NOISE / np.sqrt(DIM), DIM)
            vectors[aid] = (vec / np.linalg.norm(vec)).astype(np.float32).tobytes()
            truth[aid] = f"st{story}"
        story += 1
    return Corpus(articles, vectors, truth)


def subset(corpus: Corpus, count: int) -> Corpus:
    """The first ``count`` articles by publication date (the same density of reports per day)."""
    chosen = sorted(corpus.articles, key=blocks.clustering_key)[:count]
    return Corpus(
        chosen, {a.id: corpus.vectors[a.id] for a in chosen}, {a.id: corpus.truth[a.id] for a in chosen}
    )


# ---- a stand-in SparkContext: each task run here, timed -------------------------------------------


@dataclass
class Stage:
    name: str
    items: list[Any]
    seconds: list[float] = field(default_factory=list)  # per task (one item a task, as job.py slices)


class LocalRDD:
    def __init__(self, context: LocalContext, items: list[Any]) -> None:
        self.context, self.items = context, items

    def _run(self, name: str, work: Callable[[Any], Any]) -> list[Any]:
        stage = Stage(name, self.items)
        out = []
        for item in self.items:
            began = time.perf_counter()
            out.append(work(item))
            stage.seconds.append(time.perf_counter() - began)
        self.context.stages.append(stage)
        return out

    def map(self, work: Callable[[Any], Any]) -> LocalRDD:
        return LocalRDD(self.context, self._run("term counts", work))

    def flatMap(self, work: Callable[[Any], Iterable[Any]]) -> LocalRDD:  # noqa: N802 (Spark's name)
        name = "blocks" if not any(s.name == "blocks" for s in self.context.stages) else "borders"
        return LocalRDD(self.context, [x for part in self._run(name, lambda i: list(work(i))) for x in part])

    def treeReduce(self, combine: Callable[[Any, Any], Any]) -> Any:  # noqa: N802
        return reduce(combine, self.items)

    def collect(self) -> list[Any]:
        return list(self.items)


class LocalContext:
    # So many "cores" that job.py deals each meeting set into a task of its own: the model times and
    # schedules sets one by one (on a cluster the job deals them into 8 tasks per core, largest first).
    defaultParallelism = 1 << 20  # noqa: N815 (Spark's name)

    def __init__(self) -> None:
        self.stages: list[Stage] = []

    def parallelize(self, items: Iterable[Any], slices: int = 1) -> LocalRDD:
        return LocalRDD(self, list(items))

    def broadcast(self, value: Any) -> SimpleNamespace:
        return SimpleNamespace(value=value, unpersist=lambda: None)

    def stage(self, name: str) -> Stage:
        found = [s for s in self.stages if s.name == name]
        return found[0] if found else Stage(name, [])


@dataclass
class Clustered:
    stories: list[list[str]]
    context: LocalContext
    wall: float
    driver: float  # seconds in the driver: blocks, border set-up, the stories after
    corpus: tuple[np.ndarray, int]
    blocks: int
    borders: int
    merged: int


def cluster_in_blocks(corpus: Corpus, block_days: int) -> Clustered:
    """What job.py's ``_cluster`` does after reading the store, with every Spark task run here."""
    sc = LocalContext()
    began = time.perf_counter()
    members = {a.id: blocks.Member(a, None, corpus.vectors[a.id]) for a in corpus.articles}
    by_block = job._blocks(corpus.articles, {}, members, block_days)
    t_blocks = time.perf_counter() - began
    jobs = sc.parallelize(sorted(by_block.items()), max(1, len(by_block)))
    corpus_df, corpus_docs = jobs.map(lambda item: blocks.term_counts(item[1])).treeReduce(job._add_counts)
    shared = sc.broadcast((corpus_df, corpus_docs))
    found = jobs.flatMap(lambda item: blocks.cluster_block(item[0], item[1], *shared.value)).collect()
    run = SimpleNamespace(borders=0, merged=0)
    t0 = time.perf_counter()
    # each set of stories that may belong together clustered again (sets dealt into tasks)
    stories = job._met_again(sc, found, by_block, shared, block_days, run)  # type: ignore[arg-type]
    t_borders = time.perf_counter() - t0 - sum(sc.stage("borders").seconds)
    wall = time.perf_counter() - began
    return Clustered(
        stories,
        sc,
        wall,
        t_blocks + t_borders,
        (corpus_df, corpus_docs),
        len(by_block),
        run.borders,
        run.merged,
    )


# what SparkRun.borders / .merged count in this job.py
BORDERS, MERGED = ("meetings", "stories in meetings")


# ---- the model ----------------------------------------------------------------------------------


def makespan(seconds: Sequence[float], executors: int, longest_first: bool = True) -> float:
    """Finish time of tasks handed out greedily to the first free of ``executors``."""
    if not seconds:
        return 0.0
    free = [0.0] * executors
    for task in sorted(seconds, reverse=True) if longest_first else seconds:
        heapq.heapreplace(free, free[0] + task)
    return max(free)


def predict(c: Clustered, executors: int, longest_first: bool = True) -> float:
    stages = [c.context.stage(name).seconds for name in ("term counts", "blocks", "borders")]
    return sum(makespan(s, executors, longest_first) for s in stages) + c.driver


# ---- two processes, the same tasks ----------------------------------------------------------------

_POOL: dict[str, Any] = {}


def _block_task(index: int) -> float:
    block, members = _POOL["blocks"][index]
    began = time.perf_counter()
    blocks.cluster_block(block, members, *_POOL["corpus"])
    return time.perf_counter() - began


def _border_task(index: int) -> float:
    sets = _POOL["borders"][index]  # one task: the meeting sets dealt to it
    began = time.perf_counter()
    for block, members in sets:
        blocks.cluster_block(block, members, *_POOL["corpus"])
    return time.perf_counter() - began


def on_pool(c: Clustered, processes: int) -> dict[str, tuple[float, float, float, float]]:
    """{stage: (wall seconds on a Pool, predicted makespan, sum of the task seconds measured there, the
    makespan of those seconds)}."""
    out = {}
    _POOL.update(
        blocks=c.context.stage("blocks").items, borders=c.context.stage("borders").items, corpus=c.corpus
    )
    ctx = multiprocessing.get_context("fork")
    for name, task in (("blocks", _block_task), ("borders", _border_task)):
        stage = c.context.stage(name)
        order = sorted(range(len(stage.items)), key=lambda i: -stage.seconds[i])
        with ctx.Pool(processes) as pool:
            pool.map(abs, range(processes))  # the workers are up before the clock starts
            began = time.perf_counter()
            times = list(pool.imap_unordered(task, order, chunksize=1))
            wall = time.perf_counter() - began
        out[name] = (wall, makespan(stage.seconds, processes), sum(times), makespan(times, processes))
    return out


# ---- printing -----------------------------------------------------------------------------------


def border_share(c: Clustered, total: int) -> tuple[int, float]:
    ids = {m.article.id for sets in c.context.stage("borders").items for _, members in sets for m in members}
    return len(ids), len(ids) / total


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def others(began: tuple[int, int, float]) -> str:
    """How many cores processes outside this one's tree kept busy since ``began`` (``busy()``)."""
    total, ours, at = busy()
    used = max(0.0, ((total - began[0]) - (ours - began[1])) / os.sysconf("SC_CLK_TCK") / (at - began[2]))
    return f"other processes used {used:.2f} of {os.cpu_count()} cores" + (
        " (UNDER LOAD)" if used > 0.25 else ""
    )


def busy() -> tuple[int, int, float]:
    """(busy ticks of the machine, of this process tree, now) from /proc."""
    from cluster_common import busy_ticks

    return (*busy_ticks(), time.perf_counter())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50_000, help="synthetic articles of the main run")
    ap.add_argument("--subset", type=int, default=20_000, help="articles of the block-size and B3 runs")
    ap.add_argument("--block-days", type=int, default=blocks.BLOCK_DAYS)
    ap.add_argument("--executors", default="1,2,10,100")
    ap.add_argument("--no-pool", action="store_true", help="skip the 2-process check")
    args = ap.parse_args()
    print(f"machine: {load_note()}; numeric threads per process {os.environ['OMP_NUM_THREADS']}")
    t0 = time.perf_counter()
    corpus = make_corpus(args.n)
    days = sorted({a.published for a in corpus.articles})
    if args.n < 100_000:
        print(
            f"note: {args.n} articles, not 100,000: the whole script at 100,000 would take over 15 minutes "
            "on this 2-core machine (about 4.5 ms an article sequentially, then the 2-process check)"
        )
    print(
        f"corpus: {len(corpus.articles)} synthetic articles, {len(set(corpus.truth.values()))} stories, "
        f"{days[0]}..{days[-1]} ({time.perf_counter() - t0:.1f}s to make)"
    )

    began = busy()
    c = cluster_in_blocks(corpus, args.block_days)
    seq_load = others(began)
    st = {name: c.context.stage(name).seconds for name in ("term counts", "blocks", "borders")}
    n_border, share = border_share(c, len(corpus.articles))
    print(f"\n== {len(corpus.articles)} articles, blocks of {args.block_days} days, sequential (one process)")
    print(
        f"  {c.blocks} blocks, {c.borders} {BORDERS} (border tasks), {c.merged} {MERGED}, "
        f"{len(c.stories)} stories; "
        f"{n_border} articles ({100 * share:.1f}%) clustered again in border tasks"
    )
    print(f"  {'part':<14} {'tasks':>6} {'sum s':>8} {'max s':>7} {'mean s':>7}")
    for name, secs in st.items():
        print(
            f"  {name:<14} {len(secs):>6} {sum(secs):>8.2f} {max(secs, default=0):>7.2f} "
            f"{(sum(secs) / len(secs)) if secs else 0:>7.3f}"
        )
    print(f"  {'driver':<14} {'':>6} {c.driver:>8.2f}   (blocks, border set-up, the stories after)")
    parts = sum(sum(s) for s in st.values()) + c.driver
    print(f"  sum of parts {parts:.2f}s, wall of the whole sequential run {c.wall:.2f}s ({seq_load})")

    print("\n  model: term counts + blocks + borders makespans on E executors + driver")
    print(
        f"  {'E':>4} {'predicted s':>12} {'speed-up':>9} {'Spark order s':>14}  "
        f"{'bound: longest task + driver':>28}"
    )
    longest = sum(max(s, default=0) for s in st.values()) + c.driver
    for e in [int(x) for x in args.executors.split(",")]:
        p = predict(c, e)
        print(f"  {e:>4} {p:>12.2f} {parts / p:>9.2f} {predict(c, e, False):>14.2f}  {longest:>28.2f}")
    print(f"  E=1 check: predicted {predict(c, 1):.2f}s = sum of parts {parts:.2f}s")
    tasks = max(len(s) for s in st.values())
    print(
        f"  projection: 10 executors {predict(c, 10):.1f}s, 100 executors {predict(c, 100):.1f}s against "
        f"{parts:.1f}s on one; with {tasks} tasks a stage at most, executors beyond {tasks} idle, and "
        f"no E does better than the longest task of each stage plus the driver ({longest:.1f}s)"
    )

    if not args.no_pool:
        print("\n  E=2 check: the same tasks on a multiprocessing Pool(2), longest first")
        print(
            f"  {'part':<10} {'predicted s':>12} {'measured s':>11} {'ratio':>6} {'task sum there':>15} "
            f"{'model on those':>15}"
        )
        began = busy()
        pooled = on_pool(c, 2)
        pool_load = others(began)
        for name, (wall, predicted, summed, there) in pooled.items():
            print(
                f"  {name:<10} {predicted:>12.2f} {wall:>11.2f} {wall / predicted:>6.2f} {summed:>15.2f} "
                f"{there:>15.2f}"
            )
        pred_all = sum(p for _, p, _, _ in pooled.values())
        meas_all = sum(w for w, _, _, _ in pooled.values())
        print(
            f"  {'both':<10} {pred_all:>12.2f} {meas_all:>11.2f} {meas_all / pred_all:>6.2f}  ({pool_load})"
        )

    sub = subset(corpus, args.subset)
    print(
        f"\n== the first {len(sub.articles)} articles by date ({sub.articles[0].published}.."
        f"{sub.articles[-1].published}): share re-clustered in border tasks by block size"
    )
    print(
        f"  {'block days':>10} {'blocks':>6} {'borders':>7} {'in borders':>10} {'share':>6} {'merged':>6} "
        f"{'blocks s':>8} {'borders s':>9}  B3 F1 vs one run"
    )
    single = None
    for days_per in (7, 14, 28, 56):
        r = cluster_in_blocks(sub, days_per)
        if single is None:
            members = [blocks.Member(a, None, sub.vectors[a.id]) for a in sub.articles]
            vecs = np.vstack([np.frombuffer(m.vector, np.float32) for m in members])
            t0 = time.perf_counter()
            cl = cluster_features(blocks.features(members), vecs, {}, DEFAULT)
            single_s = time.perf_counter() - t0
            single = [sorted(m) for m in cl.members if m]
            gold_single = {aid: str(n) for n, m in enumerate(single) for aid in m}
        k, sh = border_share(r, len(sub.articles))
        f1 = bcubed(r.stories, gold_single)[2]
        print(
            f"  {days_per:>10} {r.blocks:>6} {r.borders:>7} {k:>10} {100 * sh:>5.1f}% {r.merged:>6} "
            f"{sum(r.context.stage('blocks').seconds):>8.1f} "
            f"{sum(r.context.stage('borders').seconds):>9.1f}  {f1:.4f}"
        )
        if days_per == blocks.BLOCK_DAYS:
            merged28 = r
    print(
        f"\n  tolerance ({len(sub.articles)} articles, blocks of {blocks.BLOCK_DAYS} days): "
        f"one cluster_features run {single_s:.1f}s, {len(single)} stories; "
        f"block-merged {len(merged28.stories)}"
    )
    p, rr, f = bcubed(merged28.stories, gold_single)
    print(f"  block-merged vs one run (gold)        B3 P={p:.4f} R={rr:.4f} F1={f:.4f}")
    same = len({frozenset(s) for s in single} & {frozenset(s) for s in merged28.stories})
    print(f"  identical stories {same} of {len(single)}")
    for name, pred in (("one run", single), ("block-merged", merged28.stories)):
        p, rr, f = bcubed(pred, sub.truth)
        print(f"  {name:<14} vs generator's stories  B3 P={p:.4f} R={rr:.4f} F1={f:.4f}")
    print(f"\n({load_note()} at the end)")


if __name__ == "__main__":
    main()
