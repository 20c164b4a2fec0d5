"""Ingest stage, reading: files, folders and stdin to a stream of RawRecord (or Rejection with a reason).

Inputs are streamed: folders are walked lazily, JSON lines are read a line at a time, JSON arrays are
decoded an item at a time and WARC files a record at a time, so memory does not grow with the corpus.
The form of a file is told by its content first (magic bytes, the first characters) and by its
extension when the content says nothing clear.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import re
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..models import RawRecord, Rejection
from .meta import record_id, split_authors, url_id, usable_id

MAX_BYTES = 20_000_000  # a single article, page or feed above this is rejected as oversized
_SNIFF = 65536
_TEXT_EXT = {".txt", ".text", ".md", ".markdown", ".rst"}
_HTML_EXT = {".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx"}
_JSON_EXT = {".json", ".jsonl", ".ndjson", ".jsonlines"}
_FEED_EXT = {".rss", ".atom", ".xml", ".rdf"}
_WARC_EXT = {".warc", ".arc"}
_BINARY_MAGIC = [
    (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"), (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"SQLite format 3\x00", "an SQLite database"), (b"\x7fELF", "a program"), (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ", "an xz archive"), (b"7z\xbc\xaf", "a 7-zip archive"), (b"RIFF", "a media file"),
    (b"\x00\x00\x00\x18ftyp", "a media file"), (b"\x00\x00\x00\x20ftyp", "a media file"), (b"OggS", "a media file"),
    (b"ID3", "an MP3 file"), (b"\xd0\xcf\x11\xe0", "an old office document"),
]
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
]
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)
_JSON_START_RE = re.compile(r'(?:\{\s*"|\[\s*(?:\{|\]|"|$))')
_FEED_RE = re.compile(r"<(?:rss|feed|rdf:RDF)\b", re.I)
_HTML_RE = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.I)


class Unreadable(Exception):
    """One input cannot be read; the message is the reason, the input is named by the caller."""


def stem_of(path: Path) -> str:
    """File name without its extension(s): "a/x.warc.gz" -> "x", "b/y.txt" -> "y"."""
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    base, ext = os.path.splitext(name)
    return base if ext and base else name


# ---- decoding ----------------------------------------------------------------------------------


def _binary_kind(head: bytes) -> str | None:
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            return what
    if any(head.startswith(b) for b, _ in _BOMS):
        return None
    sample = head[:8192]
    if not sample:
        return None
    if b"\x00" in sample and not _utf16_without_bom(sample):
        return "NUL bytes"
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13) or b == 127)
    if controls / len(sample) > 0.05:
        return "control bytes"
    return None


def _utf16_without_bom(sample: bytes) -> bool:
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    n = len(sample) // 2 or 1
    return max(even, odd) / n > 0.4 and min(even, odd) / n < 0.05


def detect_encoding(data: bytes) -> str:
    """The encoding of some bytes: a BOM, else UTF-8 when it decodes, else charset-normalizer's guess."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":  # a character cut at the end of a sample
            return "utf-8"
    m = _META_CHARSET_RE.search(data[:4096])
    if m:
        enc = m.group(1).decode("ascii", "ignore")
        try:
            data.decode(enc)
            return enc
        except (LookupError, UnicodeDecodeError):
            pass
    from charset_normalizer import from_bytes

    results = list(from_bytes(data[:200_000]))
    if not results:
        raise Unreadable("undecodable: no text encoding fits these bytes")
    best = results[0]
    # Short Western texts fit several code pages equally well; Windows-1252 is by far the most common
    # legacy one (the web's default for Western text), so it wins a near tie.
    for m in results:
        if m.encoding in ("cp1252", "latin_1", "iso8859_15") and m.chaos <= best.chaos + 0.1:
            return "cp1252"
    return best.encoding


def decode(data: bytes) -> str:
    kind = _binary_kind(data[:_SNIFF])
    if kind:
        raise Unreadable(f"binary file ({kind}), not text")
    enc = detect_encoding(data)
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        raise Unreadable(f"undecodable as {enc}: {exc.reason if hasattr(exc, 'reason') else exc}") from exc


# ---- forms -------------------------------------------------------------------------------------


def sniff(head: str, ext: str) -> str:
    """txt | html | json | feed | warc, from the first characters, then the extension."""
    s = head.lstrip("\ufeff \t\r\n")
    if s.startswith("WARC/"):
        return "warc"
    if _JSON_START_RE.match(s) or (s[:1] in "{[" and ext in _JSON_EXT):
        return "json"
    if s.startswith("<"):
        if _FEED_RE.search(s[:3000]) and not _HTML_RE.match(s):
            return "feed"
        if _HTML_RE.search(s[:3000]) or ext in _HTML_EXT:
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


