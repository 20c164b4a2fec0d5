"""Ingest stage, decoding: bytes to text, the encoding told by a BOM, by UTF-8 itself or by a guess.

A stray byte does not cost a text: what cannot be decoded is replaced (U+FFFD) and the rest kept,
unless so much is replaced that the bytes are clearly not text in that encoding.
"""

from __future__ import annotations

import codecs
import re

from .limits import MAX_BAD_SHARE

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_BINARY_MAGIC = [
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ", "an xz archive"),
    (b"7z\xbc\xaf", "a 7-zip archive"),
    (b"RIFF", "a media file"),
    (b"\x00\x00\x00\x18ftyp", "a media file"),
    (b"\x00\x00\x00\x20ftyp", "a media file"),
    (b"OggS", "a media file"),
    (b"ID3", "an MP3 file"),
    (b"\xd0\xcf\x11\xe0", "an old office document"),
]
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)
_SAMPLE = 8192


class Unreadable(Exception):
    """One input cannot be read; the message is the reason, the input is named by the caller."""


def bomless_utf16(sample: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for UTF-16 written without a BOM, else None.

    Its tell: NUL bytes at one parity of offsets only (the high bytes of Latin characters, spaces and
    punctuation), and the text reads as text in that byte order.
    """
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    most = max(even, odd)
    if not most or most * 20 < len(sample) // 2 or min(even, odd) * 50 > most:
        return None
    enc = "utf-16-be" if even > odd else "utf-16-le"
    text = sample[: len(sample) // 2 * 2].decode(enc, "replace")
    readable = sum(char.isprintable() or char in "\n\r\t" for char in text)
    return enc if readable >= 0.95 * len(text) else None


def wide_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32 (told by a BOM, or UTF-16 without one), whose characters are not single bytes."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc if enc != "utf-8-sig" else None
    return bomless_utf16(data[:_SAMPLE])


def binary_kind(head: bytes) -> str | None:
    """What a binary file is (a PDF, an image, NUL bytes...), or None for something that may be text."""
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            return what
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return None
    sample = head[:_SAMPLE]
    if not sample:
        return None
    if bomless_utf16(sample):
        return None
    if b"\x00" in sample:
        return "NUL bytes"
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13) or byte == 127)
    if controls / len(sample) > 0.05:
        return "control bytes"
    return None


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few stray bytes: at least as many non-ASCII characters decode as do not.

    A legacy single-byte text (cp1252) fails on nearly every non-ASCII byte, so it is not taken.
    """
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad - data.count(b"\xef\xbf\xbd")
    return 0 < bad <= good


def _declared(data: bytes) -> str | None:
    """The charset a page declares in a meta tag, when the bytes decode in it."""
    declared = _META_CHARSET_RE.search(data[:4096])
    if not declared:
        return None
    enc = declared.group(1).decode("ascii", "ignore")
    try:
        data.decode(enc)
    except (LookupError, UnicodeDecodeError):
        return None
    return enc


def _guessed(data: bytes) -> str:
    from charset_normalizer import from_bytes

    results = list(from_bytes(data[:200_000]))
    if not results:
        raise Unreadable("undecodable: no text encoding fits these bytes")
    best = results[0]
    # Short Western texts fit several code pages equally well; Windows-1252 is by far the most common
    # legacy one (the web's default for Western text), so it wins a near tie.
    for result in results:
        if result.encoding in ("cp1252", "latin_1", "iso8859_15") and result.chaos <= best.chaos + 0.1:
            return "cp1252"
    return best.encoding


def detect_encoding(data: bytes) -> str:
    """The encoding of some bytes: a BOM, UTF-16 without one, UTF-8 (with a few stray bytes at most),
    a declared charset, else charset-normalizer's guess."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc
    wide = bomless_utf16(data[:_SAMPLE])  # before UTF-8: UTF-16 of Latin text is valid UTF-8, NULs and all
    if wide:
        return wide
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":  # a character cut at the end of a sample
            return "utf-8"
    if _mostly_utf8(data):
        return "utf-8"
    return _declared(data) or _guessed(data)


def decode(data: bytes) -> str:
    """Text of a whole file's bytes; raises Unreadable for binary data or bytes no encoding reads."""
    kind = binary_kind(data[:65536])
    if kind:
        raise Unreadable(f"binary file ({kind}), not text")
    enc = detect_encoding(data)
    return decoded(data, enc)


def decoded(data: bytes, enc: str) -> str:
    """Bytes in a known encoding, stray bytes replaced; raises Unreadable when too many are."""
    try:
        text = data.decode(enc, "replace")
    except LookupError as exc:
        raise Unreadable(f"undecodable: unknown encoding {enc}") from exc
    bad = text.count("\ufffd")  # a text that holds many U+FFFD of its own is no better
    if bad > MAX_BAD_SHARE * max(len(text), 1) and bad > 2:
        raise Unreadable(f"undecodable as {enc}: {bad} characters do not decode")
    return text
