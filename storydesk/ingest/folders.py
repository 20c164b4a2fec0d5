"""Ingest stage, finding inputs: folders walked, paths named for people, only regular files opened.

What a folder holds that is not read, each named as a Rejection with its reason: named pipes,
sockets and devices (opening a pipe waits for a writer forever), symlinks that lead out of the
folder given or nowhere, symlinked folders (their targets are read where they stand, or lie
outside), and storydesk's own output folders (an ``index.json`` of the index schema), so that
``analyze IN --out IN/out`` never reads its own reports back as articles.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import IO, Any, Protocol

from ..models import Rejection
from .limits import MAX_BYTES


class ByteStream(Protocol):
    """What the readers ask of an input: bytes by read and readline, and seek (an open file, a gzip
    stream, or a pipe's replayed head; seek may raise where the stream cannot seek)."""

    def read(self, size: int = ..., /) -> bytes: ...

    def readline(self, size: int = ..., /) -> bytes: ...

    def seek(self, offset: int, whence: int = ..., /) -> int: ...


OWN_OUTPUT = "storydesk's own output; not read"
LINK_OUT = "symlink to outside the folder; not followed"
LINK_BROKEN = "broken symlink or symlink loop; not followed"
LINK_FOLDER = "symlinked folder; not followed (a folder inside is read where it stands)"
_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device file",
    stat.S_IFBLK: "a device file",
    stat.S_IFDIR: "a folder",
}
# Characters that would break a one-line message or mislead a terminal: controls, line and paragraph
# separators, bidirectional overrides, and the lone surrogates that stand for a file name's bytes
# that are not UTF-8 (Python's surrogateescape), which SQLite cannot store.
_UNSHOWN_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# A folder's own documentation is not news: README.md beside a corpus must not become an article.
_NOT_NEWS_RE = re.compile(r"^(?:readme|license|licence|copying|changelog|notice|authors)(?:[._-].*)?$", re.I)


# ---- names as shown ------------------------------------------------------------------------------


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # one byte of a name that is not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return match.group().encode("unicode_escape").decode("ascii")


def shown(text: str) -> str:
    """Text as shown to a user and stored: one line of valid UTF-8, odd characters backslash-escaped."""
    return _UNSHOWN_RE.sub(_escape, text) if _UNSHOWN_RE.search(text) else text


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path as shown to a user, printed in a rejection and stored as an article's path."""
    return shown(os.fspath(path))


def shown_rejection(rej: Rejection) -> Rejection:
    """A rejection whose path and reason cannot forge another line or fail to be stored."""
    return Rejection(shown(rej.path), shown(rej.reason))


# ---- regular files only --------------------------------------------------------------------------


