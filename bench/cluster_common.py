"""Shared helpers of the clustering benchmarks: B-cubed scores, cached embeddings, data loading."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"
CACHE = Path("/tmp/storydesk-bench-cache")


def bcubed(pred: Sequence[Sequence[str]], gold: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 over the items of ``gold`` (each item in one predicted cluster)."""
    cluster_of = {i: n for n, c in enumerate(pred) for i in c}
    items = [i for i in gold if i in cluster_of]
    pair = Counter((cluster_of[i], gold[i]) for i in items)
    size_p = Counter(cluster_of[i] for i in items)
    size_g = Counter(gold[i] for i in items)
    p = sum(pair[(cluster_of[i], gold[i])] / size_p[cluster_of[i]] for i in items) / len(items)
    r = sum(pair[(cluster_of[i], gold[i])] / size_g[gold[i]] for i in items) / len(items)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def cached_vectors(texts: Sequence[str], name: str) -> np.ndarray:
    """Embeddings of ``texts``, cached on disk by content (re-running a bench does not re-embed)."""
    from storydesk.embed import MODEL_ID, encode

    # keyed on the model too: another model gives other vectors
    key = hashlib.sha1("\x00".join([MODEL_ID, *texts]).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.npy"
    if path.exists():
        return np.load(path)
    vecs = encode(list(texts))
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs)
    return vecs


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def fmt(name: str, prf: tuple[float, float, float], n: int) -> str:
    return f"{name:<48} n={n:<5} B3 P={prf[0]:.3f} R={prf[1]:.3f} F1={prf[2]:.3f}"


def product_stories(
    records: Sequence[dict], name: str, fresh: bool = False
) -> tuple[list[list[str]], list[str]]:
    """Stories of ``records`` through the product's own path, and the ids it rejected.

    The records are written as JSON lines and go through ``api.ingest``, ``api.analyze`` and
    ``api.cluster``: the calls ``storydesk analyze`` makes, on a fresh database. The ingested and
    analysed database is cached by content (``fresh`` rebuilds it); clustering always runs anew.
    A duplicate the ingest skipped joins the story of the article it duplicates; a rejected record
    is a story of its own, so that rejection costs recall.
    """
    import shutil
    import tempfile

    from storydesk import api

    key = _product_key(records)
    cached, cached_report = CACHE / f"{name}-{key}.db", CACHE / f"{name}-{key}.duplicates.json"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "bench.db"
        if fresh or not cached.exists() or not cached_report.exists():
            duplicates = _ingest_and_analyze(records, Path(tmp), work)
            CACHE.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work, cached)
            cached_report.write_text(json.dumps(duplicates), encoding="utf-8")
        shutil.copyfile(cached, work)
        duplicates = json.loads(cached_report.read_text(encoding="utf-8"))
        with api.open_store(work) as store:
            stories = api.cluster(store, progress=False)
            stored = set(store.article_ids())
    members = [list(s.article_ids) for s in stories]
    story_of = {aid: n for n, m in enumerate(members) for aid in m}
    for copy, original in duplicates.items():
        if original in story_of:
            members[story_of[original]].append(copy)
    rejected = sorted(r["id"] for r in records if r["id"] not in stored and r["id"] not in duplicates)
    return members + [[rid] for rid in rejected], rejected


def _product_key(records: Sequence[dict]) -> str:
    """A cache key of the records and of what turns them into analysed articles (ingest code, analysis
    version)."""
    from storydesk.analyze import ANALYSIS_VERSION

    digest = hashlib.sha1(json.dumps(list(records), sort_keys=True).encode())
    digest.update(ANALYSIS_VERSION.encode())
    for source in sorted((Path(__file__).resolve().parent.parent / "storydesk" / "ingest").glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _ingest_and_analyze(records: Sequence[dict], folder: Path, db: Path) -> dict[str, str]:
    """Ingest and analyse ``records`` into ``db``; return the duplicates ingest skipped (copy -> original)."""
    from storydesk import api

    path = folder / "records.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    with api.open_store(db) as store:
        report = api.ingest([str(path)], store, progress=False)
        api.analyze(store, progress=False)
    return dict(report.duplicates)


def busy_ticks() -> tuple[int, int]:
    """(busy clock ticks of the whole machine, of this process tree and its reaped children), from /proc:
    their difference over a timed run says how much of the machine other processes used meanwhile."""
    import os

    with open("/proc/stat") as stat:
        cpu = [int(value) for value in stat.readline().split()[1:]]
    stats: dict[int, tuple[int, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        stats[int(entry)] = (int(fields[1]), sum(int(value) for value in fields[11:15]))
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    ours, todo = 0, [os.getpid()]
    while todo:
        pid = todo.pop()
        ours += stats.get(pid, (0, 0))[1]
        todo += children.get(pid, [])
    return sum(cpu) - cpu[3] - cpu[4], ours  # all but idle and iowait
