"""The app across stories: search, outlet and entity pages (HTML and the contract's JSON), in a real
browser too (Playwright driving the distribution's Chromium), over stores the real pipeline built."""

from __future__ import annotations

import json
import shutil
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import serve_app
from storydesk import api

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


@pytest.fixture(scope="module")
def base(samples_db: Path) -> Iterator[str]:
    yield from serve_app(samples_db)


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode("utf-8")


def _one(db: Path, sql: str) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


def _person(db: Path) -> str:
    """The cross-story entity of the person with the most mentions (the samples name several)."""
    return _one(
        db, "SELECT entity_id FROM story_entities WHERE type = 'PERSON' ORDER BY mentions DESC, id LIMIT 1"
    )


def test_search_json_follows_the_contract(base: str, samples_db: Path) -> None:
    claim = _one(samples_db, "SELECT text FROM story_claims ORDER BY story_id, rank LIMIT 1")
    words = " ".join(claim.split()[:4])
    status, ctype, body = get(base + "/search.json?q=" + urllib.parse.quote(words))
    found = json.loads(body)
    assert status == 200 and ctype.startswith("application/json")
    assert found["query"] == words
    assert {"kind", "story", "article", "text"} <= set(found["results"][0])
    assert {hit["kind"] for hit in found["results"]} <= {"article", "claim", "quote"}
    assert any(hit["kind"] == "claim" and hit["text"] == claim for hit in found["results"])
    assert json.loads(get(base + "/search.json?q=")[2])["results"] == []
    assert (
        json.loads(get(base + "/search.json?q=%22%20OR%20NEAR(%2A")[2])["results"] == []
    )  # FTS syntax is text


@pytest.mark.parametrize("path", ["/outlets", "/outlets.json", "/search", "/search?q=dam"])
def test_pages_answer(base: str, path: str) -> None:
    status, _ctype, body = get(base + path)
    assert status == 200 and body


def test_outlet_json_lists_its_stories_claims_conflicts_and_quotes(base: str) -> None:
    outlets = json.loads(get(base + "/outlets.json")[2])
    for outlet in outlets:
        view = json.loads(
            get(base + "/outlets/" + urllib.parse.quote(outlet["source"], safe="") + ".json")[2]
        )
        assert view["source"] == outlet["source"] and len(view["stories"]) == outlet["stories"]
        assert set(view) >= {"stories", "alone", "conflicts", "quotes"}
        for item in view["alone"] + view["quotes"]:
            assert {"story", "article", "text", "start", "end"} <= set(item)
    assert any(view_has(base, outlet["source"], "conflicts") for outlet in outlets)


def view_has(base: str, source: str, part: str) -> bool:
    return bool(json.loads(get(base + "/outlets/" + urllib.parse.quote(source, safe="") + ".json")[2])[part])


def test_entity_json_has_names_roles_quotes_claims_and_stories(base: str, samples_db: Path) -> None:
    entity = _person(samples_db)
    view = json.loads(get(base + "/entities/" + urllib.parse.quote(entity, safe="") + ".json")[2])
    assert view["id"] == entity and view["type"] == "PERSON"
    assert view["variants"] and view["stories"]
    assert view["quotes"] or view["claims"]


@pytest.mark.parametrize("path", ["/outlets/No%20Such%20Outlet", "/entities/g-none.json", "/search/x"])
def test_unknown_names_are_404(base: str, path: str) -> None:
    assert get(base + path)[0] == 404


# ---- in a real browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
    )
    if not Path(CHROMIUM).exists():
        pytest.skip(
            "no Chromium from the distribution at /usr/bin/chromium (CI installs it: scripts/test.sh)"
        )
    with sync_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def test_typing_a_search_and_following_a_hit_to_its_highlighted_evidence(
    browser, base: str, samples_db: Path
) -> None:
    claim = _one(samples_db, "SELECT text FROM story_claims ORDER BY story_id, rank LIMIT 1")
    page = browser.new_page()
    page.goto(base + "/")
    page.click("text=Search")
    page.fill("input[name=q]", " ".join(claim.split()[:3]))
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".hit-claim a")
    page.click(".hit-claim a >> nth=0")
    highlighted = page.inner_text("#hl")
    assert highlighted and highlighted in page.inner_text("body")
    page.close()


def test_opening_an_entity_page_from_an_outlet_page(browser, base: str, samples_db: Path) -> None:
    entity = _person(samples_db)
    page = browser.new_page()
    page.goto(base + "/entities/" + urllib.parse.quote(entity, safe=""))
    name = page.inner_text("h1")
    assert name and "Written as" in page.inner_text("body")
    page.goto(base + "/outlets")
    page.click("table a >> nth=0")
    assert "Stories covered" in page.inner_text("body")
    page.close()


def test_following_a_dossier_citation_opens_the_article_at_its_evidence(browser, base: str) -> None:
    page = browser.new_page()
    page.goto(base + "/")
    page.click("table a:has-text('Storm Hedda')")  # a story told by several outlets
    page.click("td.claim summary >> visible=true >> nth=0")  # a claim of the matrix, opened
    evidence = page.locator("td.claim details[open] a.ev").first
    said = evidence.inner_text()
    evidence.click()
    assert " ".join(page.inner_text("#hl").split()) == " ".join(said.split())
    page.close()


