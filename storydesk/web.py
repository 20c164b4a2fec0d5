"""Web app: a small local server over the SQLite store (standard library only).

    /                      stories (title, dates, article and source counts)
    /stories/<id>          the dossier as HTML; .json and .md beside it
    /articles/<id>         one article's clean text; ?start=&end= highlights an evidence span
    /api/stories           the story list as JSON
    /blindspots            stories carried by one side only (.json beside it), with the user's outlet
                           ratings (`storydesk leanings`); without them nothing about leaning is shown

It never writes: each request opens its own read-only Store (sqlite3 connections belong to the thread
that made them), and a dossier not stored yet is built in memory. It answers GET and HEAD, and only
requests whose Host header names this machine's loopback (or the --host it was given), so that a page
on the open web cannot read the archive through DNS rebinding.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from .errors import NotFoundError, StorydeskError
from .models import Dossier, Story
from .report import index_html, lookup, render
from .report.browse import Hrefs, as_json, entity_page, new_page, outlet_page, outlets_page, search_page
from .report.leaning import Split, blindspots, blindspots_page, load_ratings, split_of, story_splits
from .report.render_html import render_html
from .report.templates import CSP, Link, render_page, when
from .store import Store

DossierFn = Callable[[Store, str], Dossier]
Page = tuple[HTTPStatus, str, str]

ALLOW = "GET, HEAD"
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP + "; frame-ancestors 'none'",  # frame-ancestors only works as a header
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}
WILDCARDS = ("", "0.0.0.0", "::")
BLINDSPOTS_LINK: Link = ("/blindspots", "Blindspots")  # on the home nav only when outlet ratings exist
HOME_NAV: list[Link] = [
    ("/search", "Search"),
    ("/outlets", "Outlets"),
    ("/new", "New since the last round"),
    ("/api/stories", "API: /api/stories"),
]
ACROSS_NAV: list[Link] = [
    ("/", "← All stories"),
    ("/search", "Search"),
    ("/outlets", "Outlets"),
    ("/new", "New"),
]


def _api_dossier(store: Store, story_id: str) -> Dossier:
    from . import api

    return api.dossier(store, story_id)


class DossierCache:
    """Dossiers built in memory by the read-only server, kept per story until its inputs change."""

    limit = 64  # stories kept (the most recently asked for)

    def __init__(self, build: DossierFn) -> None:
        self.build = build
        self.items: OrderedDict[str, tuple[str, Dossier]] = OrderedDict()
        self.lock = threading.Lock()

    def __call__(self, store: Store, story_id: str) -> Dossier:
        from .reconcile import input_hash

        key = input_hash(store, store.get_story(story_id))
        with self.lock:
            hit = self.items.get(story_id)
        if hit is not None and hit[0] == key:
            return hit[1]
        doc = self.build(store, story_id)
        with self.lock:
            self.items[story_id] = (key, doc)
            self.items.move_to_end(story_id)
            while len(self.items) > self.limit:
                self.items.popitem(last=False)
        return doc


def article_href(article_id: str, start: int | None = None, end: int | None = None) -> str:
    href = f"/articles/{quote(article_id, safe='')}"
    if start is not None and end is not None:
        href += f"?start={int(start)}&end={int(end)}#hl"
    return href


def story_href(story_id: str, ext: str = "") -> str:
    return f"/stories/{quote(story_id, safe='')}{ext}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def host_name(header: str | None) -> str:
    """The host of a Host header, without port or brackets: ``[::1]:8000`` -> ``::1``."""
    host = (header or "").strip().lower()
    if host.startswith("["):
        return host[1 : host.index("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_check(bind: str) -> Callable[[str], bool]:
    """Which Host names a server bound to ``bind`` answers: loopback ones; also ``bind`` when it is not
    loopback; on a wildcard bind, any address literal and this machine's names (a DNS-rebinding page
    can only send its own domain name)."""
    bind = bind.strip().strip("[]").lower()
    names = {bind} if not is_loopback(bind) else set()
    if bind in WILDCARDS:
        names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    return lambda name: is_loopback(name) or name in names or (bind in WILDCARDS and _is_ip(name))


class Handler(BaseHTTPRequestHandler):
    """Routes GET and HEAD requests; the server carries ``db_path`` and ``dossier_fn``."""

    server: App
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet unless asked: tests and CLI stay readable
        if self.server.verbose:
            super().log_message(fmt, *args)

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.respond(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self.respond(with_body=False)

    def refuse_method(self) -> None:
        """405 for every other method this server knows of (a body it did not read closes the connection)."""
        self.close_connection = True
        self.send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            "text/plain",
            f"{self.command} is not served here; use {ALLOW}\n",
            extra={"Allow": ALLOW, "Connection": "close"},
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = refuse_method  # noqa: N815

    def respond(self, with_body: bool) -> None:
        name = host_name(self.headers.get("Host"))
        if not self.server.accepts(name):
            port = self.server.server_address[1]
            body = (
                f"Host {name[:100]!r} is not served here: open http://127.0.0.1:{port}/ "
                "(or start `storydesk serve --host NAME` to serve NAME)\n"
            )
            self.send(HTTPStatus.MISDIRECTED_REQUEST, "text/plain", body, with_body)
            return
        self.send(*self.page(), with_body)

    def page(self) -> Page:
        url = urlsplit(self.path)
        path = unquote(url.path)
        query = {name: values[-1] for name, values in parse_qs(url.query).items()}
        try:
            with Store(self.server.db_path, readonly=True) as store:
                return self.route(store, path, query)
        except NotFoundError as exc:
            return HTTPStatus.NOT_FOUND, "text/html", _error_page("Not found", str(exc))
        except StorydeskError as exc:
            return HTTPStatus.INTERNAL_SERVER_ERROR, "text/html", _error_page("Error", str(exc))
        except Exception as exc:  # a bug in one page must not take the server down; say what broke
            self.log_error("%s failed: %r", path, exc)
            return (
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "text/html",
                _error_page("Error", f"{type(exc).__name__}: {exc}"),
            )

    def route(self, store: Store, path: str, query: dict[str, str]) -> Page:
        if path in ("/", "/index.html"):
            wanted = lookup.StoryFilter(
                *(query.get(key, "").strip() for key in ("outlet", "entity", "since", "until"))
            )
            shown, paging = _page_of(store, wanted, query)
            return HTTPStatus.OK, "text/html", _story_list(store, shown, wanted, paging)
        if path == "/api/stories":
            return (
                HTTPStatus.OK,
                "application/json",
                json.dumps(_stories_json(store), indent=2, ensure_ascii=False),
            )
        if path.startswith("/stories/"):
            return self.story(store, path.removeprefix("/stories/"))
        if path.startswith("/articles/"):
            return HTTPStatus.OK, "text/html", _article_page(store, path.removeprefix("/articles/"), query)
        if path in ("/blindspots", "/blindspots.json"):
            return _blindspots(store, path.endswith(".json"))
        for prefix in ("/search", "/outlets", "/entities", "/new"):
            if path == prefix or path.startswith(prefix + "/") or path == prefix + ".json":
                return _across_page(store, path, query)
        raise NotFoundError(f"no page at {path}; start from /")

    def story(self, store: Store, name: str) -> Page:
        for ext, fmt, ctype in ((".json", "json", "application/json"), (".md", "md", "text/markdown")):
            if name.endswith(ext):
                doc = self.server.dossier_fn(store, name.removesuffix(ext))
                return HTTPStatus.OK, ctype, render(doc, fmt)
        store.get_story(name)  # a clean 404 for an unknown id
        doc = self.server.dossier_fn(store, name)
        nav = [
            ("/", "← All stories"),
            (story_href(name, ".json"), "JSON"),
            (story_href(name, ".md"), "Markdown"),
        ]
        linked = {
            story_entity: entity_href(cross) for story_entity, cross in lookup.cross_ids(store, name).items()
        }
        split = _story_split(store, name)
        page = render_html(doc, article_href, nav=nav, entity_link=linked.get, leaning=split)
        return HTTPStatus.OK, "text/html", page

    def send(
        self,
        status: HTTPStatus,
        ctype: str,
        body: str,
        with_body: bool = True,
        extra: dict[str, str] | None = None,
    ) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in {**SECURITY_HEADERS, **(extra or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(data)


class App(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr: tuple[str, int], db_path: str, dossier_fn: DossierFn, verbose: bool) -> None:
        if ":" in addr[0]:
            self.address_family = socket.AF_INET6
        super().__init__(addr, Handler)
        self.db_path = db_path
        self.dossier_fn = dossier_fn
        self.verbose = verbose
        self.accepts = host_check(addr[0])


def make_server(
    db: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    dossier_fn: DossierFn | None = None,
    verbose: bool = False,
) -> App:
    """The server, bound but not yet serving (port 0 picks a free port: see ``server.server_address``).

    The database is checked first: StoreError when it is missing, not SQLite, or not storydesk's.
    """
    Store(db, readonly=True).close()
    try:
        return App((host, port), str(db), dossier_fn or DossierCache(_api_dossier), verbose)
    except OSError as exc:
        raise StorydeskError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port or --host"
        ) from exc


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted (Ctrl-C)."""
    server = make_server(db_path, host, port, verbose=True)
    if not is_loopback(host):
        print(
            f"warning: serving on {host}, reachable from other machines; article text is untrusted input",
            file=sys.stderr,
        )
    bound_host, bound_port = server.server_address[:2]
    if isinstance(bound_host, bytes):  # only a Unix socket's address is bytes; this server listens on TCP
        bound_host = bound_host.decode()
    shown_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    print(f"storydesk: http://{shown_host}:{bound_port}/  (Ctrl-C to stop)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def start_in_thread(server: App) -> threading.Thread:
    """Serve in a daemon thread (tests, notebooks); stop with ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


# ---- pages -------------------------------------------------------------------------------------


def _stories_json(store: Store) -> list[dict[str, Any]]:
    return [
        {
            "id": story.id,
            "title": story.title,
            "first_published": story.first_published,
            "last_published": story.last_published,
            "article_count": len(story.article_ids),
            "source_count": len(story.sources),
            "articles": story.article_ids,
            "sources": story.sources,
            "url": story_href(story.id),
            "dossier": story_href(story.id, ".json"),
        }
        for story in sorted(store.list_stories(), key=lambda story: story.id)
    ]


PAGE_SIZE = 100  # stories on one page of the story list


def _page_of(
    store: Store, wanted: lookup.StoryFilter, query: dict[str, str]
) -> tuple[list[Story], list[Link]]:
    """One page of the story list, newest first, and the links to the pages before and after it."""
    asked_page = max(1, _int(query.get("page")) or 1)
    shown, total = lookup.story_page(store, wanted, asked_page, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if asked_page > pages:  # past the end: the last page
        asked_page = pages
        shown, total = lookup.story_page(store, wanted, pages, PAGE_SIZE)
    asked = {key: value for key, value in query.items() if key != "page" and value}
    links: list[Link] = []
    for number, label in ((asked_page - 1, "← newer"), (asked_page + 1, "older →")):
        if 1 <= number <= pages:
            links.append(("/?" + urlencode({**asked, "page": number}), f"{label} (page {number} of {pages})"))
    return shown, links


def _story_list(store: Store, shown: list[Story], wanted: lookup.StoryFilter, paging: list[Link]) -> str:
    """The front page; with outlet ratings, each story's split by leaning and a link to the blindspots."""
    ratings = load_ratings(store)
    if ratings is None:
        return index_html(shown, story_href, nav=HOME_NAV, filters=wanted, paging=paging)
    nav = [*HOME_NAV, BLINDSPOTS_LINK]
    splits = story_splits(shown, ratings)
    return index_html(shown, story_href, nav=nav, filters=wanted, leanings=splits, paging=paging)


def _story_split(store: Store, story_id: str) -> Split | None:
    """A story's split by leaning, or None without outlet ratings."""
    ratings = load_ratings(store)
    return split_of(store.get_story(story_id), ratings) if ratings else None


def _blindspots(store: Store, wants_json: bool) -> Page:
    """/blindspots: the stories carried by one side only (by the user's outlet ratings), HTML or JSON."""
    ratings = load_ratings(store)
    if ratings is None:
        fix = f"load yours with `storydesk leanings FILE.csv --db {store.path}`"
        raise NotFoundError(f"no outlet ratings in {store.path}; {fix}")
    found = blindspots(store.list_stories(), ratings)
    if wants_json:
        return HTTPStatus.OK, "application/json", as_json(found)
    return HTTPStatus.OK, "text/html", blindspots_page(found, story_href, ACROSS_NAV)


def _error_page(title: str, message: str) -> str:
    return render_page("error.html", title=title, message=message)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _span(text: str, start: int | None, end: int | None) -> tuple[str, str, str] | None:
    """The text before, inside and after the span asked for, when it lies within the text."""
    if start is not None and end is not None and 0 <= start < end <= len(text):
        return text[:start], text[start:end], text[end:]
    return None


def _article_page(store: Store, article_id: str, query: dict[str, str]) -> str:
    from .ingest.watch import article_versions

    art = store.get_article(article_id)
    row = store.conn.execute("SELECT story_id FROM story_articles WHERE article_id = ?", (art.id,)).fetchone()
    story = row[0] if row else None
    links: list[Link] = [("/", "All stories")] + ([(story_href(story), "← Story")] if story else [])
    meta = [
        art.source,
        when(art.published),
        f"{art.words} words" if art.words else "",
        "brief" if art.brief else "",
        f"copy of {art.copy_of}" if art.copy_of else "",
        art.id,
    ]
    span = _span(art.text, _int(query.get("start")), _int(query.get("end")))
    versions = article_versions(store, art.id)
    removed = lookup.removed_claims(store, art.id)
    return render_page(
        "article.html", art=art, links=links, meta=meta, span=span, versions=versions, removed=removed
    )


def outlet_href(source: str, ext: str = "") -> str:
    return f"/outlets/{quote(source, safe='')}{ext}"


def entity_href(entity_id: str, ext: str = "") -> str:
    return f"/entities/{quote(entity_id, safe='')}{ext}"


HREFS = Hrefs(story=story_href, article=article_href, outlet=outlet_href, entity=entity_href)


def _across_page(store: Store, path: str, query: dict[str, str]) -> Page:
    """/search, /outlets and /entities: HTML, or JSON when the path ends in .json."""
    wants_json = path.endswith(".json")
    route, _, name = path.removesuffix(".json").lstrip("/").partition("/")
    words = query.get("q", "")
    if route == "search" and not name:
        if wants_json:
            return HTTPStatus.OK, "application/json", as_json(lookup.search(store, words))
        return HTTPStatus.OK, "text/html", search_page(store, words, HREFS, ACROSS_NAV)
    if route == "outlets" and name:
        if wants_json:
            return HTTPStatus.OK, "application/json", as_json(lookup.outlet_view(store, name))
        return HTTPStatus.OK, "text/html", outlet_page(store, name, HREFS, ACROSS_NAV)
    if route == "outlets" and not wants_json:
        return HTTPStatus.OK, "text/html", outlets_page(store, HREFS, ACROSS_NAV)
    if route == "outlets":
        return HTTPStatus.OK, "application/json", as_json(lookup.outlets(store))
    if route == "new" and not name:
        if wants_json:
            return HTTPStatus.OK, "application/json", as_json(lookup.whats_new(store))
        return HTTPStatus.OK, "text/html", new_page(store, HREFS, ACROSS_NAV)
    if route == "entities" and name:
        if wants_json:
            return HTTPStatus.OK, "application/json", as_json(lookup.entity_view(store, name))
        return HTTPStatus.OK, "text/html", entity_page(store, name, HREFS, ACROSS_NAV)
    raise NotFoundError(f"no page at {path}; try /search?q=WORDS, /outlets or an entity from a dossier")
