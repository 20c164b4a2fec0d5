"""The app at scale: search latency and page render times over a store of 100,000 articles.

Run: .venv/bin/python bench/app_speed.py [--articles 100000] [--queries 200]

The store is synthetic, from the benchmark records: the 210 ECB+ test articles go through the product
(``api.ingest``, ``api.analyze``, ``api.cluster``, ``api.reconcile``; cached under /tmp by content),
then every row of every stage — articles, stories, claims, conflicts, quotes, entities, dossiers — is
copied under new ids until the store holds ``--articles`` articles, and the full-text indexes are
rebuilt. Timed through the product's own entry points, in one process:

- search: ``report.lookup.search`` (what ``/search.json`` answers), for words drawn from the claims,
  beside a simple baseline, ``LIKE '%word%'`` over the article text;
- pages: the running ``storydesk serve`` app over HTTP (/search, /outlets/<source>, /entities/<id>,
  /stories/<id>, /), p50 and p95.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storydesk import api  # noqa: E402
from storydesk.analyze import ANALYSIS_VERSION  # noqa: E402
from storydesk.reconcile import VERSION as RECONCILE_VERSION  # noqa: E402
from storydesk.report import lookup  # noqa: E402
from storydesk.store import MIGRATIONS, Store  # noqa: E402
from storydesk.web import make_server, start_in_thread  # noqa: E402

ECB = ROOT.parent / "shared" / "bench" / "ecbplus"
CACHE = Path(tempfile.gettempdir()) / "storydesk-bench-cache"
# every table keyed on an article or story id, with the columns holding such ids
COPIED: dict[str, tuple[str, ...]] = {
    "articles": ("id", "copy_of"),
    "story_articles": ("article_id", "story_id"),
    "stories": ("id",),
    "dossiers": ("story_id",),
    "story_results": ("story_id",),
    "story_claims": ("story_id",),
    "story_claim_occurrences": ("story_id", "article_id"),
    "story_conflicts": ("story_id",),
    "story_conflict_positions": ("story_id",),
    "story_conflict_articles": ("story_id", "article_id"),
    "story_quotes": ("story_id",),
    "story_quote_occurrences": ("story_id", "article_id"),
    "story_entities": ("story_id", "entity_id"),
    "entities": ("id",),
}


def seed_db() -> Path:
    """The ECB+ test articles through the whole product, cached by records and code versions."""
    lines = [line for line in (ECB / "articles.jsonl").read_text(encoding="utf-8").splitlines() if line]
    test = [line for line in lines if json.loads(line).get("split") == "test"]
    schema = repr(MIGRATIONS)  # a changed table layout must not be measured from a stale cache
    key = hashlib.sha256(
        ("\n".join(test) + ANALYSIS_VERSION + RECONCILE_VERSION + schema).encode()
    ).hexdigest()[:16]
    cached = CACHE / f"app-seed-{key}.db"
    if cached.exists():
        return cached
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        records = Path(tmp) / "ecb-test.jsonl"
        records.write_text("\n".join(test) + "\n", encoding="utf-8")
        with api.open_store(Path(tmp) / "seed.db") as store:
            api.ingest([str(records)], store, progress=False)
            api.analyze(store, progress=False)
            api.cluster(store, progress=False)
            api.reconcile(store, progress=False)
        shutil.copyfile(Path(tmp) / "seed.db", cached)
    return cached


def grow(seed: Path, target: Path, articles: int) -> int:
    """Copy the seed's rows under new ids (``~n``) until ``target`` holds ``articles`` articles."""
    shutil.copyfile(seed, target)
    conn = sqlite3.connect(target)
    base = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    copies = max(0, -(-articles // base) - 1)
    for table in COPIED:
        conn.execute(f"CREATE TEMP TABLE seed_{table} AS SELECT * FROM {table}")
    for copy in range(1, copies + 1):
        for table, ids in COPIED.items():
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            picked = [f"{c} || '~{copy}'" if c in ids else c for c in columns]
            conn.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(picked)} FROM seed_{table}"
            )
        conn.commit()
    conn.close()
    return base * (copies + 1)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def timed(call, items: list) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        call(item)
        out.append((time.perf_counter() - start) * 1000)
    return out


