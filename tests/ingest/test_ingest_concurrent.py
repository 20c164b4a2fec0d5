"""Two ingests at once on one database: the same texts under other ids are stored once, whoever is first."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from storydesk.ingest import ingest_paths
from storydesk.store import Store

TEXTS = 300
PROSE = (
    "Rescue teams reached the flooded villages of the Aster valley on Wednesday, two days after the river "
    "broke its banks, the regional governor said in statement {n}.\n\nMore than 3,000 people have been moved "
    "to schools and sports halls, and the army has sent boats and field kitchens to the towns."
)


def _records(path: Path, prefix: str, order: range) -> None:
    """The same texts as every other prefix's file, under ids of this prefix."""
    with path.open("w") as f:
        for n in order:
            f.write(
                json.dumps({"id": f"{prefix}{n}", "source": "Valley News", "text": PROSE.format(n=n)}) + "\n"
            )


def _ingest(db: str, path: str, start, out) -> None:
    with Store(db) as store:
        start.wait()  # both runs read, check and commit at the same time
        rep = ingest_paths([path], store, progress=False, batch_size=25)
    out.put((len(rep.added), len(rep.duplicates), len(rep.rejected)))


@pytest.mark.parametrize("orders", [("same", "same"), ("same", "reversed")])
def test_two_processes_store_each_text_once(tmp_path, orders):
    db = str(tmp_path / "shared.db")
    Store(db).close()  # the schema first: migrating at once is the store's own concern, tested there
    for prefix, order in zip("ab", orders, strict=True):
        _records(
            tmp_path / f"{prefix}.jsonl",
            prefix,
            range(TEXTS) if order == "same" else range(TEXTS - 1, -1, -1),
        )
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Barrier(2), ctx.Queue()
    runs = [ctx.Process(target=_ingest, args=(db, str(tmp_path / f"{p}.jsonl"), start, out)) for p in "ab"]
    for r in runs:
        r.start()
    results = [out.get(timeout=120) for _ in runs]
    for r in runs:
        r.join(timeout=120)
        assert r.exitcode == 0
    with Store(db) as store:
        copies = store.conn.execute(
            "SELECT COUNT(*) - COUNT(DISTINCT content_hash || '|' || source) FROM articles"
        ).fetchone()[0]
        stored = store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert copies == 0 and stored == TEXTS
    assert sum(added for added, _, _ in results) == TEXTS  # added is honest in each run
    assert sum(dups for _, dups, _ in results) == TEXTS and not any(rej for _, _, rej in results)
