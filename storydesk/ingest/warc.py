"""Ingest stage, WARC: the HTML responses of a web archive (.warc or .warc.gz, as CC-NEWS ships them).

A record that cannot be read costs only itself (a response without WARC-Target-URI, malformed HTTP
headers, a body that does not decode). A file cut short keeps every record before the cut and is
named as truncated: warcio takes the end of a cut gzip stream for the end of the archive, so the
gzip layer is read here, where a missing end marker raises instead of ending quietly, and a record
whose block is shorter than its Content-Length is caught by what is left of its limit.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..models import RawRecord, Rejection
from .decoding import Unreadable, decode
from .folders import ByteStream
from .limits import MAX_BYTES, oversized_input
from .meta import url_id

_CHARSET_RE = re.compile(r"charset=([\w.:-]+)", re.I)


class Truncated(Exception):
    """The archive ends inside a record (not an EOFError, which warcio takes for a clean end)."""


class _StrictGzip(io.RawIOBase):
    """Decompressed bytes of a (multi-member) gzip stream; a cut or corrupt stream ends it and is noted.

    The fault ends the stream rather than raising at once, so the bytes decoded before it still reach
    the reader (a buffered read would drop them with the exception); ``check`` raises it afterwards.
    """

    def __init__(self, stream: ByteStream) -> None:
        self._gz = gzip.GzipFile(fileobj=stream)
        self.fault: str | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.fault:
            return 0
        try:
            data = self._gz.read1(
                len(buffer)
            )  # one step at a time: read() would lose what it decoded at a fault
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            self.fault = f"compressed data cut or corrupt ({exc})"
            return 0
        buffer[: len(data)] = data
        return len(data)

    def check(self) -> None:
        if self.fault:
            raise Truncated(self.fault)


def _drain(rec: Any) -> None:
    """Read what is left of a record's block; raise Truncated when the file ends before its length."""
    declared = rec.rec_headers.get_header("Content-Length") or ""
    if not declared.strip().isdigit():  # missing, or cut short in the record's headers
        raise Truncated(f"a record without a valid Content-Length ({declared.strip() or 'none'})")
    while rec.raw_stream.read(1 << 16):
        pass
    if getattr(rec.raw_stream, "limit", 0) > 0:
        raise Truncated(f"a record ends {rec.raw_stream.limit:,} bytes short of its Content-Length")


def _http_headers(rec: Any) -> Any:
    from warcio.recordloader import ArcWarcRecordLoader

    return ArcWarcRecordLoader().http_parser.parse(rec.raw_stream)


def _page(data: bytes, ctype: str) -> str:
    """A response body as text: in the charset its headers declare when that reads, else detected."""
    declared = _CHARSET_RE.search(ctype)
    if declared:
        try:
            return data.decode(declared.group(1))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data)


def _response(rec: Any, origin: str) -> RawRecord | Rejection | None:
    """A response record as a RawRecord, a Rejection, or None when it is not a page (image, redirect)."""
    from warcio.bufferedreaders import ChunkedDataException
    from warcio.statusandheaders import StatusAndHeadersParserException

    url = rec.rec_headers.get_header("WARC-Target-URI")
    if not url:
        return Rejection(origin, "WARC response without WARC-Target-URI; not read")
    if not url.lower().startswith(("http:", "https:")):
        return None  # dns: and other records carry no web page
    try:
        rec.http_headers = _http_headers(rec)
        ctype = rec.http_headers.get_header("Content-Type") or ""
        if "html" not in ctype.lower() or rec.http_headers.get_statuscode() != "200":
            return None
        data = rec.content_stream().read(MAX_BYTES + 1)
    except (StatusAndHeadersParserException, ChunkedDataException, EOFError, ValueError, zlib.error) as exc:
        return Rejection(
            origin, f"malformed WARC response: {str(exc).splitlines()[0][:200] if str(exc) else exc!r}"
        )
    if len(data) > MAX_BYTES:
        return Rejection(origin, oversized_input("response"))
    try:
        html = _page(data, ctype)
    except Unreadable as exc:
        return Rejection(origin, str(exc))
    return RawRecord(origin=origin, fmt="warc", html=html, url=url, id=url_id(url))


@dataclass
class _Tally:
    records: int = 0
    responses: int = 0  # numbers the pages: "file#n" is the n-th response
    yielded: int = 0


def _records(stream: ByteStream, name: str, tally: _Tally) -> Iterator[RawRecord | Rejection]:
    """Every page of the archive, each checked whole before it is yielded."""
    from warcio.archiveiterator import ArchiveIterator

    # no_record_parse: HTTP headers are parsed here, so one record without a target URI cannot stop
    # warcio (it fails on a missing URI inside its own parse).
    for rec in ArchiveIterator(stream, no_record_parse=True):
        tally.records += 1
        item = None
        if rec.rec_type == "response":
            tally.responses += 1
            item = _response(rec, f"{name}#{tally.responses}")
        _drain(rec)  # before yielding: a page cut short is not kept
        if item is not None:
            tally.yielded += 1
            yield item


def read_warc(stream: ByteStream, name: str, gz: bool) -> Iterator[RawRecord | Rejection]:
    """The HTML responses of a WARC file; a cut or malformed file keeps what stands before the fault."""
    from warcio.exceptions import ArchiveLoadFailed
    from warcio.statusandheaders import StatusAndHeadersParserException

    tally = _Tally()
    gunzip = _StrictGzip(stream) if gz else None
    try:
        yield from _records(io.BufferedReader(gunzip, 1 << 16) if gunzip else stream, name, tally)
        if gunzip:
            gunzip.check()  # the cut may fall between records, where warcio sees only an end
    except Truncated as exc:
        why = (
            gunzip.fault if gunzip and gunzip.fault else str(exc)
        )  # the cut itself, when the gzip layer saw it
        yield Rejection(
            name, f"truncated WARC: {why}, in record {tally.records + 1}; the records before it are kept"
        )
        return
    except (ArchiveLoadFailed, StatusAndHeadersParserException, OSError, EOFError, ValueError) as exc:
        why = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        yield Rejection(
            name, f"malformed WARC: {why}, in record {tally.records + 1}; the records before it are kept"
        )
        return
    if not tally.yielded:
        yield Rejection(name, "no HTML responses in the WARC file")
