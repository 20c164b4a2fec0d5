"""Ingest stage, JSON records: JSON lines and JSON arrays to RawRecord, one record at a time.

A record that cannot be read costs only itself: a line that is malformed, nested deeper than Python
can decode, or holds a number too long to convert is rejected with its line (or item) number, and
reading goes on with the next one. storydesk's own outputs (an index, a dossier) are never articles.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Iterator
from typing import Any

from ..models import RawRecord, Rejection
from .decoding import detect_encoding
from .folders import OWN_OUTPUT, ByteStream, is_own_output
from .limits import MAX_BYTES, oversized_input
from .meta import record_id, split_authors

# A JSON string, or one bracket outside strings: enough to find where a value ends without decoding it.
_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


class Undecodable(ValueError):
    """Well-formed JSON that Python cannot decode (too deep, a number too long); the message says which."""


class _Numbers:
    """``parse_int`` for json: a number too long for int() is noted, so the decoder can finish the value."""

    def __init__(self) -> None:
        self.too_long = 0

    def __call__(self, digits: str) -> int:
        try:
            return int(digits)
        except ValueError:  # over sys.get_int_max_str_digits()
            self.too_long = max(self.too_long, len(digits.lstrip("-")))
            return 0


def _decoder() -> tuple[json.JSONDecoder, _Numbers]:
    numbers = _Numbers()
    return json.JSONDecoder(parse_int=numbers), numbers


def _checked(numbers: _Numbers) -> None:
    if numbers.too_long:
        digits, numbers.too_long = numbers.too_long, 0
        raise Undecodable(f"a number of {digits:,} digits, too long to read")


def json_value(text: str) -> Any:
    """One JSON value; raises JSONDecodeError when malformed, Undecodable when Python cannot hold it."""
    decoder, numbers = _decoder()
    try:
        value = decoder.decode(text)
    except RecursionError:
        raise Undecodable("nested too deep to read") from None
    _checked(numbers)
    return value


def _opt(obj: dict[str, Any], *names: str) -> str | None:
    """The first of these fields that holds a plain value, as a stripped string."""
    for name in names:
        value = obj.get(name)
        if value is not None and not isinstance(value, (dict, list)) and str(value).strip():
            return str(value).strip()
    return None


def record(obj: Any, origin: str, fmt: str) -> RawRecord | Rejection:
    """A JSON record with the contract's fields (and a few common aliases) as a RawRecord."""
    if is_own_output(obj):
        return Rejection(origin, OWN_OUTPUT)
    if not isinstance(obj, dict):
        return Rejection(
            origin, f"not a record: a JSON {type(obj).__name__}, expected an object with text or html"
        )
    text = obj.get("text", obj.get("content", obj.get("body")))
    html = obj.get("html")
    if text is not None and not isinstance(text, str) or html is not None and not isinstance(html, str):
        return Rejection(origin, "malformed record: text and html must be strings")
    if not (text or "").strip() and not (html or "").strip():
        return Rejection(origin, "record has no text or html field with content")
    if len(text or "") > MAX_BYTES or len(html or "") > MAX_BYTES:
        return Rejection(origin, oversized_input("record"))
    return RawRecord(
        origin=origin,
        fmt=fmt,
        text=text,
        html=html if not (text or "").strip() else None,
        id=record_id(obj.get("id")),
        title=_opt(obj, "title", "headline"),
        source=_opt(obj, "source", "outlet", "site_name"),
        published=_opt(obj, "published", "date", "published_at", "pubdate"),
        url=_opt(obj, "url", "link"),
        authors=split_authors(obj.get("authors", obj.get("author"))),
    )


# ---- JSON lines --------------------------------------------------------------------------------


