"""`storydesk watch`: rounds over feeds and pages served by a local HTTP server, through the real pipeline.

The outlets, places, people and events below are fictional, written for these tests.
"""

from __future__ import annotations

import datetime as dt
import html
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from storydesk import api
from storydesk.cli import cli
from storydesk.ingest import fetch
from storydesk.ingest.watch import DEFAULT_RECHECK, StoredText, WatchRound, edit_between
from storydesk.report import lookup
from storydesk.store import Store
from storydesk.web import make_server, start_in_thread

# ---- a local site ---------------------------------------------------------------------------------


@dataclass
class Route:
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # seconds to sleep before answering


@dataclass
class Site:
    """A threaded HTTP server on 127.0.0.1 serving ``routes``; ``requests`` logs (path, headers)."""

    server: ThreadingHTTPServer
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def asked(self, path: str) -> list[dict[str, str]]:
        return [headers for asked, headers in self.requests if asked == path]


def _handler(site_ref: list[Site]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            site = site_ref[0]
            site.requests.append((self.path, {name.lower(): value for name, value in self.headers.items()}))
            route = site.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            time.sleep(route.delay)
            try:
                self._answer(route)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                pass

        def _answer(self, route: Route) -> None:
            fresh = (route.etag and self.headers.get("If-None-Match") == route.etag) or (
                route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified
            )
            if fresh:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            self.end_headers()
            self.wfile.write(route.body)

    return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    ref: list[Site] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ref))
    ref.append(Site(server))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield ref[0]
    server.shutdown()
    server.server_close()


