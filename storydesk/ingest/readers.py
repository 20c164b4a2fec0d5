"""Ingest stage, reading: files, folders and stdin to a stream of RawRecord (or Rejection with a reason).

Inputs are streamed: folders are walked lazily, JSON lines are read a line at a time, JSON arrays are
decoded an item at a time and WARC files a record at a time, so memory does not grow with the corpus.
The form of a file is told by its content first (magic bytes, the first characters) and by its
extension when the content says nothing clear. One input that cannot be read is a Rejection naming
it; it never stops the run nor costs another input.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..models import RawRecord, Rejection
from .decoding import Unreadable, binary_kind, bomless_utf16, decode, detect_encoding, wide_encoding
from .folders import (
    OWN_OUTPUT,
    ByteStream,
    NotRegular,
    open_regular,
    output_folder_above,
    shown,
    shown_path,
    shown_rejection,
    walk,
)
from .limits import MAX_BYTES, oversized_input
from .meta import split_authors, url_id, usable_id
from .records import read_json_file, read_jsonl
from .warc import read_warc

_SNIFF = 65536
_HTML_EXT = {".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx"}
_JSON_EXT = {".json", ".jsonl", ".ndjson", ".jsonlines"}
_FEED_EXT = {".rss", ".atom", ".xml", ".rdf"}
_JSON_START_RE = re.compile(r'(?:\{\s*"|\[\s*(?:\{|\]|"|$))')
_FEED_RE = re.compile(r"<(?:rss|feed|rdf:RDF)\b", re.I)
_HTML_RE = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.I)
# A numeric character reference to no character (a lone surrogate, NUL, beyond U+10FFFF): feedparser
# fails on the whole feed for one of these, so each becomes U+FFFD and the item is kept.
_CHARREF_RE = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+))")
_XML_DECL_RE = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")


def stem_of(path: Path) -> str:
    """File name without its extension(s): "a/x.warc.gz" -> "x", "b/y.txt" -> "y"; shown as for a user."""
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    base, ext = os.path.splitext(name)
    return shown(base if ext and base else name)


# ---- forms -------------------------------------------------------------------------------------


def sniff(head: str, ext: str) -> str:
    """txt | html | json | feed | warc, from the first characters, then the extension."""
    text = head.lstrip("\ufeff \t\r\n")
    if text.startswith("WARC/"):
        return "warc"
    if _JSON_START_RE.match(text) or (text[:1] in "{[" and ext in _JSON_EXT):
        return "json"
    if text.startswith("<"):
        if _FEED_RE.search(text[:3000]) and not _HTML_RE.match(text):
            return "feed"
        if _HTML_RE.search(text[:3000]) or ext in _HTML_EXT:
            return "html"
        if ext in _FEED_EXT:
            return "feed"
    if ext in _HTML_EXT:
        return "html"
    if ext in _JSON_EXT:
        return "json"
    if ext in _FEED_EXT:
        return "feed"
    return "txt"


def _head_text(head: bytes) -> str:
    """The first characters of a file, enough to tell its form (UTF-16 without a BOM included)."""
    wide = bomless_utf16(head[:8192])
    return head[:8192].decode(wide, "replace") if wide else head[:4096].decode("latin-1")


# ---- feeds -------------------------------------------------------------------------------------


def _charref(match: re.Match[str]) -> str:
    digits = match.group(1) or match.group(2)
    if len(digits) > 8:
        return "&#xFFFD"
    code = int(digits, 16 if match.group(1) else 10)
    return "&#xFFFD" if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else match.group()


def _charrefs_fixed(data: bytes) -> bytes:
    """The feed's bytes with every character reference to no character made U+FFFD, in its own encoding.

    Latin-1 maps each byte to one character, so any encoding that writes ASCII as ASCII round-trips.
    """
    enc = wide_encoding(data) or "latin-1"
    text = data.decode(enc, "replace")
    if "&#" not in text:
        return data
    return _CHARREF_RE.sub(_charref, text).encode(enc, "replace")


def _parsed_feed(data: bytes) -> Any:
    """feedparser's reading of a feed (a ``FeedParserDict``, whose keys are also attributes); when its
    own decoding fails (an odd encoding declared), the feed is decoded here and handed over as UTF-8
    without its XML declaration."""
    import feedparser

    data = _charrefs_fixed(data)
    try:
        return feedparser.parse(data)
    except (ValueError, LookupError):
        return feedparser.parse(_XML_DECL_RE.sub("", decode(data), count=1).encode("utf-8", "replace"))


def read_feed(data: bytes, name: str) -> Iterator[RawRecord | Rejection]:
    parsed = _parsed_feed(data)
    if not parsed.entries:
        why = f": {parsed.bozo_exception}" if parsed.get("bozo") else ""
        yield Rejection(name, f"feed has no items{why}")
        return
    channel = parsed.feed
    outlet = (channel.get("title") or "").strip() or None
    for i, entry in enumerate(parsed.entries, 1):
        origin = f"{name}#{i}"
        bodies = [content.get("value", "") for content in entry.get("content", [])] + [
            entry.get("summary", "")
        ]
        body = max(bodies, key=len).strip()
        if not body:
            yield Rejection(origin, "feed item has no content or summary")
            continue
        link = entry.get("link")
        guid = usable_id(entry.get("id"))  # a URL guid is not kept as is: the link gives a readable id
        authors = [
            author.get("name", "") for author in entry.get("authors", []) if author.get("name")
        ] or split_authors(entry.get("author"))
        yield RawRecord(
            origin=origin,
            fmt="feed",
            html=body,
            id=guid or (url_id(link) if link else None),
            title=(entry.get("title") or "").strip() or None,
            source=outlet,
            url=link,
            published=entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("published"),
            authors=authors,
        )


# ---- files and folders ---------------------------------------------------------------------------


def read_file(path: Path, name: str | None = None) -> Iterator[RawRecord | Rejection]:
    """Every article in one regular file, whatever its form; pipes, sockets and devices are not opened."""
    name = name or shown_path(path)
    try:
        stream, size = open_regular(path)
    except NotRegular as exc:
        yield Rejection(name, str(exc))
        return
    except OSError as exc:
        yield Rejection(name, f"unreadable: {exc.strerror or exc}")
        return
    with stream:
        if size == 0:
            yield Rejection(name, "empty file, nothing to read")
            return
        yield from _read_guarded(stream, path, name)


def _read_guarded(stream: ByteStream, path: Path, name: str) -> Iterator[RawRecord | Rejection]:
    yield from _named_if_empty(_read_caught(stream, path, name), name)


def _named_if_empty(items: Iterator[RawRecord | Rejection], name: str) -> Iterator[RawRecord | Rejection]:
    """``items``, or one rejection naming an input that held nothing at all (``[]``, a feed of no items)."""
    empty = True
    for item in items:
        empty = False
        yield item
    if empty:
        yield Rejection(name, "holds no records or items; nothing to read")


def _read_caught(stream: ByteStream, path: Path, name: str) -> Iterator[RawRecord | Rejection]:
    try:
        yield from _read_open(stream, path, name)
    except Unreadable as exc:
        yield Rejection(name, str(exc))
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        yield Rejection(name, f"unreadable: corrupt compressed data ({exc})")
    except OSError as exc:
        yield Rejection(name, f"unreadable: {exc.strerror or exc}")
    except Exception as exc:  # a library failing on one odd file must not stop the run nor cost other files
        yield Rejection(
            name, f"could not be read ({type(exc).__name__}: {exc}); the rest of this file is skipped"
        )


def _read_open(stream: ByteStream, path: Path, name: str) -> Iterator[RawRecord | Rejection]:
    head = stream.read(_SNIFF)
    lower = path.name.lower()
    if head.startswith(b"\x1f\x8b"):
        inner = gzip.GzipFile(fileobj=io.BytesIO(head)).read(16) if len(head) else b""
        stream.seek(0)
        if inner.startswith(b"WARC/") or lower.endswith((".warc.gz", ".arc.gz")):
            yield from read_warc(stream, name, gz=True)
            return
        gz = gzip.GzipFile(fileobj=stream)
        yield from _read_open(gz, Path(path.name[:-3] if lower.endswith(".gz") else path.name), name)
        return
    if head.startswith(b"WARC/"):
        stream.seek(0)
        yield from read_warc(stream, name, gz=False)
        return
    kind = binary_kind(head)
    if kind:
        raise Unreadable(f"binary file ({kind}), not text")
    ext = os.path.splitext(lower[:-3] if lower.endswith(".gz") else lower)[1]
    form = sniff(_head_text(head), ext)
    if form == "json":
        yield from read_json_file(stream, name, head)
        return
    data = head + stream.read(MAX_BYTES + 1 - len(head))
    if len(data) > MAX_BYTES:
        raise Unreadable(oversized_input("file"))
    if form == "feed":
        yield from read_feed(data, name)
        return
    yield _whole_file(decode(data), form, path, name)


def _whole_file(text: str, form: str, path: Path, name: str) -> RawRecord:
    """A file that holds one article (text or a page), its file name the article's id."""
    if not text.strip():
        raise Unreadable("empty file (only white space), nothing to read")
    if form == "html":
        return RawRecord(origin=name, fmt="html", html=text, stem=stem_of(path))
    return RawRecord(origin=name, fmt="txt", text=text, stem=stem_of(path))


