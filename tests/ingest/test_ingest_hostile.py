"""Hostile inputs: each bad input, placed first in a folder of good articles, costs only itself.

Every case is data: what is written into the folder, then what must be kept and what must be named in
the rejections (a path ending and a part of the reason). The run must never raise nor hang.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storydesk.ingest import ingest_paths, read_paths
from storydesk.ingest.folders import LINK_BROKEN, LINK_FOLDER, LINK_OUT, OWN_OUTPUT
from storydesk.ingest.limits import MAX_CHARS
from storydesk.ingest.meta import url_id
from storydesk.models import RawRecord, Rejection

PROSE = (
    "Rescue teams reached the flooded villages of the Aster valley on Wednesday, two days after the river "
    "broke its banks, the regional governor said in statement {n}.\n\nMore than 3,000 people have been moved "
    "to schools and sports halls, and the army has sent boats and field kitchens to the towns."
)
GOOD = 25
OUTSIDE_WORDS = "This text lives outside the folder given and must never be read into the store."


def body(n: int | str) -> str:
    return PROSE.format(n=n)


def rec(rid: str, text: str | None = None, **extra) -> str:
    return json.dumps({"id": rid, "source": "Valley News", "text": text or body(rid), **extra})


def long_prose(chars: int) -> str:
    """Ordinary prose of distinct paragraphs, ``chars`` long or a little more."""
    paras = [body(i).replace("\n\n", f" (part {i}) ") for i in range(chars // 300 + 1)]
    return "\n\n".join(paras)


LONG = long_prose(MAX_CHARS * 11 // 10)  # 1.1 MB: over the limit after cleaning


def deep(levels: int = 100_000) -> str:
    return "[" * levels + "]" * levels


def warc(uris: list[str | None], gz: bool = False) -> bytes:
    """A WARC file of HTML responses, one per URI (None: a response without WARC-Target-URI)."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    for i, uri in enumerate(uris):
        page = (
            f"<html><head><title>Page {i}</title></head>"
            f"<body><article><p>{body(f'w{i}')}</p></article></body></html>"
        )
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            uri or "http://x.example/none", "response", payload=io.BytesIO(page.encode()), http_headers=http
        )
        if uri is None:
            record.rec_headers.remove_header("WARC-Target-URI")
        writer.write_record(record)
    return out.getvalue()


def rss(items: list[str]) -> str:
    entries = "".join(
        f"<item><title>{t}</title><link>https://v.example/{i}</link><description>{d}</description></item>"
        for i, (t, d) in enumerate(items)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Valley News</title>'
        f"{entries}</channel></rss>"
    )


def output_folder(folder: Path) -> None:
    """What `storydesk analyze --out folder/out` leaves behind: an index, a dossier, its Markdown and HTML."""
    out = folder / "000-out"
    (out / "stories").mkdir(parents=True)
    (out / "index.json").write_text(
        json.dumps({"schema": "storydesk.index/1", "stories": [], "articles": [], "rejected": []})
    )
    (out / "stories" / "s1.json").write_text(
        json.dumps({"schema": "storydesk.dossier/1", "story": {"id": "s1"}})
    )
    (out / "stories" / "s1.md").write_text("# Floods\n\n" + body("report-md"))
    (out / "stories" / "s1.html").write_text(
        f"<html><body><article><p>{body('report-html')}</p></article></body></html>"
    )
    (out / "index.html").write_text(f"<html><body><p>{body('report-index')}</p></body></html>")


def write(name: str | bytes, data: str | bytes) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        path = os.path.join(os.fsencode(folder), name) if isinstance(name, bytes) else folder / name
        with open(path, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)

    return make


