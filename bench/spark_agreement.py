"""Spark agreement: `storydesk spark` (run_spark) beside `storydesk analyze` (api.run) on the same input.

For each set, in one process: api.run into a fresh folder (the single machine, cold: it is the first run
of the process, so its model loads are counted as in a `storydesk analyze` from the shell), then
run_spark into a fresh folder for each master (a new Spark session each, its start timed apart; the
executors' model loads are counted in the run). Printed per set:

- articles: whether the stored article ids are identical, and their counts;
- stories: counts, B-cubed of the Spark stories against the single machine's taken as gold, how many
  stories have the same article set;
- dossiers: of those identical stories, how many stories/<id>.json are byte-identical (the first
  differing key of the others);
- ECB+ only: B-cubed of each side against the gold events (gold_clusters.jsonl);
- throughput: wall seconds, articles/s and the ratio spark/single of each master, `SparkRun.seconds` per
  phase, and how many of the machine's cores other processes used meanwhile (from /proc: all busy time
  less this process tree's), so a figure taken under load says so. The machine has 2 cores and the
  single machine itself analyses with 2 spaCy processes, so local[2] against it is the fair comparison.

    .venv/bin/python bench/spark_agreement.py                      # seeds and ECB+ (982 articles)
    .venv/bin/python bench/spark_agreement.py --set seeds
    .venv/bin/python bench/spark_agreement.py --set ecb --masters 'local[2]'
    .venv/bin/python bench/spark_agreement.py --timing-only        # throughput lines only
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cluster_common import BENCH, bcubed, read_jsonl  # noqa: E402

SEEDS = BENCH.parent / "corpus" / "seeds"
SETS = {"ecb": BENCH / "ecbplus" / "articles.jsonl", "seeds": SEEDS}
HZ = os.sysconf("SC_CLK_TCK")


# ---- load: what other processes used of the machine while a run was timed -------------------------


def _busy_ticks() -> tuple[int, int]:
    """(busy ticks of the whole machine, busy ticks of this process tree)."""
    from cluster_common import busy_ticks

    return busy_ticks()


@dataclass
class Timed:
    seconds: float
    other_cores: float  # cores other processes kept busy on average meanwhile
    result: Any = None


def timed(work: Callable[[], Any]) -> Timed:
    total0, ours0 = _busy_ticks()
    began = time.perf_counter()
    result = work()
    wall = time.perf_counter() - began
    total1, ours1 = _busy_ticks()
    other = max(0.0, ((total1 - total0) - (ours1 - ours0)) / HZ / wall)
    return Timed(wall, other, result)


def load_note(other: float) -> str:
    return f"other processes {other:.2f} of {os.cpu_count()} cores" + (
        " (UNDER LOAD)" if other > 0.25 else ""
    )


# ---- comparing two output folders ---------------------------------------------------------------


@dataclass
class Side:
    name: str
    ids: list[str]
    stories: dict[str, frozenset[str]]  # story id -> article ids
    out: Path
    wall: Timed
    session: Timed | None = None
    phases: dict[str, float] = field(default_factory=dict)


def read_side(name: str, out: Path, wall: Timed, **more: Any) -> Side:
    from storydesk import api

    with api.open_store(out / "storydesk.db", readonly=True) as store:
        ids = store.article_ids()
        stories = {story.id: frozenset(story.article_ids) for story in store.list_stories()}
    return Side(name, ids, stories, out, wall, **more)


def first_difference(a: Any, b: Any, path: str = "") -> str:
    """The first key path where two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(dict.fromkeys([*a, *b])):
            if key not in a or key not in b:
                return f"{path}.{key} (only in {'spark' if key in b else 'single'})"
            if a[key] != b[key]:
                return first_difference(a[key], b[key], f"{path}.{key}")
        return path or "."
    if isinstance(a, list) and isinstance(b, list):
        for n, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                return first_difference(x, y, f"{path}[{n}]")
        return f"{path} (length {len(a)} vs {len(b)})"
    return f"{path}: {json.dumps(a)[:60]} vs {json.dumps(b)[:60]}"