def _iter_lines(stream: ByteStream) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for each line; None for a line over the size limit (skipped, not kept)."""
    line_no = 0
    while True:
        line = stream.readline(MAX_BYTES + 1)
        if not line:
            return
        line_no += 1
        if len(line) > MAX_BYTES and not line.endswith(b"\n"):
            while True:  # drop the rest of the oversized line
                more = stream.readline(1 << 20)
                if not more or more.endswith(b"\n"):
                    break
            yield line_no, None
            continue
        yield line_no, line


def _iter_text_lines(stream: ByteStream, encoding: str) -> Iterator[tuple[int, bytes | str | None]]:
    """Lines of a stream in an encoding whose newline is not one byte (UTF-16, UTF-32)."""
    # TextIOWrapper reads any stream with read(); typeshed asks for a whole buffered stream's methods
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline=None)  # type: ignore[type-var]
    for line_no, line in enumerate(text, 1):
        yield line_no, (None if len(line) > MAX_BYTES else line)


def _line_record(line: bytes | str, origin: str, encoding: str) -> RawRecord | Rejection:
    try:
        obj = json_value(line if isinstance(line, str) else line.decode(encoding, "replace"))
    except json.JSONDecodeError as exc:
        return Rejection(origin, f"malformed JSON line: {exc.msg.removesuffix(' at')} at column {exc.colno}")
    except Undecodable as exc:
        return Rejection(origin, f"unreadable JSON line: {exc}")
    return record(obj, origin, "jsonl")


def read_jsonl(stream: ByteStream, name: str, encoding: str = "utf-8") -> Iterator[RawRecord | Rejection]:
    """One record a line; a bad line is rejected with its number and reading goes on."""
    wide = encoding.replace("_", "-").lower().startswith(("utf-16", "utf-32"))
    lines = _iter_text_lines(stream, encoding) if wide else _iter_lines(stream)
    for line_no, line in lines:
        origin = f"{name}:{line_no}"
        if line is None:
            yield Rejection(origin, oversized_input("line"))
        elif line.strip():
            yield _line_record(line, origin, encoding)


# ---- JSON arrays -------------------------------------------------------------------------------


def _value_end(buf: str, pos: int) -> int | None:
    """Where the JSON value starting at ``pos`` ends, by its brackets (for a value too deep to decode)."""
    depth = 0
    for match in _TOKEN_RE.finditer(buf, pos):
        token = match.group()
        if token in "[{":
            depth += 1
        elif token in "]}":
            depth -= 1
            if depth <= 0:
                return match.end()
    return None


class _ArrayBuffer:
    """A JSON array's text, decoded from a stream a chunk at a time; ``pos`` is where reading stands."""

    def __init__(self, stream: ByteStream, encoding: str) -> None:
        self.stream = stream
        self.text_in = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.buf, self.pos, self.eof = "", 0, False

    def fill(self) -> bool:
        """Read one more chunk; False at the end of the stream."""
        chunk = self.stream.read(1 << 20)
        self.eof = not chunk
        self.buf = self.buf[self.pos :] + self.text_in.decode(chunk, final=self.eof)
        self.pos = 0
        return not self.eof

    def next_start(self) -> str:
        """The first character of the next item ('' at the end), past commas and white space."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n,":
                self.pos += 1
            if self.pos < len(self.buf) or not self.fill():
                return self.buf[self.pos : self.pos + 1]

    def can_grow(self) -> bool:
        return not self.eof and len(self.buf) - self.pos < MAX_BYTES and self.fill()


def _array_item(arr: _ArrayBuffer, decoder: json.JSONDecoder, numbers: _Numbers) -> tuple[Any, str | None]:
    """The next item and None, or None and why it could not be read; ``arr.pos`` moves past the item.

    Raises JSONDecodeError when the item is malformed and no more text can complete it.
    """
    while True:
        try:
            obj, arr.pos = decoder.raw_decode(arr.buf, arr.pos)
            break
        except json.JSONDecodeError:
            if not arr.can_grow():  # otherwise the item was cut by the chunk boundary: read more
                raise
        except RecursionError:
            end = _value_end(arr.buf, arr.pos)
            if end is None and arr.can_grow():
                continue
            if end is None:
                raise json.JSONDecodeError(
                    "nested too deep to read, and unterminated", arr.buf, arr.pos
                ) from None
            arr.pos = end
            return None, "nested too deep to read"
    try:
        _checked(numbers)
    except Undecodable as exc:
        return None, str(exc)
    return obj, None


def read_json_array(stream: ByteStream, name: str, encoding: str) -> Iterator[RawRecord | Rejection]:
    """Items of a top-level JSON array, decoded one at a time; an item that cannot be read costs only
    itself."""
    arr = _ArrayBuffer(stream, encoding)
    arr.fill()
    if arr.next_start() != "[":
        yield Rejection(name, "malformed JSON: expected an array of records")
        return
    arr.pos += 1
    decoder, numbers = _decoder()
    item_no = 0
    while True:
        start = arr.next_start()
        if start == "":
            yield Rejection(name, f"malformed JSON array: it ends after item {item_no} without a closing ]")
            return
        if start == "]":
            return
        item_no += 1
        try:
            obj, why = _array_item(arr, decoder, numbers)
        except json.JSONDecodeError as exc:
            yield Rejection(
                f"{name}#{item_no}", f"malformed JSON array item: {exc.msg}; the rest of the file is skipped"
            )
            return
        yield (
            Rejection(f"{name}#{item_no}", f"unreadable JSON array item: {why}")
            if why
            else record(obj, f"{name}#{item_no}", "json")
        )


# ---- either ------------------------------------------------------------------------------------


class Prefixed(io.RawIOBase):
    """A stream that replays some bytes already read, then the rest (for pipes that cannot seek)."""

    def __init__(self, head: bytes, rest: ByteStream) -> None:
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


def _first_line_is_json(head: bytes, encoding: str) -> bool:
    """Whether the first line is one whole JSON value (one Python cannot hold is still one)."""
    try:
        json_value(head.split(b"\n", 1)[0].decode(encoding, "replace"))
    except Undecodable:
        return True
    except json.JSONDecodeError:
        return False
    return True


def _read_whole(data: bytes, stream: ByteStream, name: str, encoding: str) -> Iterator[RawRecord | Rejection]:
    """One JSON value spread over many lines (small enough to read whole); JSON lines when it is not one."""
    try:
        obj = json_value(data.decode(encoding, "replace"))
    except Undecodable as exc:
        yield Rejection(name, f"unreadable JSON: {exc}")
        return
    except json.JSONDecodeError:
        yield from read_jsonl(Prefixed(data, stream), name, encoding)
        return
    items = obj if isinstance(obj, list) else [obj]
    for i, it in enumerate(items, 1):
        yield record(it, name if len(items) == 1 else f"{name}#{i}", "json")


def read_json_file(stream: ByteStream, name: str, head: bytes) -> Iterator[RawRecord | Rejection]:
    """A JSON array or JSON lines; ``stream`` is positioned just after ``head``."""
    encoding = detect_encoding(head)
    first = head.decode(encoding, "ignore").lstrip("\ufeff \t\r\n")[:1]
    if first == "[":
        yield from read_json_array(Prefixed(head, stream), name, encoding)
    elif _first_line_is_json(head, encoding):
        yield from read_jsonl(Prefixed(head, stream), name, encoding)
    else:
        yield from _read_whole(head + stream.read(MAX_BYTES + 1 - len(head)), stream, name, encoding)