def link(name: str, target: str | Callable[[Path], str]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        os.symlink(target(folder) if callable(target) else target, folder / name)

    return make


def fifo(folder: Path) -> None:
    os.mkfifo(folder / "000-pipe.txt")


def unix_socket(folder: Path) -> None:
    here = os.getcwd()
    os.chdir(folder)  # a socket's path must be short: bind it by its name alone
    try:
        socket.socket(socket.AF_UNIX).bind("000-sock.txt")
    finally:
        os.chdir(here)


def outside_file(folder: Path) -> str:
    target = folder.parent / "outside.txt"
    target.write_text(OUTSIDE_WORDS + " " + body("outside"))
    return str(target)


@dataclass
class Case:
    id: str
    make: Callable[[Path], None]
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (path ends with, reason contains)
    kept: list[str] = field(default_factory=list)  # ids that must be stored besides the good ones
    text_has: dict[str, str] = field(default_factory=dict)  # id -> what its stored text must contain


CASES = [
    Case(
        "surrogate-json",
        write("000-sur.jsonl", rec("sur", body("sur") + " \ud800 end") + "\n" + rec("after") + "\n"),
        kept=["sur", "after"],
        text_has={"sur": "\ufffd end"},
    ),
    Case(
        "surrogate-json-field",
        write(
            "000-surf.jsonl",
            json.dumps({"id": "surf", "title": "\ud800", "source": "\udfff", "text": body("surf")}) + "\n",
        ),
        kept=["surf"],
    ),
    Case(
        "surrogate-feed",
        write(
            "000-feed.xml",
            rss(
                [
                    ("A &#xD800; title", body("f0") + " &amp;#xD800; &#xDFFF;"),
                    ("Next", body("f1") + " &#x110000; &#0;"),
                ]
            ),
        ),
        kept=[url_id("https://v.example/0"), url_id("https://v.example/1")],
    ),
    Case("non-utf8-name", write(b"000-caf\xe9.txt", body("cafe")), kept=["000-caf\\xe9"]),
    Case(
        "deep-json-line",
        write("000-deep.jsonl", rec("d0", x=0)[:-1] + ', "x": ' + deep() + "}\n" + rec("d1") + "\n"),
        rejected=[("000-deep.jsonl:1", "nested too deep")],
        kept=["d1"],
    ),
    Case(
        "deep-json-array",
        write("000-deep.json", "[" + deep() + ", " + rec("a1") + "]"),
        rejected=[("000-deep.json#1", "nested too deep")],
        kept=["a1"],
    ),
    Case(
        "deep-json-object",
        write("000-deep1.json", '{"text":\n' + deep() + "}"),
        rejected=[("000-deep1.json", "nested too deep")],
    ),
    Case(
        "long-int-line",
        write("000-int.jsonl", rec("i0")[:-1] + ', "n": ' + "7" * 5000 + "}\n" + rec("i1") + "\n"),
        rejected=[("000-int.jsonl:1", "5,000 digits")],
        kept=["i1"],
    ),
    Case(
        "long-int-array",
        write("000-int.json", "[" + rec("j0")[:-1] + ', "n": -' + "7" * 5000 + "}, " + rec("j1") + "]"),
        rejected=[("000-int.json#1", "5,000 digits")],
        kept=["j1"],
    ),
    Case("symlink-self-loop", link("000-loop.txt", "000-loop.txt"), rejected=[("000-loop.txt", LINK_BROKEN)]),
    Case(
        "symlink-pair-loop",
        lambda f: (link("000-a.txt", "000-b.txt")(f), link("000-b.txt", "000-a.txt")(f)),
        rejected=[("000-a.txt", LINK_BROKEN), ("000-b.txt", LINK_BROKEN)],
    ),
    Case("symlink-folder-loop", link("000-up", "."), rejected=[("000-up", LINK_FOLDER)]),
    Case(
        "symlink-out-of-folder",
        link("000-passwd.txt", "/etc/passwd"),
        rejected=[("000-passwd.txt", LINK_OUT)],
    ),
    Case(
        "symlink-to-outside-article",
        link("000-elsewhere.txt", outside_file),
        rejected=[("000-elsewhere.txt", LINK_OUT)],
    ),
    Case("symlink-folder-out", link("000-etc", "/etc"), rejected=[("000-etc", LINK_OUT)]),
    Case(
        "symlink-inside-followed", link("zzz-alias.txt", lambda f: str(f / "good-00.txt"))
    ),  # read: a duplicate
    Case(
        "warc-without-target-uri",
        write("000-nouri.warc", warc([None, "http://x.example/1"])),
        rejected=[("000-nouri.warc#1", "without WARC-Target-URI")],
        kept=[url_id("http://x.example/1")],
    ),
    Case(
        "warc-gz-cut",
        write("000-cut.warc.gz", warc(["http://x.example/1", "http://x.example/2"], gz=True)[:-40]),
        rejected=[("000-cut.warc.gz", "truncated WARC")],
        kept=[url_id("http://x.example/1")],
    ),
    Case("fifo", fifo, rejected=[("000-pipe.txt", "named pipe")]),
    Case("socket", unix_socket, rejected=[("000-sock.txt", "a socket")]),
    Case("too-long-article", write("000-long.txt", LONG), rejected=[("000-long.txt", "split it")]),
    Case("own-output-folder", output_folder, rejected=[("000-out", OWN_OUTPUT)]),
    Case(
        "own-dossier-file",
        write("000-dossier.json", json.dumps({"schema": "storydesk.dossier/1", "story": {}}, indent=2)),
        rejected=[("000-dossier.json", OWN_OUTPUT)],
    ),
    Case(
        "same-id-twice",
        write("000-ids.jsonl", rec("dup", body("first")) + "\n" + rec("dup", body("second")) + "\n"),
        rejected=[("000-ids.jsonl:2", "already given in this run")],
        kept=["dup"],
        text_has={"dup": "statement first"},
    ),
    Case(
        "stray-byte",
        write("000-stray.txt", ("Caf\u00e9 \u201cquoted\u201d. " + body("stray")).encode() + b"\xff tail"),
        kept=["000-stray"],
        text_has={"000-stray": "Caf\u00e9 \u201cquoted\u201d"},
    ),
    Case(
        "utf16-without-bom",
        write("000-u16.txt", ("Caf\u00e9 " + body("u16")).encode("utf-16-le")),
        kept=["000-u16"],
        text_has={"000-u16": "Caf\u00e9 Rescue"},
    ),
    Case(
        "utf16be-without-bom",
        write("000-u16be.txt", ("\u041a\u0438\u0435\u0432. " + body("u16be")).encode("utf-16-be")),
        kept=["000-u16be"],
    ),
    Case(
        "newline-in-name",
        write("000-evil\nrejected: x.txt: forged.txt", b""),
        rejected=[("000-evil\\nrejected: x.txt: forged.txt", "empty file")],
    ),
]


def case_named(case_id: str) -> Case:
    return next(c for c in CASES if c.id == case_id)


@pytest.fixture(autouse=True)
def no_hang():
    """A hostile input that blocks (a FIFO opened for reading) fails the test instead of hanging it."""

    def fail(*_):
        raise TimeoutError("ingest blocked")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def corpus(tmp_path: Path, case: Case) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(GOOD):
        (folder / f"good-{i:02d}.txt").write_text(body(f"good {i}"))
    try:
        case.make(folder)
    except PermissionError:
        pytest.skip(f"{case.id} cannot be made here")
    return folder


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_first_costs_only_itself(store, tmp_path, case):
    folder = corpus(tmp_path, case)
    rep = ingest_paths([str(folder)], store, progress=False, batch_size=10)
    stored = {r["id"]: r["text"] for r in store.conn.execute("SELECT id, text FROM articles")}
    assert {f"good-{i:02d}" for i in range(GOOD)} | set(case.kept) <= set(stored), rep.rejected
    for want_path, want_reason in case.rejected:
        assert any(r.path.endswith(want_path) and want_reason in r.reason for r in rep.rejected), rep.rejected
    assert len(rep.rejected) == len(case.rejected), rep.rejected
    for aid, part in case.text_has.items():
        assert part in stored[aid]
    assert not any(OUTSIDE_WORDS in t or "root:" in t for t in stored.values())
    assert len(rep.added) == len(stored) == len(set(rep.added))  # added is honest: each stored id once
    assert all("\n" not in r.path + r.reason for r in rep.rejected)


def test_rejections_and_paths_are_stored_as_shown(store, tmp_path):
    folder = corpus(tmp_path, case_named("non-utf8-name"))
    write(b"000-\xff\n.txt", b"")(folder)
    ingest_paths([str(folder)], store, progress=False)
    art = store.get_article("000-caf\\xe9")
    assert art.path == f"{folder}/000-caf\\xe9.txt"
    rows = store.conn.execute("SELECT path, reason FROM rejections").fetchall()
    assert [tuple(r) for r in rows] == [(f"{folder}/000-\\xff\\n.txt", "empty file, nothing to read")]


def test_cli_prints_one_line_per_rejection(tmp_path):
    from click.testing import CliRunner

    from storydesk.cli import cli

    folder = corpus(tmp_path, case_named("newline-in-name"))  # a file name that holds a forged rejection line
    res = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(tmp_path / "x.db")])
    assert res.exit_code == 0, res.output
    lines = [x for x in res.stderr.splitlines() if x.startswith("rejected:")]
    assert lines == [
        f"rejected: {folder}/000-evil\\nrejected: x.txt: forged.txt: empty file, nothing to read"
    ]