@pytest.fixture(scope="module")
def hostile_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A corpus whose titles and texts carry script, through the whole pipeline, served."""
    folder = tmp_path_factory.mktemp("hostile")
    lines = []
    for n, outlet in enumerate(["Quill Post", "Harrow Times", "Fenwick Daily"]):
        text = (
            f"Mayor Ada Vell of Pinecrest said on Monday {HOSTILE} that the new bridge will open in May. "
            f'"We will open it on time," Vell said. The council approved {12 + n} million dollars for it. '
            "Critics said the bridge was too costly and would take years to repay."
        )
        lines.append(
            json.dumps({"id": f"h{n}", "source": outlet, "title": f"Bridge {HOSTILE}", "text": text})
        )
    (folder / "hostile.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = folder / "storydesk.db"
    with api.open_store(db) as opened:
        api.ingest([str(folder / "hostile.jsonl")], opened, progress=False)
        api.analyze(opened, progress=False)
        api.cluster(opened, progress=False)
        api.reconcile(opened, progress=False)
    yield from serve_app(db)


def test_a_hostile_corpus_never_runs_its_scripts(browser, hostile_base: str) -> None:
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    visited = ["/", "/search?q=bridge", "/outlets", "/outlets/Quill%20Post"]
    for path in visited:
        page.goto(hostile_base + path)
        assert page.evaluate("window.pwned") is None, path
    page.goto(hostile_base + "/")
    page.click("table a >> nth=0")  # the dossier
    assert page.evaluate("window.pwned") is None
    entity = page.eval_on_selector_all("a[href^='/entities/']", "links => links.map(a => a.href)")
    assert entity  # the dossier links its people to their pages across stories
    for href in entity[:3]:
        page.goto(href)
        assert page.evaluate("window.pwned") is None, href
    page.goto(hostile_base + "/search?q=bridge")
    assert "<script>window.pwned = 1</script>" in page.inner_text("body")  # shown as text, escaped
    assert dialogs == []
    page.close()


@pytest.mark.parametrize("key", ["outlet", "entity", "since", "until"])
def test_the_story_list_filters_by_outlet_entity_and_dates(base: str, samples_db: Path, key: str) -> None:
    with sqlite3.connect(samples_db) as conn:
        stories = conn.execute(
            "SELECT id, first_published, last_published FROM stories ORDER BY id"
        ).fetchall()
        story, first, last = stories[0]
        outlet = conn.execute(
            "SELECT a.source FROM articles a JOIN story_articles s ON s.article_id = a.id WHERE "
            "s.story_id = ?",
            (story,),
        ).fetchone()[0]
        entity = conn.execute("SELECT entity_id FROM story_entities WHERE story_id = ?", (story,)).fetchone()[
            0
        ]
    value = {"outlet": outlet, "entity": entity, "since": (last or "")[:10], "until": (first or "")[:10]}[key]
    body = get(base + "/?" + urllib.parse.urlencode({key: value}))[2]
    assert f"/stories/{story}" in body
    assert body.count('<a href="/stories/') <= len(stories)
    empty = {"outlet": "No Such Outlet", "entity": "g-none", "since": "2999-01-01", "until": "1000-01-01"}[
        key
    ]
    assert '<a href="/stories/' not in get(base + "/?" + urllib.parse.urlencode({key: empty}))[2]


def test_the_story_list_is_paged(base: str, samples_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from storydesk import web

    monkeypatch.setattr(web, "PAGE_SIZE", 1)  # the samples hold three stories: three pages of one
    first, second, last = (get(base + f"/?page={number}")[2] for number in (1, 2, 3))
    assert all(page.count('<a href="/stories/') == 1 for page in (first, second, last))
    assert len({first, second, last}) == 3 and "older → (page 2 of 3)" in first
    assert "← newer (page 1 of 3)" in second and "← newer (page 2 of 3)" in last
    assert get(base + "/?page=99")[2] == last  # past the end: the last page


def test_a_page_of_stories_is_ordered_and_filtered_as_the_whole_list(samples_db: Path) -> None:
    from storydesk.report import lookup
    from storydesk.report.index import story_rows
    from storydesk.store import Store

    with Store(samples_db, readonly=True) as store:
        every = story_rows(store.list_stories())
        paged, total = lookup.story_page(store, lookup.StoryFilter(), 1, None)
        assert [story.id for story in paged] == [story.id for story in every] and total == len(every)
        first, _ = lookup.story_page(store, lookup.StoryFilter(), 2, 1)
        assert [story.id for story in first] == [every[1].id]
        outlet = every[0].sources[0]
        wanted = lookup.StoryFilter(outlet=outlet)
        assert [s.id for s in lookup.filter_stories(store, wanted)] == [
            s.id for s in every if outlet in s.sources
        ]
