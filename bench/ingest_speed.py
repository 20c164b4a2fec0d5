"""Ingest speed: articles per second and peak memory on a large JSON lines corpus.

The ECB+ records (../shared/bench/ecbplus/articles.jsonl) are repeated, with new ids and one unique
closing sentence each (so every copy is a new article, not a duplicate), and streamed to a temp
JSON lines file; each size is ingested into a fresh temp database in a fresh process, so the peak
RSS printed is that run's own. Articles per CPU second is the one-core figure when the machine is
shared (wall-clock rates fall with the load of other processes).

    .venv/bin/python bench/ingest_speed.py                 # 10,000 and 100,000 articles
    .venv/bin/python bench/ingest_speed.py --n 2000        # a quick run
    .venv/bin/python bench/ingest_speed.py --n 2000 --form html   # the HTML (trafilatura) path
"""

from __future__ import annotations

import argparse
import html
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ECB = ROOT.parent / "shared" / "bench" / "ecbplus" / "articles.jsonl"


def _as_html(rec: dict) -> str:
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in rec["text"].split("\n") if p.strip())
    title = html.escape(rec.get("title") or "")
    return (
        f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{title}</h1>{paras}</article><footer>Copyright</footer></body></html>"
    )


def write_corpus(path: Path, n: int, form: str = "text") -> None:
    """Stream n records to path, cycling over the ECB+ records (never the whole corpus in memory)."""
    written = 0
    with path.open("w", encoding="utf-8") as out:
        k = 0
        while written < n:
            with ECB.open(encoding="utf-8") as f:
                for line in f:
                    if written >= n:
                        break
                    rec = json.loads(line)
                    rec["id"] = f"{rec['id']}-c{k}"
                    rec["text"] = rec["text"] + f"\nThis is benchmark copy {k} of the record."
                    rec.pop("split", None)
                    if form == "html":
                        rec["html"] = _as_html(rec)
                        del rec["text"]
                    out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    written += 1
            k += 1


def run_one(n: int, form: str) -> None:
    """Child process: generate, ingest, print one line of JSON with the figures."""
    sys.path.insert(0, str(ROOT))
    from storydesk.ingest import ingest_paths
    from storydesk.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        write_corpus(corpus, n, form)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with Store(Path(tmp) / "bench.db") as store:
            t0, c0 = time.perf_counter(), time.process_time()
            report = ingest_paths([str(corpus)], store, progress=False)
            secs, cpu = time.perf_counter() - t0, time.process_time() - c0
            stored = store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        json.dumps(
            {
                "n": n,
                "form": form,
                "added": len(report.added),
                "rejected": len(report.rejected),
                "stored": stored,
                "seconds": secs,
                "rate": len(report.added) / secs,
                "cpu_seconds": cpu,
                "cpu_rate": len(report.added) / cpu,
                "peak_rss_mb": rss,
                "rss_before_mb": rss_before / 1024,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000], help="corpus sizes to run")
    ap.add_argument(
        "--form",
        choices=["text", "html"],
        default="text",
        help="records with plain text (default) or with a simple HTML page (trafilatura path)",
    )
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        run_one(args.child, args.form)
        return
    print(f"ingest speed, JSON lines of ECB+ {args.form} records (one core), {ECB.name}")
    for n in args.n:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n), "--form", args.form],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"n={r['n']}: added {r['added']}, rejected {r['rejected']}, stored {r['stored']}, "
            f"{r['seconds']:.1f} s, {r['rate']:.0f} articles/s wall, "
            f"{r['cpu_rate']:.0f} articles per CPU second, "
            f"peak RSS {r['peak_rss_mb']:.0f} MB "
            f"(after imports, before ingest: {r['rss_before_mb']:.0f} MB)"
        )


if __name__ == "__main__":
    main()