def test_own_output_given_directly_is_not_read(tmp_path):
    output_folder(tmp_path)
    for given in ["000-out", "000-out/stories", "000-out/stories/s1.md", "000-out/index.html"]:
        items = list(read_paths([str(tmp_path / given)]))
        assert [(i.path, i.reason) for i in items] == [(str(tmp_path / given), OWN_OUTPUT)], given


def test_output_of_analyze_inside_its_input_is_skipped_on_rerun(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(body("a"))
    output_folder(folder)
    items = list(read_paths([str(folder)]))
    assert [i.stem for i in items if isinstance(i, RawRecord)] == ["a"]
    assert [(i.path, i.reason) for i in items if isinstance(i, Rejection)] == [
        (str(folder / "000-out"), OWN_OUTPUT)
    ]


def test_an_index_json_of_another_program_is_not_an_output_folder(tmp_path):
    (tmp_path / "index.json").write_text(json.dumps({"schema": "other/1", "text": body("idx")}))
    (tmp_path / "a.txt").write_text(body("a"))
    items = list(read_paths([str(tmp_path)]))
    assert sorted(i.origin for i in items if isinstance(i, RawRecord)) == [
        str(tmp_path / "a.txt"),
        str(tmp_path / "index.json:1"),
    ]


@pytest.mark.parametrize("name", ["pipe", "device"])
def test_special_file_given_by_name_is_not_opened(tmp_path, name):
    path = tmp_path / name
    if name == "pipe":
        os.mkfifo(path)
    else:
        path = Path("/dev/null")
    (item,) = list(read_paths([str(path)]))
    assert isinstance(item, Rejection) and "not a regular file; not opened" in item.reason


URIS = ["http://x.example/1", "http://x.example/2"]


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_truncated_warc_keeps_the_records_before_the_cut_and_names_the_cut(tmp_path, gz):
    """Every cut point: no crash; only whole pages kept, in order; a cut that costs a page is named.

    A cut exactly between two records (for a plain WARC, also inside the blank lines that end a record)
    leaves a whole, shorter archive: nothing is lost there, so nothing need be named.
    """
    data = warc(URIS, gz=gz)
    first = record_end(data, gz)
    clean_ends = {first} if gz else set(range(first - 4, first + 1))
    whole = [r.html for r in read_paths([str(write_to(tmp_path / "whole.warc", data))])]
    path = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    for cut in range(1 if gz else len("WARC/"), len(data)):  # "WAR" alone is a text file, not a WARC
        path.write_bytes(data[:cut])
        items = list(read_paths([str(path)]))
        pages = [i.html for i in items if isinstance(i, RawRecord) and i.fmt == "warc"]
        named = [i for i in items if isinstance(i, Rejection) and i.path == str(path)]
        assert pages == whole[: len(pages)], cut
        assert len(pages) == len(whole) or named or cut in clean_ends, (cut, items)


def record_end(data: bytes, gz: bool) -> int:
    """Where the first record of an archive ends (its gzip member, or up to the next record's header)."""
    if gz:
        member = zlib.decompressobj(31)
        member.decompress(data)
        return len(data) - len(member.unused_data)
    return data.index(b"WARC/", 1)


def write_to(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