def compare(single: Side, spark: Side, gold_events: dict[str, str] | None) -> None:
    same_ids = single.ids == spark.ids
    print(
        f"  articles: ids identical {'yes' if same_ids else 'NO'} "
        f"(single {len(single.ids)}, spark {len(spark.ids)}; same set {set(single.ids) == set(spark.ids)})"
    )
    gold = {aid: sid for sid, members in single.stories.items() for aid in members}
    pred = [sorted(members) for members in spark.stories.values()]
    p, r, f1 = bcubed(pred, gold)
    same = [sid for sid, members in spark.stories.items() if single.stories.get(sid) == members]
    same_sets = set(single.stories.values()) & set(spark.stories.values())
    print(
        f"  stories: single {len(single.stories)}, spark {len(spark.stories)}; spark vs single "
        f"B3 P={p:.4f} R={r:.4f} F1={f1:.4f}; identical {len(same_sets)} "
        f"({len(same)} with the same id too)"
    )
    identical, differing = 0, []
    for sid in sorted(same):
        a = (single.out / "stories" / f"{sid}.json").read_bytes()
        b = (spark.out / "stories" / f"{sid}.json").read_bytes()
        if a == b:
            identical += 1
        else:
            differing.append((sid, first_difference(json.loads(a), json.loads(b))))
    print(f"  dossiers: {identical} of {len(same)} stories/<id>.json byte-identical")
    for sid, where in differing[:5]:
        print(f"    {sid}: first difference at {where}")
    if len(differing) > 5:
        print(f"    … and {len(differing) - 5} more")
    if gold_events is not None:
        for side in (single, spark):
            members = [sorted(m) for m in side.stories.values()]
            sp, sr, sf = bcubed(members, gold_events)
            n = sum(1 for aid in gold_events if any(aid in m for m in side.stories.values()))
            print(f"  vs ECB+ gold events: {side.name:<18} n={n} B3 P={sp:.4f} R={sr:.4f} F1={sf:.4f}")


def throughput(single: Side, sides: list[Side]) -> None:
    n = len(single.ids)
    print(
        f"  time  {'single (api.run)':<18} {single.wall.seconds:7.1f}s  {n / single.wall.seconds:6.2f} art/s"
        f"  ratio 1.00  [{load_note(single.wall.other_cores)}]"
    )
    for side in sides:
        assert side.session is not None
        print(
            f"  time  {side.name:<18} {side.wall.seconds:7.1f}s  {n / side.wall.seconds:6.2f} art/s  "
            f"ratio {side.wall.seconds / single.wall.seconds:.2f}  (+ session start "
            f"{side.session.seconds:.1f}s)  [{load_note(side.wall.other_cores)}]"
        )
        print("        phases: " + "  ".join(f"{k} {v:.1f}s" for k, v in side.phases.items()))


# ---- runs ---------------------------------------------------------------------------------------


def fresh(folder: Path) -> None:
    """Every run starts on a new empty folder (a new database)."""
    if folder.exists() and any(folder.iterdir()):
        sys.exit(f"{folder} is not empty: give --keep a new folder")


def run_set(name: str, masters: list[str], work: Path, timing_only: bool) -> None:
    from storydesk import api
    from storydesk.spark import run_spark
    from storydesk.spark.session import start

    paths = [str(SETS[name])]
    out_a = work / f"{name}-single"
    fresh(out_a)
    single = read_side("single", out_a, timed(lambda: api.run(paths, out_a, progress=False)))
    sides = []
    for master in masters:
        out_b = work / f"{name}-spark-{master.replace('[', '').replace(']', '')}"
        fresh(out_b)
        session = timed(lambda m=master: start(m))
        spark = session.result
        try:
            ran = timed(lambda o=out_b, s=spark: run_spark(paths, str(o), session=s, progress=False))
        finally:
            spark.stop()
        sides.append(
            read_side(f"spark {master}", out_b, ran, session=session, phases=dict(ran.result.seconds))
        )
        run = ran.result
        print(
            f"  [{name} spark {master}: session master {spark.sparkContext.master}, "
            f"{run.blocks} blocks, SparkRun.borders {run.borders}, .merged {run.merged}]",
            flush=True,
        )
    gold_events = None
    if name == "ecb":
        gold_events = {r["id"]: r["cluster"] for r in read_jsonl(BENCH / "ecbplus" / "gold_clusters.jsonl")}
    print(f"== {name}: {paths[0]} ({len(single.ids)} articles stored)")
    if not timing_only:
        for side in sides:
            print(f" {side.name} against single machine:")
            compare(single, side, gold_events)
    throughput(single, sides)
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=["ecb", "seeds", "all"], default="all")
    ap.add_argument("--masters", default="local[1],local[2]", help="comma-separated Spark masters")
    ap.add_argument("--timing-only", action="store_true", help="print only the throughput lines")
    ap.add_argument("--keep", help="write the output folders here (kept) instead of a temporary folder")
    args = ap.parse_args()
    if not BENCH.exists() or not SEEDS.exists():
        print(f"skipped: {BENCH} or {SEEDS} is missing (the labelled data is not shipped with the repo)")
        return
    logging.getLogger("py4j").setLevel(logging.ERROR)
    masters = [m.strip() for m in args.masters.split(",") if m.strip()]
    names = ["seeds", "ecb"] if args.set == "all" else [args.set]
    print(f"machine: {os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="spark-agreement-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for name in names:
            run_set(name, masters, work, args.timing_only)


if __name__ == "__main__":
    main()