def query_words(db: Path, count: int) -> list[str]:
    """Two words of one claim (the kind of thing people search for, and found at least there)."""
    rng = random.Random(7)
    texts = [row[0] for row in sqlite3.connect(db).execute("SELECT text FROM story_claims LIMIT 2000")]
    out = []
    while len(out) < count:
        words = [w.strip(".,;:\"'()“”‘’") for w in rng.choice(texts).split()]
        words = [w for w in words if len(w) >= 5 and w.isalpha()]
        if len(words) >= 2:
            out.append(" ".join(rng.sample(words, 2)).lower())
    return out


def like_baseline(conn: sqlite3.Connection, words: str, limit: int | None = 50) -> int:
    """Articles containing every word by a scan: the first ``limit`` found, or every one (to rank)."""
    clause = " AND ".join("text LIKE ?" for _ in words.split())
    cap = f" LIMIT {int(limit)}" if limit else ""
    sql = f"SELECT count(*) FROM (SELECT id FROM articles WHERE {clause}{cap})"
    return conn.execute(sql, [f"%{w}%" for w in words.split()]).fetchone()[0]


def fetch(url: str) -> int:
    with urllib.request.urlopen(url, timeout=120) as answer:
        return len(answer.read())


def pages(db: Path, words: list[str], count: int) -> dict[str, list[str]]:
    conn = sqlite3.connect(db)
    rng = random.Random(11)
    outlets = [row[0] for row in conn.execute("SELECT DISTINCT source FROM articles LIMIT 500")]
    entities = [row[0] for row in conn.execute("SELECT id FROM entities WHERE type = 'PERSON' LIMIT 5000")]
    # the seed's own stories: a copy's stored dossier names the seed story, so the app would rebuild it
    stories = [row[0] for row in conn.execute("SELECT id FROM stories WHERE id NOT LIKE '%~%'")]

    def quote(value: str) -> str:
        return urllib.parse.quote(value, safe="")

    return {
        "/search?q=": ["/search?q=" + urllib.parse.quote(w) for w in words[:count]],
        "/outlets/<source>": ["/outlets/" + quote(rng.choice(outlets)) for _ in range(count)],
        "/entities/<id>": ["/entities/" + quote(rng.choice(entities)) for _ in range(count)],
        "/stories/<id>": ["/stories/" + quote(rng.choice(stories)) for _ in range(count)],
        "/ (story list)": ["/"] * max(3, count // 10),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pages", type=int, default=30, help="requests per page kind")
    args = parser.parse_args()
    if not ECB.is_dir():
        sys.exit(f"{ECB} is not here: this benchmark needs ../shared/bench/ecbplus")
    start = time.perf_counter()
    seed = seed_db()
    print(f"seed: {seed.name} ({time.perf_counter() - start:.0f} s)")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "storydesk.db"
        start = time.perf_counter()
        held = grow(seed, db, args.articles)
        size = db.stat().st_size / 1e6
        print(f"store: {held:,} articles, {size:,.0f} MB, built in {time.perf_counter() - start:.0f} s")
        words = query_words(db, args.queries)
        with Store(db, readonly=True) as store:
            lookup.search(store, words[0])  # warm the page cache, as a running app would be
            fts = timed(lambda w: lookup.search(store, w), words)
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        few = words[: max(10, args.queries // 10)]
        like = timed(lambda w: like_baseline(conn, w), few)
        scan = timed(lambda w: like_baseline(conn, w, None), few)
        f50, f95 = percentiles(fts)
        l50, l95 = percentiles(like)
        s50, s95 = percentiles(scan)
        print(f"\nsearch over {held:,} articles ({len(fts)} two-word queries; {len(like)} for the baseline)")
        print(f"  storydesk (FTS5 over articles, claims, quotes)  p50 {f50:7.1f} ms  p95 {f95:7.1f} ms")
        print(f"  baseline: LIKE, the first 50 matches           p50 {l50:7.1f} ms  p95 {l95:7.1f} ms")
        print(f"  baseline: LIKE, every match (to rank them)     p50 {s50:7.1f} ms  p95 {s95:7.1f} ms")
        print(f"  ratio at p50, storydesk / LIKE first 50: {f50 / l50:.2f}; / every match: {f50 / s50:.3f}")
        server = make_server(db, "127.0.0.1", 0)
        start_in_thread(server)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        print(f"\npages from `storydesk serve` over HTTP ({held:,} articles)")
        for name, paths in pages(db, words, args.pages).items():
            times = timed(lambda path: fetch(base + path), paths)
            p50, p95 = percentiles(times)
            print(f"  {name:<20} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  ({len(times)} requests)")
        server.shutdown()


if __name__ == "__main__":
    main()
