"""Cost of one incremental cluster_store run on a stored corpus: load / cluster / save and bytes written.

Run: .venv/bin/python bench/cluster_incremental.py [--n 20000] [--add 500] [--code DIR ...]
Builds a store of n articles (the perturbed ECB+ / PolNeAR records of bench/cluster_scale.py) with their
vectors already in the embeddings table (keyed as cluster.state._vectors reads them, so nothing is embedded),
clusters it in one run, adds ``--add`` articles and times the second run of cluster_store, split into
loading the state, clustering (copies, features, placing) and saving (stories and state). Bytes written
are the process's write() bytes during the run and a WAL checkpoint after it (/proc/self/io wchar), so
the database file's share is counted once. Each ``--code`` is a checkout of storydesk whose cluster
stage is measured (default: this one), each in its own process: give an export of an older commit to
compare, e.g. ``git archive da60321 | tar -x -C /tmp/base`` for the state saved as one blob.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent


def wchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


class Phases:
    """Wall time and bytes written inside the wrapped functions, by phase."""

    def __init__(self) -> None:
        self.s: dict[str, float] = {}
        self.b: dict[str, int] = {}

    def wrap(self, owner: object, name: str, phase: str, part: bool = False) -> None:
        """Time ``owner.name`` in ``phase`` (``part``: only in its own line, it runs inside a timed one)."""
        fn = getattr(owner, name, None)
        if fn is None:
            return

        def timed(*a, **k):
            t, w = time.perf_counter(), wchar()
            try:
                return fn(*a, **k)
            finally:
                for key in (f"{phase}:{name}",) if part else (phase, f"{phase}:{name}"):
                    self.s[key] = self.s.get(key, 0.0) + time.perf_counter() - t
                    self.b[key] = self.b.get(key, 0) + wchar() - w

        setattr(owner, name, timed)


def stage_module() -> types.ModuleType:
    """Where the cluster stage's store functions live: ``storydesk.cluster.state``, or in a checkout from
    before the cluster package, ``storydesk.cluster``."""
    import importlib

    try:
        return importlib.import_module("storydesk.cluster.state")
    except ModuleNotFoundError:
        return importlib.import_module("storydesk.cluster")


def add_articles(store, start: int, stop: int, base, base_vecs) -> None:
    """Articles start..stop of the synthetic corpus, with their vectors in the embeddings table."""
    from cluster_scale import corpus

    from storydesk.cluster import features_of
    from storydesk.embed import MODEL_ID

    arts, vecs = corpus(start, stop, base, base_vecs)
    store.upsert_articles(arts)
    store.save_embeddings(
        MODEL_ID,
        [(f.id, f.embed_hash, v.tobytes(), len(v)) for f, v in zip(features_of(arts), vecs, strict=True)],
    )


def run(n: int, add: int) -> dict:
    import pickle

    from cluster_common import cached_vectors
    from cluster_scale import base_records

    from storydesk.cluster import cluster_store, features_of
    from storydesk.store import Store

    base = base_records()
    base_vecs = cached_vectors([f.embed_text for f in features_of(base)], "scale-base")
    out: dict = {"n": n, "add": add}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        store = Store(db)
        add_articles(store, 0, n, base, base_vecs)
        t = time.perf_counter()
        out["stories"] = len(cluster_store(store))
        out["first_s"] = time.perf_counter() - t
        add_articles(store, n, n + add, base, base_vecs)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size0 = db.stat().st_size
        cluster = stage_module()
        tables = getattr(cluster, "ClusterTables", None)  # the state's SQL (in the store before the package)
        ph = Phases()
        for name in ("load_state", "_load_state"):
            ph.wrap(cluster, name, "load")
        for name in ("_set_stories", "_restore_index"):
            ph.wrap(cluster, name, "load", part=True)
        for owner, names in (
            (store, ("cluster_articles", "cluster_df", "cluster_postings")),
            (tables, ("article_rows", "df", "postings")),
        ):
            for name in names:
                ph.wrap(owner, name, "load", part=True)
        for name in ("_link_copies", "_features", "_story"):
            ph.wrap(cluster, name, "cluster")
        ph.wrap(store, "list_stories", "cluster")
        for name in ("save_stories", "save_cluster_state", "save_cluster_rows"):
            ph.wrap(store, name, "save")
        ph.wrap(tables, "save_rows", "save")
        ph.wrap(cluster, "_write_cache", "save")
        if hasattr(cluster, "pickle"):  # the blob code pickles the state before handing it to the store
            cluster.pickle = types.SimpleNamespace(loads=pickle.loads, dumps=pickle.dumps)
            ph.wrap(cluster.pickle, "dumps", "save")
        changes, w, t = store.conn.total_changes, wchar(), time.perf_counter()
        out["stories2"] = len(cluster_store(store))
        out["run_s"] = time.perf_counter() - t
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        out["bytes"] = wchar() - w
        out["rows_changed"] = store.conn.total_changes - changes
        out["db_growth"] = db.stat().st_size - size0
        out["db_size"] = db.stat().st_size
        out["phases_s"], out["phases_bytes"] = dict(ph.s), dict(ph.b)  # before load_times adds to them
        if hasattr(cluster, "_restore_index"):
            out.update(load_times(store, cluster))
        store.close()
    return out


def load_times(store, cluster) -> dict:
    """Loading the state with the index cache, and without it (the index rebuilt from the embeddings)."""
    from storydesk.cluster import DEFAULT

    load = getattr(cluster, "load_state", None) or cluster._load_state
    clustered = store.story_of()
    t = time.perf_counter()
    load(store, DEFAULT, clustered)
    warm = time.perf_counter() - t
    path = (getattr(cluster, "index_cache", None) or cluster._index_cache)(store)
    cache_bytes = path.stat().st_size if path.exists() else 0
    if path.exists():
        path.unlink()
    t = time.perf_counter()
    cl, _ = load(store, DEFAULT, clustered)
    return {
        "load_cached_s": warm,
        "load_rebuild_s": time.perf_counter() - t,
        "rows": cl.index.ntotal,
        "cache_bytes": cache_bytes,
    }


def report(code: str, r: dict) -> None:
    ph, pb = r["phases_s"], r["phases_bytes"]
    load, save = ph.get("load", 0.0), ph.get("save", 0.0)
    print(
        f"{code}: n={r['n']:,} ({r['stories']:,} stories, first run {r['first_s']:.0f} s), "
        f"+{r['add']} articles:"
        f" second run {r['run_s']:.1f} s = load {load:.2f} s + cluster {r['run_s'] - load - save:.2f} s"
        f" + save {save:.2f} s"
    )
    print(
        f"    bytes written {r['bytes'] / 1e6:.1f} MB (save phase {pb.get('save', 0) / 1e6:.1f} MB before the"
        f" checkpoint), rows changed {r['rows_changed']:,}, db file {r['db_size'] / 1e6:.0f} MB"
        f" (+{r['db_growth'] / 1e6:.1f} MB)"
    )
    parts = [f"{k} {ph[k]:.2f} s / {pb[k] / 1e6:.1f} MB" for k in sorted(ph) if ":" in k]
    print("    by function: " + ", ".join(parts))
    if "load_rebuild_s" in r:
        print(
            f"    load with the index cache {r['load_cached_s']:.2f} s; "
            f"without it (index of {r['rows']:,} rows rebuilt from the embeddings) "
            f"{r['load_rebuild_s']:.1f} s; cache file {r['cache_bytes'] / 1e6:.0f} MB"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--add", type=int, default=500)
    ap.add_argument("--code", nargs="+", default=[str(HERE.parent)])
    ap.add_argument("--one", help=argparse.SUPPRESS)  # child process: one checkout, JSON out
    args = ap.parse_args()
    if args.one:
        sys.path[:0] = [args.one, str(HERE)]
        import storydesk.cluster  # noqa: F401  (from that checkout, before cluster_scale puts this one first)

        print(json.dumps(run(args.n, args.add)))
        return
    for code in args.code:
        res = subprocess.run(
            [sys.executable, __file__, "--one", code, "--n", str(args.n), "--add", str(args.add)],
            capture_output=True,
            text=True,
        )
        if res.returncode:
            print(res.stderr[-3000:])
            continue
        report(code, json.loads(res.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