def _read_stdin() -> Iterator[RawRecord | Rejection]:
    stdin = sys.stdin.buffer
    head = stdin.peek(_SNIFF)[:_SNIFF] if hasattr(stdin, "peek") else b""
    try:
        encoding = detect_encoding(head) if head else "utf-8"
    except Unreadable as exc:
        yield Rejection("-", f"{exc}; standard input must be JSON lines")
        return
    yield from _named_if_empty(read_jsonl(stdin, "-", encoding), "-")


def _read_path(given: str, skip: frozenset[Path]) -> Iterator[RawRecord | Rejection]:
    if given == "-":
        yield from _read_stdin()
        return
    for entry in _files_of(given, skip):
        if isinstance(entry, Rejection):
            yield entry
        else:
            yield from read_file(*entry)


def _files_of(given: str, skip: frozenset[Path]) -> Iterator[tuple[Path, str] | Rejection]:
    """The files one given path names (itself, or a folder's files in walk order), each with the name
    messages show; or why it cannot be read as a path."""
    path, name = Path(given), shown_path(given)
    if "\x00" in given:
        yield Rejection(name, "not a path: it holds a NUL character")
    elif not os.path.lexists(path):
        yield Rejection(name, "no such file or folder")
    elif output_folder_above(path) is not None:
        yield Rejection(name, OWN_OUTPUT)
    elif path.is_dir():
        yield from _folder_files(path, name, skip)
    else:
        yield path, name


