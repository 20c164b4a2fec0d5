"""Reading every input form (built in tmp_path), telling forms by content, and rejecting bad inputs."""

from __future__ import annotations

import gzip
import io
import json
import os
from pathlib import Path

import pytest

from storydesk.ingest import clean, read_paths
from storydesk.models import RawRecord, Rejection

BODY = (
    "Rescue teams reached the flooded villages of the Aster valley on Wednesday, two days after the river "
    "broke its banks, the regional governor said in a statement.\n\n"
    "More than 3,000 people have been moved to "
    "schools and sports halls, and the army has sent boats and field kitchens to the worst-hit towns."
)
PARAS = BODY.split("\n\n")
HTML = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Floods reach the valley | Valley News</title>"
    "<meta property='og:site_name' content='Valley News'>"
    "<meta property='og:url' content='https://valley-news.example/floods'>"
    "<meta property='article:published_time' content='2026-05-06T08:00:00Z'></head><body>"
    "<nav><a href='/'>Home</a> <a href='/subscribe'>Subscribe</a></nav><article>"
    f"<h1>Floods reach the valley</h1><p class='byline'>By Jane Doe</p><p>{PARAS[0]}</p>"
    "<figure><img src='a.jpg'><figcaption>A flooded street. Ola Marsh/AFP</figcaption></figure>"
    f"<p>{PARAS[1]}</p>"
    "</article><footer>Copyright 2026 Valley News</footer></body></html>"
)
RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Valley News</title><link>https://valley-news.example/</link>
<item><title>Floods reach the valley</title><link>https://valley-news.example/floods</link>
<guid>vn-floods-1</guid><pubDate>Wed, 06 May 2026 08:00:00 +0000</pubDate>\
<author>jane@example.org (Jane Doe)</author>
<content:encoded><![CDATA[<p>{PARAS[0]}</p><p>{PARAS[1]}</p>]]></content:encoded></item>
<item><title>Short teaser</title><link>https://valley-news.example/teaser</link><description>{PARAS[1]}</description></item>
</channel></rss>"""
ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Hill Post</title>
<entry><title>Dikes hold in Brenn</title><id>tag:hill-post.example,2026:dikes</id>
<link href="https://hill-post.example/2026/05/dikes-hold"/><updated>2026-05-07T10:00:00Z</updated>
<author><name>Omar Haddad</name></author>\
<content type="html">&lt;p&gt;{PARAS[0]}&lt;/p&gt;</content></entry></feed>"""


def _read(*paths) -> list:
    return list(read_paths([str(p) for p in paths]))


def _only(items) -> RawRecord:
    assert len(items) == 1 and isinstance(items[0], RawRecord), items
    return items[0]


def test_plain_text_utf8(tmp_path):
    (tmp_path / "story-1.txt").write_text(BODY, encoding="utf-8")
    raw = _only(_read(tmp_path / "story-1.txt"))
    assert (raw.fmt, raw.stem, raw.text) == ("txt", "story-1", BODY)
    assert clean(raw).id == "story-1"


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig", "latin-1"])
def test_text_encodings_are_detected(tmp_path, encoding):
    text = "Caf\u00e9 owners in S\u00e3o Bento said the d\u00e9j\u00e0-vu was complete. " + BODY
    (tmp_path / "enc.txt").write_bytes(text.encode(encoding))
    raw = _only(_read(tmp_path / "enc.txt"))
    assert "Caf\u00e9 owners in S\u00e3o Bento" in raw.text.lstrip("\ufeff")


def test_html_page(tmp_path):
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    art = clean(_only(_read(tmp_path / "page.html")))
    assert art.id == "page" and art.format == "html"
    assert (art.title, art.source, art.url) == (
        "Floods reach the valley",
        "Valley News",
        "https://valley-news.example/floods",
    )
    assert art.published.startswith("2026-05-06")
    assert art.text == BODY
    assert "Jane Doe" in art.authors


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("page.txt", HTML, "html"),  # content wins over a wrong extension
        ("feed.txt", RSS, "feed"),
        ("records.txt", json.dumps({"id": "r1", "text": BODY}) + "\n", "jsonl"),
        ("noext", RSS, "feed"),
        ("noext2", BODY, "txt"),
        ("feed.xml", ATOM, "feed"),
        ("page.htm", HTML, "html"),
    ],
)
def test_form_is_told_by_content(tmp_path, name, content, fmt):
    (tmp_path / name).write_text(content, encoding="utf-8")
    items = _read(tmp_path / name)
    assert items and all(isinstance(i, RawRecord) and i.fmt == fmt for i in items), items