def closed_port_url() -> str:
    """A URL on a local port nothing listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"


# ---- fictional news -------------------------------------------------------------------------------

ARTICLES = {
    "bridge": (
        "Marrowby opens its new tidal bridge",
        [
            "The tidal bridge across the Selm estuary opened to traffic in Marrowby on Tuesday morning, "
            "three months later than the town council had planned.",
            "Council leader Odile Farrant cut the ribbon before a crowd of about 400 residents and said "
            '"this crossing joins two halves of one town at last".',
            "The bridge cost 42 million crowns, eight million more than the first estimate, after storms "
            "damaged the southern pier twice during construction.",
            "Ferry operator Selm Crossings said it would keep one evening boat running until the end of "
            "the summer for passengers without cars.",
            "Engineers will measure how the deck moves with the tides during its first year of use.",
        ],
    ),
    "orchard": (
        "Frost damages half of Keswold's apple orchards",
        [
            "A late frost damaged about half of the apple orchards around the village of Keswold over "
            "the weekend, the regional growers' union said on Monday.",
            "Union chair Benedikt Oyelaran said temperatures fell to minus four degrees on Saturday "
            "night, just as the trees were in full blossom.",
            '"We have not seen a frost this late in thirty years," Oyelaran told reporters at the '
            "union's office in Keswold.",
            "Growers who lost more than a third of their blossom can apply for an emergency grant from "
            "the province from next Thursday.",
            "The cider press in Keswold said it expected to buy apples from farther south this autumn.",
        ],
    ),
    "library": (
        "Port Elsin library reopens after flood repairs",
        [
            "The central library of Port Elsin reopened on Friday after eleven months of repairs to the "
            "damage left by last winter's harbour flood.",
            "Head librarian Maelis Dorrington said about 9,000 books had been dried, cleaned and put "
            "back on the shelves by volunteers.",
            "The ground floor now stands on a raised concrete base, and the rare maps are kept on the "
            "second floor, above any flood the city has recorded.",
            '"People queued in the rain to come back in," Dorrington said, "which tells you what this '
            'building means to them."',
            "The repairs cost the city 3.1 million crowns, most of it paid by its insurer.",
        ],
    ),
    "rail": (
        "Night trains return to the Harrow Coast line",
        [
            "Night trains will run again on the Harrow Coast line from the first of June, the regional "
            "rail company Coastlink announced on Wednesday.",
            "The service was stopped four years ago when the company said too few passengers used it.",
            "Coastlink director Ines Halvorsen said two trains a week would run at first, with sleeping "
            "cars bought second-hand from a northern operator.",
            "Tourism offices in the coastal towns had asked for the service to return for three years.",
            "Tickets go on sale next Monday, starting at 60 crowns for a seat and 140 for a bed.",
        ],
    ),
}


def paragraphs(name: str) -> list[str]:
    return ARTICLES[name][1]


def title(name: str) -> str:
    return ARTICLES[name][0]


def full_html(paras: list[str]) -> str:
    return "".join(f"<p>{html.escape(para)}</p>" for para in paras)


@dataclass
class Item:
    guid: str
    title: str
    link: str
    content: str | None = None  # full text (content:encoded), or None: a summary only
    summary: str = ""
    date: str = "Tue, 03 Jun 2025 08:00:00 GMT"


def item(name: str, base: str, full: bool = True) -> Item:
    paras = paragraphs(name)
    return Item(
        guid=f"{base}-{name}",
        title=title(name),
        link=f"https://{base}.example/news/{name}",
        content=full_html(paras) if full else None,
        summary=paras[0],
    )


def rss_item(entry: Item) -> str:
    content = f"<content:encoded><![CDATA[{entry.content}]]></content:encoded>" if entry.content else ""
    return (
        f"<item><title>{html.escape(entry.title)}</title><link>{html.escape(entry.link)}</link>"
        f'<guid isPermaLink="false">{entry.guid}</guid><pubDate>{entry.date}</pubDate>'
        f"<description>{html.escape(entry.summary)}</description>{content}</item>"
    )


def rss(outlet: str, items: list[Item]) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{html.escape(outlet)}</title><link>https://example.org/</link>"
        f"{''.join(rss_item(entry) for entry in items)}</channel></rss>"
    ).encode()


def page(headline: str, paras: list[str]) -> bytes:
    return (
        f"<!doctype html><html><head><title>{html.escape(headline)}</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{html.escape(headline)}</h1>{full_html(paras)}</article>"
        "<footer>All rights reserved.</footer></body></html>"
    ).encode()


def watch(sources: list[str], store: Store, **options: Any) -> WatchRound:
    """The last of the rounds ``api.watch`` runs, with no delay between requests (a local server)."""
    return api.watch(sources, store, **{"delay": 0, "timeout": 3, **options})[-1]


def article_count(store: Store) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]


def outcomes(found) -> dict[str, tuple[str, str | None]]:
    return {fetch.url: (fetch.outcome, fetch.reason) for fetch in found.fetches}


# ---- fast: no article reaches the later stages ----------------------------------------------------


def test_defaults_of_the_api_are_the_fetchers() -> None:
    import inspect

    params = inspect.signature(api.watch).parameters
    assert params["delay"].default == fetch.DEFAULT_DELAY
    assert params["timeout"].default == fetch.DEFAULT_TIMEOUT
    assert params["recheck"].default == DEFAULT_RECHECK
    assert fetch.user_agent().startswith("storydesk/") and "+https://" in fetch.user_agent()


def test_feeds_down_are_named_with_their_reason_and_retried(site: Site, store: Store) -> None:
    site.routes["/broken.xml"] = Route(b"oops", status=500)
    down, broken = closed_port_url(), site.url("/broken.xml")
    found = watch([down, broken], store, every=0.0001, rounds=2)
    assert found.id == 2 and found.status == "done" and found.all_failed
    assert outcomes(found) == {
        down: ("error", "connection refused"),
        broken: ("error", "HTTP 500 Internal Server Error"),
    }
    assert len(site.asked("/broken.xml")) == 2  # tried again in the next round
    assert article_count(store) == 0
    assert api.latest_round(store).fetches == found.fetches


def test_a_file_that_is_not_a_feed_and_a_missing_file(tmp_path: Path, store: Store) -> None:
    (tmp_path / "page.html").write_text("<!doctype html><html><body><p>Hello.</p></body></html>")
    found = watch([str(tmp_path / "page.html"), str(tmp_path / "none.xml")], store)
    reasons = {Path(fetch.url).name: fetch.reason for fetch in found.fetches}
    assert reasons == {
        "page.html": "not an RSS/Atom feed or OPML list (an HTML page)",
        "none.xml": "no such file",
    }


def test_an_item_that_is_no_article_is_rejected_once(tmp_path: Path, store: Store) -> None:
    feed = tmp_path / "numbers.xml"
    numbers = Item(guid="n-1", title="", link="", content="<p>12 345 678</p>", summary="12 345 678")
    feed.write_bytes(rss("Tally Weekly", [numbers]))
    first = watch([str(feed)], store)
    assert [rejection.path for rejection in first.rejected] == [f"{feed}#1"]
    assert first.rejected[0].reason.endswith("not an article") and first.new_articles == []
    feed.write_bytes(rss("Tally Weekly", [numbers, numbers]))  # changed: read again, the item is known
    second = watch([str(feed)], store)
    assert second.fetches[0].outcome == "ok" and second.rejected == []


def test_the_word_diff_of_an_edit() -> None:
    old = StoredText(
        "h1", "Mayor opens bridge", 'The mayor said "it is open" on Monday. Traffic was light.', "t"
    )
    new = StoredText(
        "h2", "Mayor opens the bridge", "The mayor spoke on Monday. Traffic was light and slow.", "t"
    )
    edit = edit_between("a1", 2, old, new, 7)
    assert (edit.words_added, edit.words_removed) == (4, 5)
    assert edit.title_changed and edit.quotes_removed == ["it is open"] and edit.quotes_added == []
    assert edit.changes == [('said "it is open"', "spoke"), ("light.", "light and slow.")]


# ---- through the pipeline -------------------------------------------------------------------------


@pytest.mark.slow
def test_only_new_items_are_ingested_and_an_unchanged_feed_costs_a_304(site: Site, store: Store) -> None:
    feed = site.url("/courier.xml")
    site.routes["/courier.xml"] = Route(
        rss("Marrowby Courier", [item("bridge", "courier"), item("orchard", "courier")]), etag='"v1"'
    )
    first = watch([feed], store)
    assert sorted(first.new_articles) == ["courier-bridge", "courier-orchard"]
    assert first.new_stories and set(first.new_stories) <= set(first.touched_stories)
    assert outcomes(first)[feed] == ("ok", None) and first.fetches[0].new_items == 2
    ua = site.asked("/courier.xml")[0]["user-agent"]
    assert ua.startswith("storydesk/")

    analysed = store.conn.execute("SELECT article_id, analyzed_at FROM analyses").fetchall()
    second = watch([feed], store)
    assert outcomes(second)[feed] == ("not_modified", None)
    assert site.asked("/courier.xml")[-1]["if-none-match"] == '"v1"'
    assert (second.new_articles, second.edited_articles, second.touched_stories) == ([], [], [])
    assert store.conn.execute("SELECT article_id, analyzed_at FROM analyses").fetchall() == analysed

    site.routes["/courier.xml"] = Route(
        rss(
            "Marrowby Courier",
            [item("library", "courier"), item("bridge", "courier"), item("orchard", "courier")],
        ),
        etag='"v2"',
    )
    third = watch([feed], store)
    assert third.new_articles == ["courier-library"] and third.edited_articles == []
    assert article_count(store) == 3
    assert api.latest_round(store) == api.latest_round(store) and api.latest_round(store).id == third.id
    assert api.latest_round(store).new_articles == ["courier-library"]
    assert store.get_article("courier-library").text.startswith("The central library of Port Elsin")


@pytest.mark.slow
def test_repeated_items_make_no_duplicate_articles(site: Site, store: Store) -> None:
    site.routes["/a.xml"] = Route(rss("Keswold Herald", [item("orchard", "herald")] * 3))
    site.routes["/b.xml"] = Route(
        rss("Keswold Herald", [item("orchard", "herald"), item("orchard", "herald")])
    )
    first = watch([site.url("/a.xml"), site.url("/b.xml")], store)
    assert first.new_articles == ["herald-orchard"] and article_count(store) == 1
    second = watch([site.url("/a.xml"), site.url("/b.xml")], store)  # no validators: asked in full
    assert second.new_articles == [] and second.edited_articles == [] and article_count(store) == 1
    seen = store.conn.execute("SELECT feed_url, article_id FROM watch_items ORDER BY feed_url").fetchall()
    assert [tuple(row) for row in seen] == [
        (site.url("/a.xml"), "herald-orchard"),
        (site.url("/b.xml"), "herald-orchard"),
    ]


@pytest.mark.slow
def test_a_summary_item_is_read_from_its_page(site: Site, store: Store) -> None:
    short = item("rail", "coast", full=False)
    short.link = site.url("/news/rail")
    site.routes["/coast.xml"] = Route(rss("Coast Weekly", [short]))
    site.routes["/news/rail"] = Route(page(title("rail"), paragraphs("rail")), content_type="text/html")
    found = watch([site.url("/coast.xml")], store)
    assert found.new_articles == ["coast-rail"]
    art = store.get_article("coast-rail")
    assert "sleeping cars bought second-hand" in art.text  # only the page says so
    assert art.source == "Coast Weekly" and art.title == title("rail") and art.url == short.link
    assert site.asked("/news/rail")[0]["accept"].startswith("text/html")


@pytest.mark.slow
def test_a_page_that_times_out_is_tried_again_next_round(site: Site, store: Store) -> None:
    short = item("library", "gazette", full=False)
    short.link = site.url("/news/library")
    site.routes["/gazette.xml"] = Route(rss("Elsin Gazette", [short]), etag='"g1"')
    site.routes["/news/library"] = Route(
        page(title("library"), paragraphs("library")), content_type="text/html", delay=1.5
    )
    first = watch([site.url("/gazette.xml")], store, timeout=0.4)
    assert outcomes(first)[short.link] == ("error", "timed out after 0.4 s")
    assert not first.all_failed and first.new_articles == [] and article_count(store) == 0

    site.routes["/news/library"].delay = 0
    second = watch([site.url("/gazette.xml")], store, timeout=3)
    assert (
        "if-none-match" not in site.asked("/gazette.xml")[-1]
    )  # its items were not all stored: asked in full
    assert second.new_articles == ["gazette-library"]
    assert "rare maps are kept on the second floor" in store.get_article("gazette-library").text


@pytest.mark.slow
def test_an_opml_list_with_nested_outlines(site: Site, store: Store, tmp_path: Path) -> None:
    site.routes["/one.xml"] = Route(rss("Marrowby Courier", [item("bridge", "one")]), etag='"1"')
    stamp = format_datetime(dt.datetime(2025, 6, 3, 8, tzinfo=dt.UTC), usegmt=True)
    site.routes["/two.xml"] = Route(rss("Coast Weekly", [item("rail", "two")]), last_modified=stamp)
    (tmp_path / "local.xml").write_bytes(rss("Keswold Herald", [item("orchard", "three")]))
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>My feeds</title></head><body>'
        f'<outline text="Towns"><outline text="Courier" type="rss" xmlUrl="{site.url("/one.xml")}"/>'
        f'<outline text="Coast"><outline text="Weekly" type="rss" xmlUrl="{site.url("/two.xml")}"/></outline>'
        '</outline><outline text="Local" type="rss" xmlUrl="local.xml"/></body></opml>',
        encoding="utf-8",
    )
    first = watch([str(opml)], store)
    assert sorted(first.new_articles) == ["one-bridge", "three-orchard", "two-rail"]
    assert [(fetch.kind, fetch.outcome, fetch.items) for fetch in first.feeds][0] == ("list", "ok", 3)
    second = watch([str(opml)], store)
    assert [fetch.outcome for fetch in second.feeds] == ["not_modified"] * 4
    assert site.asked("/two.xml")[-1]["if-modified-since"].endswith("GMT")
    assert second.new_articles == []


def orchard_page(site: Site) -> list[str]:
    """A feed carrying the orchard story as a summary, and its page (ETag "p1"); its paragraphs."""
    short = item("orchard", "tribune", full=False)
    short.link = site.url("/news/orchard")
    site.routes["/tribune.xml"] = Route(rss("Keswold Tribune", [short]))  # no validators: asked in full
    before = paragraphs("orchard")
    site.routes["/news/orchard"] = Route(
        page(title("orchard"), before), content_type="text/html", etag='"p1"'
    )
    return before


def orchard_edited(site: Site, before: list[str]) -> None:
    """The page edited silently (ETag "p2"): a paragraph and its quote gone, a sentence added."""
    after = [
        before[0],
        before[1],
        before[3],
        "Growers said the damage would cost the village about two million crowns.",
    ]
    site.routes["/news/orchard"] = Route(page(title("orchard"), after), content_type="text/html", etag='"p2"')


@pytest.mark.slow
def test_a_silent_edit_keeps_both_versions_and_the_diff(site: Site, store: Store) -> None:
    before = orchard_page(site)
    first = watch([site.url("/tribune.xml")], store, recheck=0)
    assert first.new_articles == ["tribune-orchard"]

    orchard_edited(site, before)
    second = watch([site.url("/tribune.xml")], store, recheck=0)
    assert site.asked("/news/orchard")[-1]["if-none-match"] == '"p1"'
    assert second.new_articles == [] and second.edited_articles == ["tribune-orchard"]
    assert second.touched_stories == [store.story_of()["tribune-orchard"]]

    versions = api.article_versions(store, "tribune-orchard")
    assert [version.version for version in versions] == [1, 2]
    assert "thirty years" in versions[0].text and "thirty years" not in versions[1].text
    edit = versions[1].edit
    assert edit is not None and versions[0].edit is None
    assert edit.quotes_removed == ["We have not seen a frost this late in thirty years,"]
    assert edit.words_added >= 10 and edit.words_removed >= 20 and not edit.title_changed
    art = store.get_article("tribune-orchard")
    assert "two million crowns" in art.text and art.content_hash == versions[1].content_hash

    third = watch([site.url("/tribune.xml")], store, recheck=0)  # the page answers 304 now
    assert site.asked("/news/orchard")[-1]["if-none-match"] == '"p2"'
    assert third.edited_articles == [] and len(api.article_versions(store, "tribune-orchard")) == 2
    assert third.fetches[0].outcome == "ok"


@pytest.mark.slow
def test_what_is_new_since_the_round_and_what_an_edit_took_out(site: Site, store: Store) -> None:
    """The app's "new since the last round": the edit, its removed quote, and the claims it took out."""
    before = orchard_page(site)
    watch([site.url("/tribune.xml")], store, recheck=0)
    first = lookup.whats_new(store)
    assert first.new_stories and first.edited == [] and first.removed == []
    claims_before = {row[0] for row in store.conn.execute("SELECT text FROM story_claims")}

    orchard_edited(site, before)
    watch([site.url("/tribune.xml")], store, recheck=0)
    second = lookup.whats_new(store)
    assert second.new_stories == [] and [edit.article for edit in second.edited] == ["tribune-orchard"]
    assert second.edited[0].quotes_removed == ["We have not seen a frost this late in thirty years,"]
    assert any("two million crowns" in claim.text for claim in second.claims)  # new in an old story
    gone = {claim.text for claim in second.removed}
    assert gone and gone <= claims_before  # kept, as the outlet first said them
    text = store.get_article("tribune-orchard").text
    assert all(" ".join(said.split()) not in " ".join(text.split()) for said in gone)
    assert lookup.removed_claims(store, "tribune-orchard") == second.removed
    server = make_server(store.path, "127.0.0.1", 0)  # the app, read-only beside the open store
    start_in_thread(server)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        new_page = urllib.request.urlopen(base + "/new", timeout=30).read().decode()
        article_page = urllib.request.urlopen(base + "/articles/tribune-orchard", timeout=30).read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert "tribune-orchard" in new_page and html.escape(sorted(gone)[0], quote=False) in new_page
    assert "Edited by the outlet: 2 versions" in article_page and "thirty years" in article_page


