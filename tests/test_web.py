"""The local web app: real server on a loopback port, real SQLite, pages fetched over HTTP (and by Chromium)."""

from __future__ import annotations

import copy
import html
import json
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from storydesk.models import Article, Story
from storydesk.store import Store
from storydesk.web import is_loopback, make_server, start_in_thread

FIXTURE = Path(__file__).parent / "report" / "dossier_fixture.json"
CHROMIUM = Path("/usr/bin/chromium")
TEXT = "Officials met on Tuesday. <script>alert(1)</script> They agreed to talk again next week."
ARTICLES = [
    Article(id="a-paper", text=TEXT, source="Paper", title="Talks <b>resume</b>", published="2025-12-02",
            content_hash="h1", words=14),
    Article(id="b-wire", text="Officials met on Tuesday in the capital.", source="Wire", title="Officials meet",
            published="2025-12-01", content_hash="h2"),
]
STORY = Story("s-talks", "Officials meet again", ["a-paper", "b-wire"], ["Paper", "Wire"], "2025-12-01",
              "2025-12-02")


def _dossier(store: Store, story_id: str) -> dict:
    """The fixture dossier under the stored story's id (reconcile builds the real one)."""
    story = store.get_story(story_id)
    doc = copy.deepcopy(json.loads(FIXTURE.read_text(encoding="utf-8")))
    doc["story"].update(id=story.id, title=story.title)
    return doc


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> str:
    db = tmp_path_factory.mktemp("web") / "web.db"
    with Store(db) as s:
        s.upsert_articles(ARTICLES)
        s.save_stories([STORY])
    server = make_server(db, "127.0.0.1", 0, dossier_fn=_dossier)
    start_in_thread(server)
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()


def get(url: str, timeout: float = 30) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers["Content-Type"], r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read().decode("utf-8")


def _summary(i: int) -> str:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))["summary"][i]["text"]


@pytest.mark.parametrize("path,status,ctype,must,must_not", [
    ("/", 200, "text/html", ['href="/stories/s-talks"', "Officials meet again", "2025-12-01 – 2025-12-02",
                             "<td>2</td>"], []),
    ("/stories/s-talks", 200, "text/html",
     ["Officials meet again", html.escape(_summary(0)), 'href="/articles/001_0ca37dd88fdf748a?start=',
      'href="/stories/s-talks.json"', "Where they differ"], []),
    ("/stories/s-talks.md", 200, "text/markdown", ["# Officials meet again", "## Summary"], ["<html"]),
    ("/articles/a-paper?start=0&end=25", 200, "text/html",
     ['<mark id="hl">Officials met on Tuesday.</mark>', "&lt;script&gt;alert(1)&lt;/script&gt;",
      "Talks &lt;b&gt;resume&lt;/b&gt;", 'href="/stories/s-talks"'], ["<script>alert"]),
    ("/articles/a-paper?start=5&end=9999", 200, "text/html", ["Officials met"], ["<mark"]),
    ("/articles/b-wire", 200, "text/html", ["Officials met on Tuesday in the capital."], ["<mark"]),
    ("/stories/nope", 404, "text/html", ["no story"], []),
    ("/articles/nope", 404, "text/html", ["no article"], []),
    ("/etc/passwd", 404, "text/html", ["no page"], []),
])
def test_pages(base_url: str, path: str, status: int, ctype: str, must: list[str], must_not: list[str]) -> None:
    code, content_type, body = get(base_url + path)
    assert code == status
    assert content_type.startswith(ctype)
    assert [m for m in must if m not in body] == []
    assert [m for m in must_not if m in body] == []


def test_api_and_json_dossier(base_url: str) -> None:
    _, ctype, body = get(base_url + "/api/stories")
    assert ctype.startswith("application/json")
    stories = json.loads(body)
    assert [(s["id"], s["article_count"], s["source_count"], s["dossier"]) for s in stories] == [
        ("s-talks", 2, 2, "/stories/s-talks.json")]
    doc = json.loads(get(base_url + stories[0]["dossier"])[2])
    assert doc["schema"] == "storydesk.dossier/1" and doc["story"]["id"] == "s-talks"


@pytest.mark.parametrize("host,ok", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                     ("0.0.0.0", False), ("192.168.1.5", False)])
def test_loopback_check(host: str, ok: bool) -> None:
    assert is_loopback(host) is ok


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    from storydesk.errors import NotFoundError

    with pytest.raises(NotFoundError, match="storydesk ingest"):
        make_server(tmp_path / "none.db", "127.0.0.1", 0)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (CI installs it: scripts/test.sh)")
def test_story_page_in_a_real_browser(base_url: str) -> None:
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--dump-dom", base_url + "/stories/s-talks"],
            capture_output=True, text=True, timeout=120, check=False,
        )
    dom = out.stdout
    assert "<h1>Officials meet again</h1>" in dom, out.stderr[-2000:]
    assert html.escape(_summary(1), quote=False) in dom
    assert '<table class="matrix">' in dom


def test_real_pipeline_dossier_through_the_api(tmp_path: Path, seeds_dir: Path) -> None:
    """The default route builds dossiers with storydesk.api.dossier over a real ingested store."""
    try:
        from storydesk import api
        from storydesk.reconcile import dossier_for  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"reconcile stage not in this checkout yet: {exc}")
    db = tmp_path / "seeds.db"
    with api.open_store(db) as store:
        api.ingest([str(seeds_dir)], store)
        api.analyze(store)
        stories = api.cluster(store)
    server = make_server(db, "127.0.0.1", 0)
    start_in_thread(server)
    host, port = server.server_address[:2]
    try:
        biggest = max(stories, key=lambda s: len(s.article_ids))
        code, _, body = get(f"http://{host}:{port}/stories/{biggest.id}", timeout=300)  # first build loads models
        assert code == 200
        assert html.escape(biggest.title) in body
        doc = json.loads(get(f"http://{host}:{port}/stories/{biggest.id}.json", timeout=300)[2])
        assert doc["summary"] and all(s["articles"] for s in doc["summary"])
    finally:
        server.shutdown()
        server.server_close()


def test_a_failing_dossier_is_a_500_page_not_a_dead_server(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    with Store(db) as s:
        s.upsert_articles(ARTICLES)
        s.save_stories([STORY])

    def broken(store: Store, story_id: str) -> dict:
        raise RuntimeError("reconcile exploded")

    server = make_server(db, "127.0.0.1", 0, dossier_fn=broken)
    server.verbose = False
    start_in_thread(server)
    host, port = server.server_address[:2]
    try:
        code, _, body = get(f"http://{host}:{port}/stories/s-talks")
        assert code == 500 and "reconcile exploded" in body
        assert get(f"http://{host}:{port}/")[0] == 200  # still serving
    finally:
        server.shutdown()
        server.server_close()