def test_json_lines_with_line_numbers(tmp_path):
    lines = [
        json.dumps(
            {
                "id": "a1",
                "url": "https://x.example/a1",
                "source": "X News",
                "title": "T",
                "published": "2026-05-06",
                "text": BODY,
                "authors": ["Jane Doe"],
            }
        ),
        "",
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "a2", "title": "no text"}),
        json.dumps(
            {
                "id": "a3",
                "html": f"<html><body><article><p>{PARAS[0]}</p><p>{PARAS[1]}</p></article></body></html>",
            }
        ),
        json.dumps({"text": BODY + " Extra."}),
    ]
    path = tmp_path / "recs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = _read(path)
    good = [i for i in items if isinstance(i, RawRecord)]
    bad = {r.path: r.reason for r in items if isinstance(r, Rejection)}
    assert [g.origin for g in good] == [f"{path}:1", f"{path}:6", f"{path}:7"]
    assert good[0].authors == ["Jane Doe"] and good[0].source == "X News" and good[0].id == "a1"
    assert set(bad) == {f"{path}:3", f"{path}:4", f"{path}:5"}
    assert bad[f"{path}:3"].startswith("malformed JSON line")
    assert "not a record" in bad[f"{path}:4"] and "no text" in bad[f"{path}:5"]
    assert clean(good[1]).text == BODY
    assert good[2].id is None and len(clean(good[2]).id) == 16


def test_json_array_streamed_across_chunks(tmp_path):
    big = " ".join([PARAS[0]] * 9000)  # over 1 MB: an item cut by the reader's chunk boundary
    recs = [{"id": f"r{i}", "text": BODY if i != 1 else big} for i in range(3)]
    path = tmp_path / "arr.json"
    path.write_text(json.dumps(recs, indent=1), encoding="utf-8")
    items = _read(path)
    assert [i.id for i in items] == ["r0", "r1", "r2"] and items[1].text == big
    assert [i.origin for i in items] == [f"{path}#1", f"{path}#2", f"{path}#3"]


def test_json_single_pretty_object(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"id": "solo", "text": BODY}, indent=2), encoding="utf-8")
    assert _only(_read(path)).id == "solo"


def test_json_array_malformed_item(tmp_path):
    path = tmp_path / "arr.json"
    path.write_text(f'[{{"id": "ok", "text": "{PARAS[0]}"}}, {{"id": broken}}]', encoding="utf-8")
    items = _read(path)
    assert isinstance(items[0], RawRecord) and isinstance(items[1], Rejection)
    assert items[1].path == f"{path}#2" and "malformed JSON array item" in items[1].reason


def test_gzipped_json_lines(tmp_path):
    path = tmp_path / "recs.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": "gz1", "text": BODY}) + "\n")
    assert _only(_read(path)).id == "gz1"


def test_rss_and_atom(tmp_path):
    (tmp_path / "feed.rss").write_text(RSS, encoding="utf-8")
    (tmp_path / "feed.atom").write_text(ATOM, encoding="utf-8")
    items = _read(tmp_path / "feed.rss", tmp_path / "feed.atom")
    assert all(isinstance(i, RawRecord) for i in items) and len(items) == 3
    first = clean(items[0])
    assert (first.id, first.source, first.title) == ("vn-floods-1", "Valley News", "Floods reach the valley")
    assert first.published == "2026-05-06T08:00:00Z" and first.text == BODY
    assert items[1].origin.endswith("feed.rss#2") and items[1].id.startswith("valley-news-example-teaser-")
    atom = clean(items[2])
    assert atom.source == "Hill Post" and atom.authors == ["Omar Haddad"] and atom.text == PARAS[0]
    assert atom.url == "https://hill-post.example/2026/05/dikes-hold"


def _write_warc(path: Path, gz: bool) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as out:
        w = WARCWriter(out, gzip=gz)
        for url, ctype, body in [
            ("https://valley-news.example/floods", "text/html; charset=utf-8", HTML.encode("utf-8")),
            ("https://valley-news.example/logo.png", "image/png", b"\x89PNG...."),
            (
                "https://valley-news.example/other",
                "text/html",
                HTML.replace("Floods", "Dikes").encode("utf-8"),
            ),
        ]:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            w.write_record(
                w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers)
            )


@pytest.mark.parametrize("name", ["news.warc.gz", "news.warc", "crawl.bin"])
def test_warc_html_responses(tmp_path, name):
    path = tmp_path / name
    _write_warc(path, gz=name.endswith(".gz") or name.endswith(".bin"))
    items = _read(path)
    assert [type(i) for i in items] == [RawRecord, RawRecord]
    arts = [clean(i) for i in items]
    assert arts[0].url == "https://valley-news.example/floods" and arts[0].text == BODY
    assert arts[0].id.startswith("valley-news-example-floods-") and arts[0].format == "warc"
    assert items[1].origin == f"{path}#3"  # the image response is skipped, numbering counts responses