def _folder_files(folder: Path, name: str, skip: frozenset[Path]) -> Iterator[tuple[Path, str] | Rejection]:
    any_file = False
    for entry in walk(folder):
        any_file = True
        if isinstance(entry, Rejection):
            yield entry
        elif not skip or Path(os.path.realpath(entry)) not in skip:
            yield entry, shown_path(entry)
    if not any_file:
        yield Rejection(name, "empty folder, nothing to read")


def input_files(
    paths: list[str] | tuple[str, ...], skip: frozenset[Path] = frozenset()
) -> Iterator[tuple[Path, str] | Rejection]:
    """The files ``read_paths`` reads, in its order, each with its shown name (``read_file(*entry)`` reads
    one), and the rejections of given paths that are no readable file or folder (``-`` included)."""
    for given in paths:
        if given == "-":
            yield Rejection("-", "standard input cannot be read here; give files or folders")
            continue
        for entry in _files_of(given, skip):
            yield shown_rejection(entry) if isinstance(entry, Rejection) else entry


def read_bytes(data: bytes, name: str) -> Iterator[RawRecord | Rejection]:
    """Every article in one file's bytes, read as ``read_file`` reads that file (``name``: its path or URI,
    whose last part gives the form and the id)."""
    if not data:
        yield Rejection(name, "empty file, nothing to read")
        return
    base = Path(name.rstrip("/").rsplit("/", 1)[-1])
    for item in _read_guarded(io.BytesIO(data), base, name):
        yield shown_rejection(item) if isinstance(item, Rejection) else item


def read_paths(
    paths: list[str] | tuple[str, ...], skip: frozenset[Path] = frozenset()
) -> Iterator[RawRecord | Rejection]:
    """RawRecord or Rejection for every article in the given files, folders and ``-`` (stdin JSON lines).

    ``skip``: resolved paths never to read in a folder (the database being written, its journal files).
    Every Rejection is one line, its path shown as for a user (odd characters escaped).
    """
    for given in paths:
        for item in _read_path(given, skip):
            yield shown_rejection(item) if isinstance(item, Rejection) else item
