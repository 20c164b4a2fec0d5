"""Ingest stage, fetching: feeds, lists and pages over HTTP (httpx) or from files, for `storydesk watch`.

One ``Fetcher`` per round: every request names storydesk in its user agent, waits ``delay`` seconds
after the previous request to the same host (politeness), gives up after ``timeout`` seconds without
an answer, and asks conditionally (ETag / Last-Modified) when it is given what the URL answered
last, so an unchanged feed costs a 304 and no work. A file is "not modified" when its modification
time and size are those seen last. What cannot be fetched raises ``FetchError``: one line naming the
URL and the reason ("connection refused", "HTTP 500 Internal Server Error", "timed out after 10 s"),
and whether trying again later may help.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from ..errors import InputError
from .limits import MAX_BYTES, oversized_input

DEFAULT_DELAY = 1.0  # seconds between two requests to one host
DEFAULT_TIMEOUT = 15.0  # seconds without an answer before a request is given up
PROJECT_URL = "https://github.com/storydesk/storydesk"
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
MAX_REDIRECTS = 5
_RETRY_LATER = frozenset({408, 425, 429})  # client errors that say "not now" rather than "never"


def user_agent() -> str:
    """``storydesk/<version> (+<project URL>)``, the version from the installed package's metadata."""
    try:
        own = version("storydesk")
    except PackageNotFoundError:
        own = "dev"
    return f"storydesk/{own} (+{PROJECT_URL})"


class FetchError(InputError):
    """A feed, list or page that could not be fetched; ``transient``: the next round may get it."""

    def __init__(self, url: str, reason: str, transient: bool = True) -> None:
        super().__init__(url, reason)
        self.transient = transient


@dataclass
class Validators:
    """What a URL's last full answer said about its version, sent back to ask "changed since?"."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        asked = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {name: value for name, value in asked.items() if value}


@dataclass
class Fetched:
    """One answer: the body, or ``not_modified`` (then no body) when the validators still hold."""

    url: str
    body: bytes = b""
    not_modified: bool = False
    validators: Validators = field(default_factory=Validators)
    content_type: str = ""


def is_url(source: str) -> bool:
    """Whether a source is fetched over HTTP (else it is a file path)."""
    return urlsplit(source).scheme.lower() in ("http", "https")


def file_key(path: str) -> str:
    """The stable name of a file source: its absolute path (the same whatever the working folder)."""
    return os.path.abspath(path)


class Fetcher:
    """An HTTP client for one round (httpx, its connections reused), polite and conditional."""

    def __init__(self, *, delay: float = DEFAULT_DELAY, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.delay = delay
        self.timeout = timeout
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": user_agent()},
        )
        self._last_request: dict[str, float] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def get(self, source: str, known: Validators | None = None, *, accept: str = FEED_ACCEPT) -> Fetched:
        """The source's body, or not-modified; raises FetchError with the reason it cannot be had."""
        if not is_url(source):
            return read_file_source(source, known)
        self._wait_turn(source)
        try:
            return self._request(source, known or Validators(), accept)
        except httpx.TimeoutException as exc:
            raise FetchError(source, f"timed out after {self.timeout:g} s") from exc
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            raise _transport_error(source, exc) from exc
        finally:
            self._last_request[_host(source)] = time.monotonic()

    def _wait_turn(self, url: str) -> None:
        """Sleep until ``delay`` seconds have passed since the last request to the URL's host."""
        last = self._last_request.get(_host(url))
        if last is not None and self.delay > 0:
            time.sleep(max(0.0, last + self.delay - time.monotonic()))

    def _request(self, url: str, known: Validators, accept: str) -> Fetched:
        headers = {"Accept": accept, **known.headers()}
        with self.client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return Fetched(url, not_modified=True, validators=known)
            _check_status(url, response)
            body = self._body(url, response)
            return Fetched(url, body, validators=_validators(response), content_type=_content_type(response))

    def _body(self, url: str, response: httpx.Response) -> bytes:
        """The whole body, refused over ``limits.MAX_BYTES`` or when it trickles in past the deadline."""
        deadline = time.monotonic() + 4 * self.timeout
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BYTES:
                raise FetchError(url, oversized_input("page"), transient=False)
            if time.monotonic() > deadline:
                raise FetchError(url, f"too slow: the answer took over {4 * self.timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc.lower()
    except ValueError:
        return ""


def _check_status(url: str, response: httpx.Response) -> None:
    """FetchError for an answer that is no success: "HTTP 500 Internal Server Error"."""
    code = response.status_code
    if code < 400:
        return
    phrase = f" {response.reason_phrase}" if response.reason_phrase else ""
    raise FetchError(url, f"HTTP {code}{phrase}", transient=code >= 500 or code in _RETRY_LATER)


def _validators(response: httpx.Response) -> Validators:
    return Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"))


def _content_type(response: httpx.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def _transport_error(url: str, exc: Exception) -> FetchError:
    """The one-line reason a request failed below HTTP (refused, unknown host, broken answer)."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        lowered = text.lower()
        if "refused" in lowered:
            return FetchError(url, "connection refused")
        if "name or service" in lowered or "nodename" in lowered or "getaddrinfo" in lowered:
            return FetchError(url, f"host not found ({text})")
        return FetchError(url, f"cannot connect ({text})")
    if isinstance(exc, httpx.TooManyRedirects):
        return FetchError(url, f"more than {MAX_REDIRECTS} redirects", transient=False)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL | ValueError):
        return FetchError(url, f"not a URL that can be fetched ({text})", transient=False)
    return FetchError(url, f"the answer broke off ({type(exc).__name__}: {text})")


def read_file_source(source: str, known: Validators | None = None) -> Fetched:
    """A feed or list read from a file, or not-modified when its modification time and size (kept
    where a URL keeps its ETag) are those ``known``."""
    path = Path(source)
    try:
        if not path.is_file():
            raise FetchError(source, "not a file" if path.exists() else "no such file")
        info = path.stat()
        now = Validators(etag=f"file:{info.st_mtime_ns}:{info.st_size}")
        if known is not None and known.etag == now.etag:
            return Fetched(source, not_modified=True, validators=now)
        if info.st_size > MAX_BYTES:
            raise FetchError(source, oversized_input("file"), transient=False)
        return Fetched(source, path.read_bytes(), validators=now)
    except OSError as exc:
        raise FetchError(source, f"unreadable: {exc.strerror or exc}") from exc