# ---- the command line -----------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_watch_once(site: Site, tmp_path: Path) -> None:
    site.routes["/herald.xml"] = Route(rss("Keswold Herald", [item("bridge", "cli")]), etag='"c1"')
    db = str(tmp_path / "news.db")
    res = CliRunner().invoke(cli, ["watch", site.url("/herald.xml"), "--db", db, "--once", "--delay", "0"])
    assert res.exit_code == 0, res.output
    assert res.stderr.strip().splitlines()[-1] == (
        f"round 1: 1 feed ok, 0 failed; 1 new, 0 edited; 1 story touched (1 new) -> {db}"
    )
    res = CliRunner().invoke(
        cli, ["watch", site.url("/herald.xml"), closed_port_url(), "--db", db, "--once", "--delay", "0"]
    )
    assert res.exit_code == 0, res.output
    assert res.stderr.strip().splitlines()[-1] == (
        f"round 2: 1 feed ok (1 not modified), 1 failed; 0 new, 0 edited; 0 stories touched (0 new) -> {db}"
    )
    assert res.stderr.startswith("failed: http://127.0.0.1:") and ": connection refused\n" in res.stderr


def test_cli_watch_exit_status_when_every_feed_fails_and_on_usage(tmp_path: Path) -> None:
    db = str(tmp_path / "news.db")
    down = closed_port_url()
    res = CliRunner().invoke(cli, ["watch", down, "--db", db, "--once", "--delay", "0"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.stderr.splitlines() == [
        f"failed: {down}: connection refused",
        f"round 1: 0 feeds ok, 1 failed; 0 new, 0 edited; 0 stories touched (0 new) -> {db}",
    ]
    assert CliRunner().invoke(cli, ["watch", "--db", db, "--once"]).exit_code == 2
    assert CliRunner().invoke(cli, ["watch", down, "--db", db, "--every", "0"]).exit_code == 2


def test_ctrl_c_stops_watch_every_with_status_0(tmp_path: Path) -> None:
    """The first Ctrl-C lets the round finish and stops (a KeyboardInterrupt may be lost in a ``__del__``)."""
    down = closed_port_url()
    argv = [sys.executable, "-m", "storydesk", "watch", down, "--db", str(tmp_path / "n.db")]
    with subprocess.Popen(
        [*argv, "--every", "0.001", "--delay", "0"], stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert first == f"failed: {down}: connection refused\n"
        proc.send_signal(signal.SIGINT)
        rest = proc.stderr.read()
        assert proc.wait(timeout=30) == 0
    assert rest.rstrip().endswith("stopped; every round's committed data is kept")
    assert "Traceback" not in rest