def _record(obj: Any, origin: str, fmt: str) -> RawRecord | Rejection:
    """A JSON record with the contract's fields (and a few common aliases) as a RawRecord."""
    if not isinstance(obj, dict):
        return Rejection(origin, f"not a record: a JSON {type(obj).__name__}, expected an object with text or html")
    text = obj.get("text", obj.get("content", obj.get("body")))
    html = obj.get("html")
    if text is not None and not isinstance(text, str) or html is not None and not isinstance(html, str):
        return Rejection(origin, "malformed record: text and html must be strings")
    if not (text or "").strip() and not (html or "").strip():
        return Rejection(origin, "record has no text or html field with content")
    if len(text or "") > MAX_BYTES or len(html or "") > MAX_BYTES:
        return Rejection(origin, "oversized record: over 20 MB of text")

    def opt(*names: str) -> str | None:
        for n in names:
            v = obj.get(n)
            if v is not None and not isinstance(v, (dict, list)) and str(v).strip():
                return str(v).strip()
        return None

    return RawRecord(
        origin=origin, fmt=fmt, text=text, html=html if not (text or "").strip() else None,
        id=record_id(obj.get("id")), title=opt("title", "headline"), source=opt("source", "outlet", "site_name"),
        published=opt("published", "date", "published_at", "pubdate"), url=opt("url", "link"),
        authors=split_authors(obj.get("authors", obj.get("author"))),
    )