def test_folder_is_read_recursively_in_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "deep").mkdir()
    (tmp_path / "a.txt").write_text(BODY)
    (tmp_path / "b" / "deep" / "c.txt").write_text(BODY + " C.")
    (tmp_path / "b" / "b.html").write_text(HTML)
    (tmp_path / ".hidden.txt").write_text(BODY)
    (tmp_path / "README.md").write_text("# About this folder\n" + BODY)
    stems = [i.stem for i in _read(tmp_path)]
    assert stems == ["a", "b", "c"]


def test_stem_of_double_extension(tmp_path):
    from storydesk.ingest.readers import stem_of

    assert [stem_of(Path(p)) for p in ["x/a.warc.gz", "b.txt", "c", "d.e.html"]] == ["a", "b", "c", "d.e"]


BAD = [
    ("empty.txt", b"", "empty file, nothing to read"),
    ("blank.txt", b"  \n\n \t\n", "empty file"),
    ("noise.txt", bytes(range(256)) * 4, "binary file"),
    ("scan.txt", os.urandom(0) + bytes((i * 37 + 11) % 256 for i in range(3000)), "binary file"),
    ("photo.jpg", b"\xff\xd8\xff\xe0" + b"x" * 100, "binary file (a JPEG image)"),
    ("doc.pdf", b"%PDF-1.7 " + b"x" * 100, "binary file (a PDF document)"),
    ("feed.rss", b"<?xml version='1.0'?><rss><channel><title>x</title></channel></rss>", "feed has no items"),
    ("broken.warc", b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: abc\r\n\r\n", "WARC"),
    ("arr.json", b'[{"id": "x", "text": "unterminated', "malformed JSON array"),
    ("cut.txt.gz", gzip.compress(BODY.encode() * 50)[:300], "corrupt compressed data"),
    (
        "sitemap.xml",
        b"<?xml version='1.0'?><urlset><url><loc>https://x.example/</loc></url></urlset>",
        "feed has no items",
    ),
]


@pytest.mark.parametrize(("name", "data", "reason"), BAD)
def test_bad_inputs_are_rejected_with_a_reason(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    items = _read(path)
    assert items and all(isinstance(i, Rejection) for i in items), items
    assert reason in items[0].reason and items[0].path.startswith(str(path))


def test_missing_path_and_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    items = _read(tmp_path / "nope.txt", tmp_path / "empty")
    assert [(i.path, i.reason) for i in items] == [
        (str(tmp_path / "nope.txt"), "no such file or folder"),
        (str(tmp_path / "empty"), "empty folder, nothing to read"),
    ]


def test_oversized_file(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_bytes((PARAS[0] + "\n").encode() * (21_000_000 // len(PARAS[0]) + 1))
    (item,) = _read(path)
    assert isinstance(item, Rejection) and item.reason.startswith("oversized")


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "locked.txt"
    path.write_text(BODY)
    path.chmod(0)
    if os.geteuid() == 0:  # root reads every file: make opening it fail as it would for a user
        real_open = os.open

        def denied(file, *a, **kw):
            if os.fspath(file) == str(path):
                raise PermissionError(13, "Permission denied")
            return real_open(file, *a, **kw)

        monkeypatch.setattr(os, "open", denied)
    (item,) = _read(path)
    assert isinstance(item, Rejection) and item.reason == "unreadable: Permission denied"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1252"])
def test_json_lines_in_other_encodings(tmp_path, encoding):
    text = "Caf\u00e9 owners in Brenn said the d\u00e9j\u00e0-vu was complete. " + BODY
    lines = "".join(json.dumps({"id": f"e{i}", "text": text}, ensure_ascii=False) + "\n" for i in range(3))
    path = tmp_path / "enc.jsonl"
    path.write_bytes(lines.encode(encoding))
    items = _read(path)
    assert [i.id for i in items] == ["e0", "e1", "e2"] and all(i.text == text for i in items)


def test_stray_bytes_in_a_line_after_the_sniffed_head_are_replaced(tmp_path):
    path = tmp_path / "late.jsonl"
    good = "".join(json.dumps({"id": f"g{i}", "text": BODY}) + "\n" for i in range(300))  # > 64 KB of UTF-8
    path.write_bytes(
        good.encode() + b'{"id": "odd", "text": "caf\xe9 \xff\xfe"}\n' + good.encode().split(b"\n")[0] + b"\n"
    )
    items = _read(path)
    assert len(items) == 302 and all(isinstance(i, RawRecord) for i in items)
    assert items[300].id == "odd" and items[300].text == "caf\ufffd \ufffd\ufffd"
