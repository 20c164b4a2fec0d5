"""Web app: a small local server over the SQLite store (standard library only).

    /                      stories (title, dates, article and source counts)
    /stories/<id>          the dossier as HTML; .json and .md beside it
    /articles/<id>         one article's clean text; ?start=&end= highlights an evidence span
    /api/stories           the story list as JSON

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
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .errors import NotFoundError, StorydeskError
from .models import Dossier
from .report import index_html, render
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
HOME_NAV: list[Link] = [("/api/stories", "API: /api/stories")]


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
    h = (header or "").strip().lower()
    if h.startswith("["):
        return h[1 : h.index("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


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
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
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
            return HTTPStatus.OK, "text/html", index_html(store.list_stories(), story_href, nav=HOME_NAV)
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
        return HTTPStatus.OK, "text/html", render_html(doc, article_href, nav=nav)

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
    h, p = server.server_address[:2]
    if isinstance(h, bytes):  # only a Unix socket's address is bytes; this server listens on TCP
        h = h.decode()
    print(f"storydesk: http://{f'[{h}]' if ':' in h else h}:{p}/  (Ctrl-C to stop)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def start_in_thread(server: App) -> threading.Thread:
    """Serve in a daemon thread (tests, notebooks); stop with ``server.shutdown()``."""
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    return t


# ---- pages -------------------------------------------------------------------------------------


def _stories_json(store: Store) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "title": s.title,
            "first_published": s.first_published,
            "last_published": s.last_published,
            "article_count": len(s.article_ids),
            "source_count": len(s.sources),
            "articles": s.article_ids,
            "sources": s.sources,
            "url": story_href(s.id),
            "dossier": story_href(s.id, ".json"),
        }
        for s in sorted(store.list_stories(), key=lambda s: s.id)
    ]


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
    art = store.get_article(article_id)
    story = store.story_of().get(art.id)
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
    return render_page("article.html", art=art, links=links, meta=meta, span=span)