def _iter_lines(f: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for each line; None for a line over the size limit (skipped, not kept)."""
    n = 0
    while True:
        line = f.readline(MAX_BYTES + 1)
        if not line:
            return
        n += 1
        if len(line) > MAX_BYTES and not line.endswith(b"\n"):
            while True:  # drop the rest of the oversized line
                more = f.readline(1 << 20)
                if not more or more.endswith(b"\n"):
                    break
            yield n, None
            continue
        yield n, line


def _iter_text_lines(f: IO[bytes], encoding: str) -> Iterator[tuple[int, bytes | str | None]]:
    """Lines of a stream in an encoding whose newline is not one byte (UTF-16, UTF-32)."""
    text = io.TextIOWrapper(f, encoding=encoding, errors="strict", newline=None)  # type: ignore[arg-type]
    for n, line in enumerate(text, 1):
        yield n, (None if len(line) > MAX_BYTES else line)


def read_jsonl(f: IO[bytes], name: str, encoding: str = "utf-8") -> Iterator[RawRecord | Rejection]:
    wide = encoding.replace("_", "-").lower().startswith(("utf-16", "utf-32"))
    lines = _iter_text_lines(f, encoding) if wide else _iter_lines(f)
    try:
        yield from _jsonl_records(lines, name, encoding)
    except UnicodeDecodeError as exc:
        yield Rejection(name, f"undecodable as {encoding}: {exc.reason}; the rest of the input is skipped")


def _jsonl_records(lines: Iterator[tuple[int, bytes | str | None]], name: str, encoding: str
                   ) -> Iterator[RawRecord | Rejection]:
    for n, line in lines:
        origin = f"{name}:{n}"
        if line is None:
            yield Rejection(origin, "oversized line: over 20 MB")
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line if isinstance(line, str) else line.decode(encoding))
        except UnicodeDecodeError as exc:
            yield Rejection(origin, f"undecodable line as {encoding}: {exc.reason}")
            continue
        except json.JSONDecodeError as exc:
            yield Rejection(origin, f"malformed JSON line: {exc.msg.removesuffix(' at')} at column {exc.colno}")
            continue
        yield _record(obj, origin, "jsonl")


def read_json_array(f: IO[bytes], name: str, encoding: str) -> Iterator[RawRecord | Rejection]:
    """Items of a top-level JSON array, decoded one at a time from a growing buffer."""
    decoder = json.JSONDecoder()
    text_in = codecs.getincrementaldecoder(encoding)(errors="strict")
    buf, pos, n, eof = "", 0, 0, False

    def fill() -> bool:
        nonlocal buf, pos, eof
        chunk = f.read(1 << 20)
        eof = not chunk
        buf = buf[pos:] + text_in.decode(chunk, final=eof)
        pos = 0
        return not eof

    fill()
    pos = len(buf) - len(buf.lstrip("\ufeff \t\r\n"))
    if buf[pos:pos + 1] != "[":
        yield Rejection(name, "malformed JSON: expected an array of records")
        return
    pos += 1
    while True:
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n,":
                pos += 1
            if pos < len(buf) or not fill():
                break
        if pos >= len(buf):
            yield Rejection(name, f"malformed JSON array: it ends after item {n} without a closing ]")
            return
        if buf[pos] == "]":
            return
        try:
            obj, end = decoder.raw_decode(buf, pos)
        except json.JSONDecodeError as exc:
            if not eof and len(buf) - pos < MAX_BYTES and fill():
                continue  # the item is cut by the chunk boundary: read more
            yield Rejection(f"{name}#{n + 1}", f"malformed JSON array item: {exc.msg}; the rest of the file is skipped")
            return
        n += 1
        pos = end
        yield _record(obj, f"{name}#{n}", "json")


def read_json_file(f: IO[bytes], name: str, head: bytes) -> Iterator[RawRecord | Rejection]:
    """A JSON array or JSON lines; ``f`` is positioned just after ``head``."""
    encoding = detect_encoding(head)
    first = head.decode(encoding, "ignore").lstrip("\ufeff \t\r\n")[:1]
    if first == "[":
        yield from read_json_array(_Prefixed(head, f), name, encoding)
        return
    first_line = head.split(b"\n", 1)[0]
    try:
        json.loads(first_line.decode(encoding))
    except (json.JSONDecodeError, UnicodeDecodeError):
        # Not one object a line: perhaps one object spread over many lines; read it whole (it is small).
        data = head + f.read(MAX_BYTES + 1 - len(head))
        try:
            obj = json.loads(data.decode(encoding))
        except (json.JSONDecodeError, UnicodeDecodeError):
            yield from read_jsonl(_Prefixed(data, f), name, encoding)
            return
        items = obj if isinstance(obj, list) else [obj]
        for i, it in enumerate(items, 1):
            yield _record(it, name if len(items) == 1 else f"{name}#{i}", "json")
        return
    yield from read_jsonl(_Prefixed(head, f), name, encoding)


class _Prefixed(io.RawIOBase):
    """A stream that replays some bytes already read, then the rest (for pipes that cannot seek)."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._buf = io.BufferedReader(io.BytesIO(head))
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readline(self, size: int = -1) -> bytes:  # type: ignore[override]
        line = self._buf.readline(size)
        if line.endswith(b"\n") or (size > 0 and len(line) >= size):
            return line
        return line + self._rest.readline(size - len(line) if size > 0 else -1)

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        data = self._buf.read(size)
        if size < 0:
            return data + self._rest.read()
        return data + (self._rest.read(size - len(data)) if len(data) < size else b"")


def read_feed(data: bytes, name: str) -> Iterator[RawRecord | Rejection]:
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries:
        why = f": {parsed.bozo_exception}" if parsed.get("bozo") else ""
        yield Rejection(name, f"feed has no items{why}")
        return
    channel = parsed.feed
    outlet = (channel.get("title") or "").strip() or None
    for i, e in enumerate(parsed.entries, 1):
        origin = f"{name}#{i}"
        bodies = [c.get("value", "") for c in e.get("content", [])] + [e.get("summary", "")]
        body = max(bodies, key=len).strip()
        if not body:
            yield Rejection(origin, "feed item has no content or summary")
            continue
        link = e.get("link")
        guid = usable_id(e.get("id"))  # a URL guid is not kept as is: the link gives a readable id
        authors = [a.get("name", "") for a in e.get("authors", []) if a.get("name")] or split_authors(e.get("author"))
        yield RawRecord(
            origin=origin, fmt="feed", html=body, id=guid or (url_id(link) if link else None),
            title=(e.get("title") or "").strip() or None, source=outlet, url=link,
            published=e.get("published_parsed") or e.get("updated_parsed") or e.get("published"),
            authors=authors,
        )


def read_warc(f: IO[bytes], name: str) -> Iterator[RawRecord | Rejection]:
    """The HTML responses of a WARC file (.warc or .warc.gz, as CC-NEWS ships them)."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    n = found = 0
    try:
        for rec in ArchiveIterator(f):
            if rec.rec_type != "response":
                continue
            n += 1
            origin = f"{name}#{n}"
            http = rec.http_headers
            ctype = (http.get_header("Content-Type") if http else "") or ""
            status = http.get_statuscode() if http else "200"
            if "html" not in ctype.lower() or status != "200":
                continue  # images, robots.txt, redirects: not articles
            found += 1
            url = rec.rec_headers.get_header("WARC-Target-URI")
            data = rec.content_stream().read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                yield Rejection(origin, "oversized response: over 20 MB")
                continue
            m = re.search(r"charset=([\w.:-]+)", ctype, re.I)
            try:
                html = data.decode(m.group(1)) if m else decode(data)
            except (LookupError, UnicodeDecodeError, Unreadable):
                try:
                    html = decode(data)
                except Unreadable as exc:
                    yield Rejection(origin, str(exc))
                    continue
            yield RawRecord(origin=origin, fmt="warc", html=html, url=url, id=url_id(url) if url else None)
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        yield Rejection(f"{name}#{n + 1}" if n else name, f"malformed WARC: {str(exc).splitlines()[0][:200]}")
        return
    if not found:
        yield Rejection(name, "no HTML responses in the WARC file")


# ---- files and folders ---------------------------------------------------------------------------


def read_file(path: Path, name: str | None = None) -> Iterator[RawRecord | Rejection]:
    """Every article in one file, whatever its form."""
    name = name or str(path)
    try:
        size = path.stat().st_size
        f = path.open("rb")
    except OSError as exc:
        yield Rejection(name, f"unreadable: {exc.strerror or exc}")
        return
    with f:
        if size == 0:
            yield Rejection(name, "empty file, nothing to read")
            return
        try:
            yield from _read_open(f, path, name)
        except Unreadable as exc:
            yield Rejection(name, str(exc))
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            yield Rejection(name, f"unreadable: corrupt compressed data ({exc})")
        except OSError as exc:
            yield Rejection(name, f"unreadable: {exc.strerror or exc}")


def _read_open(f: IO[bytes], path: Path, name: str) -> Iterator[RawRecord | Rejection]:
    head = f.read(_SNIFF)
    lower = path.name.lower()
    if head.startswith(b"\x1f\x8b"):
        inner = gzip.GzipFile(fileobj=io.BytesIO(head)).read(16) if len(head) else b""
        f.seek(0)
        if inner.startswith(b"WARC/") or lower.endswith((".warc.gz", ".arc.gz")):
            yield from read_warc(f, name)
            return
        gz = gzip.GzipFile(fileobj=f)
        yield from _read_open(gz, Path(path.name[:-3] if lower.endswith(".gz") else path.name), name)
        return
    if head.startswith(b"WARC/"):
        f.seek(0)
        yield from read_warc(f, name)
        return
    kind = _binary_kind(head)
    if kind:
        raise Unreadable(f"binary file ({kind}), not text")
    ext = os.path.splitext(lower[:-3] if lower.endswith(".gz") else lower)[1]
    form = sniff(head[:4096].decode("latin-1"), ext)
    if form == "json":
        yield from read_json_file(f, name, head)
        return
    data = head + f.read(MAX_BYTES + 1 - len(head))
    if len(data) > MAX_BYTES:
        raise Unreadable("oversized: over 20 MB of text, the limit is 20 MB")
    if form == "feed":
        yield from read_feed(data, name)
        return
    text = decode(data)
    if not text.strip():
        raise Unreadable("empty file (only white space), nothing to read")
    stem = stem_of(path)
    if form == "html":
        yield RawRecord(origin=name, fmt="html", html=text, stem=stem)
    else:
        yield RawRecord(origin=name, fmt="txt", text=text, stem=stem)


# A folder's own documentation is not news: README.md beside a corpus must not become an article.
_NOT_NEWS_RE = re.compile(r"^(?:readme|license|licence|copying|changelog|notice|authors)(?:[._-].*)?$", re.I)


def walk(folder: Path) -> Iterator[Path]:
    """Files under a folder, recursively, in a stable order; hidden files and folder docs skipped."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for fn in sorted(files):
            if not fn.startswith(".") and not _NOT_NEWS_RE.match(fn):
                yield Path(root) / fn


def read_paths(paths: list[str] | tuple[str, ...], skip: frozenset[Path] = frozenset()
               ) -> Iterator[RawRecord | Rejection]:
    """RawRecord or Rejection for every article in the given files, folders and ``-`` (stdin JSON lines).

    ``skip``: resolved paths never to read in a folder (the database being written, its journal files).
    """
    for p in paths:
        if p == "-":
            stdin = sys.stdin.buffer
            head = stdin.peek(_SNIFF)[:_SNIFF] if hasattr(stdin, "peek") else b""
            yield from read_jsonl(stdin, "-", detect_encoding(head) if head else "utf-8")
            continue
        path = Path(p)
        if path.is_dir():
            any_file = False
            for fp in walk(path):
                any_file = True
                if skip and fp.resolve() in skip:
                    continue
                yield from read_file(fp)
            if not any_file:
                yield Rejection(p, "empty folder, nothing to read")
        elif path.exists():
            yield from read_file(path, p)
        else:
            yield Rejection(p, "no such file or folder")