def not_regular(mode: int) -> str | None:
    """Why a file of this mode is not read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    return f"{kind}, not a regular file; not opened (pipe a stream to `-` instead)"


class NotRegular(Exception):
    """A path that is a pipe, socket or device; the message is the reason."""


def open_regular(path: Path) -> tuple[IO[bytes], int]:
    """An open regular file and its size; raises NotRegular for anything else, OSError when unreadable.

    The mode is checked before opening, and again on the open file: O_NONBLOCK keeps a pipe swapped in
    between from blocking the open (it does not change reads of a regular file).
    """
    why = not_regular(os.stat(path).st_mode)
    if why:
        raise NotRegular(why)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    st = os.fstat(fd)
    why = not_regular(st.st_mode)
    if why:
        os.close(fd)
        raise NotRegular(why)
    return os.fdopen(fd, "rb"), st.st_size


# ---- storydesk's own outputs ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def own_schemas() -> frozenset[str]:
    """The schema names of what storydesk writes (index.json, dossiers), read from their homes."""
    from ..report.index import INDEX_SCHEMA

    dossier = json.loads(files("storydesk").joinpath("schema", "dossier.schema.json").read_text("utf-8"))
    return frozenset({INDEX_SCHEMA, dossier["properties"]["schema"]["const"]})


def is_own_output(obj: Any) -> bool:
    """True for a JSON value that storydesk wrote: an index or a dossier, told by its schema field."""
    return isinstance(obj, dict) and isinstance(obj.get("schema"), str) and obj["schema"] in own_schemas()


def is_output_folder(folder: Path) -> bool:
    """True when the folder holds an index.json that storydesk wrote (told by content, not by name)."""
    index = folder / "index.json"
    try:
        st = os.lstat(index)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
            return False
        data = index.read_bytes()
        if b"storydesk." not in data:  # most folders' index.json is not ours: no need to parse it
            return False
        return is_own_output(json.loads(data))
    except (OSError, ValueError, RecursionError):
        return False


def output_folder_above(path: Path) -> Path | None:
    """The storydesk output folder that holds this path (or is it), if any."""
    real = Path(os.path.realpath(path))
    for folder in [real, *real.parents] if real.is_dir() else real.parents:
        if is_output_folder(folder):
            return folder
    return None


# ---- folders -------------------------------------------------------------------------------------


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _link_entry(path: Path, root: str) -> Path | Rejection:
    """A symlink in a folder: read once when it leads to a regular file inside the folder given."""
    try:
        real = os.path.realpath(path, strict=True)
        mode = os.stat(real).st_mode
    except (OSError, RuntimeError):
        return Rejection(shown_path(path), LINK_BROKEN)
    if not _inside(real, root):
        return Rejection(shown_path(path), LINK_OUT)
    if stat.S_ISDIR(mode):
        return Rejection(shown_path(path), LINK_FOLDER)
    why = not_regular(mode)
    return Rejection(shown_path(path), why) if why else path


def _entry(path: Path, root: str) -> Path | Rejection:
    """A file found in a folder, to read, or a Rejection saying why it is not read."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return Rejection(shown_path(path), f"unreadable: {exc.strerror or exc}")
    if stat.S_ISLNK(mode):
        return _link_entry(path, root)
    why = not_regular(mode)
    return Rejection(shown_path(path), why) if why else path


def _linked_folders(top: Path, dirs: list[str], root: str) -> Iterator[Rejection]:
    """Take symlinked folders out of the walk (never followed: no loops, no reading outside), naming each."""
    for name in [name for name in dirs if os.path.islink(top / name)]:
        dirs.remove(name)
        link = _link_entry(top / name, root)
        yield link if isinstance(link, Rejection) else Rejection(shown_path(top / name), LINK_BROKEN)


def passed_over(name: str) -> bool:
    """Whether a file found in a folder is passed over without a word: hidden, or the folder's own
    documentation (a README beside a corpus is not news)."""
    return name.startswith(".") or bool(_NOT_NEWS_RE.match(name))


def walk(folder: Path) -> Iterator[Path | Rejection]:
    """Files under a folder, recursively, in a stable order, or a Rejection for what is not read.

    Hidden files and folders and a folder's own documentation are passed over without a word.
    """
    root = os.path.realpath(folder)
    errors: list[OSError] = []  # folders os.walk could not list, named as soon as it tells
    for top_name, dirs, names in os.walk(folder, onerror=errors.append):
        yield from _unlisted(errors)
        top = Path(top_name)
        if is_output_folder(top):
            dirs[:] = []
            yield Rejection(shown_path(top), OWN_OUTPUT)
            continue
        dirs[:] = sorted(dir_name for dir_name in dirs if not dir_name.startswith("."))
        yield from _linked_folders(top, dirs, root)
        for name in sorted(names):
            if not passed_over(name):
                yield _entry(top / name, root)
    yield from _unlisted(errors)


def _unlisted(errors: list[OSError]) -> Iterator[Rejection]:
    for error in errors:
        yield Rejection(shown_path(error.filename or "?"), f"unreadable folder: {error.strerror or error}")
    errors.clear()
