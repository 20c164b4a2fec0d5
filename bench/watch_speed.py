"""Watch speed: one `storydesk watch` round of 10 feeds x 50 items from a local server, then one unchanged.

The feeds are generated (fictional outlets, towns and events, full text in ``content:encoded``, each
event told by every outlet in its own words) and served by a threaded HTTP server on 127.0.0.1 with
ETags, so the second round is all 304. Printed: the first round's time, split into fetch + ingest and
the later stages (analyze, cluster, reconcile: the same code api.watch runs, timed stage by stage),
the second round's time, and as a reference in the same run `storydesk ingest` (api.ingest) of the
same 500 items from the 10 feed files beside a first round with the later stages left out (fetch, read,
store), best of ``--repeat`` runs each, and their ratio.

    .venv/bin/python bench/watch_speed.py                        # 10 feeds x 50 items
    .venv/bin/python bench/watch_speed.py --feeds 4 --items 20   # a quick run
    .venv/bin/python bench/watch_speed.py --summaries            # summary-only items: every page fetched
"""

from __future__ import annotations

import argparse
import html
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storydesk import api  # noqa: E402
from storydesk.ingest.watch import Stages, WatchSettings, watch_feeds  # noqa: E402
from storydesk.store import Store  # noqa: E402

SYLLABLES = [
    "mar",
    "row",
    "kes",
    "wold",
    "el",
    "sin",
    "brack",
    "od",
    "ding",
    "selm",
    "har",
    "ven",
    "tor",
    "lin",
]
FIRST_NAMES = ["Odile", "Benedikt", "Maelis", "Ines", "Tomas", "Arvid", "Leontyne", "Casimir", "Rhiannon"]
ROLES = ["council leader", "union chair", "police spokeswoman", "harbour master", "school head"]
THINGS = ["bridge", "library", "ferry line", "market hall", "water plant", "rail depot", "sports ground"]
DEEDS = ["reopened", "closed for repairs", "was damaged by a storm", "won new funding", "was sold"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def coined(rng: random.Random, parts: int) -> str:
    """A fictional name made of syllables ("Kesrowmar")."""
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def event(n: int) -> dict[str, Any]:
    """The facts of fictional event ``n`` (its own town and people), the same for every outlet."""
    rng = random.Random(n)
    return {
        "town": coined(rng, 3),
        "thing": rng.choice(THINGS),
        "deed": rng.choice(DEEDS),
        "person": f"{rng.choice(FIRST_NAMES)} {coined(rng, 2)}",
        "role": rng.choice(ROLES),
        "day": rng.choice(DAYS),
        "count": rng.randrange(40, 4000),
        "cost": rng.randrange(2, 90),
        "n": n,
    }


def story_text(facts: dict[str, Any], outlet: int) -> list[str]:
    """One outlet's telling of an event: the facts in sentences it picks and orders its own way."""
    rng = random.Random(facts["n"] * 100 + outlet)
    town, thing, person, day, cost = (facts[key] for key in ("town", "thing", "person", "day", "cost"))
    lines = [
        f"The {thing} in {town} {facts['deed']} on {day}, officials said.",
        f"{facts['role'].capitalize()} {person} said about {facts['count']} residents would be affected.",
        f'"We did not expect this so soon," {person} told reporters in {town}.',
        f"The work is expected to cost {cost} million crowns, according to the town's own figures.",
        f"Residents in {town} said they had waited years for a decision on the {thing}.",
        f"A meeting on the future of the {thing} is planned for next {rng.choice(DAYS)}.",
        f"Local businesses near the {thing} said trade had changed since {day}.",
        f"Event {facts['n']} was the third of its kind in the region this year, outlet {outlet} noted.",
        f"Opposition members asked for an independent review of the {cost} million crown budget.",
    ]
    head, tail = lines[:2], lines[2:]
    rng.shuffle(tail)
    return head + tail[: rng.randrange(5, len(tail) + 1)]


def feed_xml(outlet: int, items: int, summaries: bool, base: str) -> bytes:
    entries = []
    for n in range(items):
        facts = event(n)
        paras = story_text(facts, outlet)
        body = "".join(f"<p>{html.escape(para)}</p>" for para in paras)
        content = "" if summaries else f"<content:encoded><![CDATA[{body}]]></content:encoded>"
        title = f"{facts['thing'].capitalize()} in {facts['town']} {facts['deed']}"
        entries.append(
            f"<item><title>{html.escape(title)} ({n})</title><link>{base}/o{outlet}/{n}.html</link>"
            f"<guid isPermaLink='false'>o{outlet}-e{n}</guid><pubDate>Tue, 03 Jun 2025 08:00:00 GMT</pubDate>"
            f"<description>{html.escape(paras[0])}</description>{content}</item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0' "
        "xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel>"
        f"<title>Fictional Outlet {outlet}</title><link>{base}/</link>{''.join(entries)}</channel></rss>"
    ).encode()


def page_html(outlet: int, n: int) -> bytes:
    paras = story_text(event(n), outlet)
    body = "".join(f"<p>{html.escape(para)}</p>" for para in paras)
    return (
        f"<!doctype html><html><head><title>Event {n}</title></head><body><nav>Home | News</nav>"
        f"<article><h1>Event {n}</h1>{body}</article><footer>Fictional Outlet {outlet}</footer></body></html>"
    ).encode()


def serve(routes: dict[str, bytes]) -> ThreadingHTTPServer:
    """A local server answering ``routes`` with an ETag each, 304 when asked with it."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = routes.get(self.path)
            if body is None:
                self.send_error(404)
                return
            tag = f'"{hash(body) & 0xFFFFFFFF:x}"'
            if self.headers.get("If-None-Match") == tag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", tag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def timed(spent: dict[str, float], name: str, stage: Callable[..., object]) -> Callable[..., object]:
    def run(*args: Any) -> object:
        start = time.perf_counter()
        try:
            return stage(*args)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

    return run


def timed_stages(spent: dict[str, float]) -> Stages:
    return Stages(
        analyze=timed(spent, "analyze", lambda opened: api.analyze(opened, progress=False)),
        cluster=timed(spent, "cluster", lambda opened: api.cluster(opened, progress=False)),
        reconcile=timed(spent, "reconcile", lambda opened, ids: api.reconcile(opened, ids, progress=False)),
    )


def one_round(urls: list[str], db: Path) -> tuple[float, dict[str, float], Any]:
    spent: dict[str, float] = {}
    with Store(db) as store:
        start = time.perf_counter()
        (found,) = watch_feeds(urls, store, WatchSettings(delay=0, timeout=30), timed_stages(spent))
        total = time.perf_counter() - start
    return total, spent, found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=10)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--summaries", action="store_true", help="summary-only items: each page is fetched")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the ingest comparison (the best is shown)")
    args = ap.parse_args()
    routes: dict[str, bytes] = {}
    server = serve(routes)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for outlet in range(args.feeds):
        routes[f"/o{outlet}/feed.xml"] = feed_xml(outlet, args.items, args.summaries, base)
        for n in range(args.items if args.summaries else 0):
            routes[f"/o{outlet}/{n}.html"] = page_html(outlet, n)
    urls = [f"{base}/o{outlet}/feed.xml" for outlet in range(args.feeds)]
    total = args.feeds * args.items
    form = "summaries, pages fetched" if args.summaries else "full text in the feed"
    print(f"watch speed: {args.feeds} feeds x {args.items} items ({total}, {form}), local server, delay 0")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "watch.db"
        first, spent, found = one_round(urls, db)
        stages = sum(spent.values())
        split = ", ".join(f"{name} {secs:.1f} s" for name, secs in spent.items())
        print(
            f"round 1: {first:.1f} s (fetch + ingest {first - stages:.1f} s; {split}): "
            f"{len(found.new_articles)} new articles, {len(found.new_stories)} stories"
        )
        second, _, again = one_round(urls, db)
        unchanged = sum(fetch.outcome == "not_modified" for fetch in again.fetches)
        print(f"round 2: {second:.2f} s ({unchanged} of {len(again.fetches)} feeds not modified)")
        files = f"{total} page files" if args.summaries else f"{args.feeds} feed files"
        reference = min(ingest_reference(Path(tmp), routes, args.summaries, i) for i in range(args.repeat))
        alone = min(ingest_round(urls, Path(tmp) / f"alone-{i}.db") for i in range(args.repeat))
        print(
            f"storydesk ingest of the same {total} items from {files}: {reference:.2f} s; "
            f"a first round's fetch + ingest alone (no later stages): {alone:.2f} s; ratio "
            f"{alone / reference:.2f} "
            f"(best of {args.repeat} each)"
        )
    server.shutdown()


def ingest_reference(tmp: Path, routes: dict[str, bytes], summaries: bool, run: int = 0) -> float:
    """api.ingest of the feeds from files (with --summaries, of the pages instead), into a fresh database."""
    folder = tmp / "files"
    for path, body in routes.items():
        if not summaries or path.endswith(".html"):
            target = folder / path.strip("/").replace("/", "-")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
    with Store(tmp / f"ingest-{run}.db") as store:
        start = time.perf_counter()
        api.ingest([str(folder)], store, progress=False)
        return time.perf_counter() - start


def ingest_round(urls: list[str], db: Path) -> float:
    """A first round into a fresh database with the later stages left out: fetching, reading and storing."""
    idle = Stages(
        analyze=lambda opened: None, cluster=lambda opened: None, reconcile=lambda opened, ids: None
    )
    with Store(db) as store:
        start = time.perf_counter()
        watch_feeds(urls, store, WatchSettings(delay=0, timeout=30), idle)
        return time.perf_counter() - start


if __name__ == "__main__":
    main()
