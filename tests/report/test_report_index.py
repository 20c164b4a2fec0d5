"""The run's files: index.json as the spec fixes it, one json/md/html per story, index.html linking them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from conftest import SCHEMA
from storydesk.models import Article, Dossier, IngestReport, Rejection, Story
from storydesk.report import build_index, write_outputs

FIXTURE = Path(__file__).parent / "dossier_fixture.json"

ARTICLES = [
    Article(
        id="b-wire",
        text="Officials met on Tuesday. They agreed to talk again.",
        source="Wire",
        title="Officials meet",
        published="2025-12-02",
        path="in/b-wire.txt",
        content_hash="h1",
    ),
    Article(
        id="a-paper",
        text="Officials met on Tuesday in the capital.",
        source="Paper",
        title="Talks in the capital",
        published="2025-12-01",
        path="in/a-paper.txt",
        content_hash="h2",
    ),
    Article(
        id="c-other",
        text="A storm closed the port.",
        source="Radio",
        title="Storm",
        published=None,
        path="in/c-other.html",
        content_hash="h3",
    ),
]
STORIES = [
    Story("s-talks", "Officials meet", ["b-wire", "a-paper"], ["Wire", "Paper"], "2025-12-01", "2025-12-02"),
    Story("s-storm", "Storm <closes> port", ["c-other"], ["Radio"], None, None),
]
REPORT = IngestReport(
    added=["a-paper", "b-wire", "c-other"],
    rejected=[
        Rejection("in/z.bin", "not a text, HTML, JSON, feed or WARC file"),
        Rejection("in/empty.txt", "no article text"),
    ],
)


def _dossier(store, story_id: str) -> Dossier:
    """The fixture dossier, relabelled as the asked story (reconcile builds the real one)."""
    doc = copy.deepcopy(json.loads(FIXTURE.read_text(encoding="utf-8")))
    story = next(candidate for candidate in STORIES if candidate.id == story_id)
    doc["story"].update(id=story.id, title=story.title)
    return Dossier.from_json(doc)


@pytest.fixture
def filled(store):
    store.upsert_articles(ARTICLES)
    store.save_stories(STORIES)
    return store


def test_index_json_has_exactly_the_spec_shape(filled) -> None:
    index = build_index(filled, STORIES, REPORT)
    assert list(index) == ["schema", "stories", "articles", "rejected"]
    assert index["schema"] == "storydesk.index/1"
    assert [set(story) for story in index["stories"]] == [
        {"id", "title", "articles", "sources", "dossier"}
    ] * 2
    assert [set(article) for article in index["articles"]] == [
        {"id", "source", "title", "published", "path"}
    ] * 3
    assert index["stories"][1] == {
        "id": "s-talks",
        "title": "Officials meet",
        "articles": ["a-paper", "b-wire"],
        "sources": ["Paper", "Wire"],
        "dossier": "stories/s-talks.json",
    }
    assert index["articles"][0] == {
        "id": "a-paper",
        "source": "Paper",
        "title": "Talks in the capital",
        "published": "2025-12-01",
        "path": "in/a-paper.txt",
    }
    assert index["rejected"] == [
        {"path": "in/empty.txt", "reason": "no article text"},
        {"path": "in/z.bin", "reason": "not a text, HTML, JSON, feed or WARC file"},
    ]


def test_write_outputs_writes_every_file(filled, tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    write_outputs(filled, STORIES, REPORT, tmp_path, dossier_fn=_dossier)
    names = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file())
    assert names == ["index.html", "index.json"] + [
        f"stories/{story_id}.{ext}" for story_id in ("s-storm", "s-talks") for ext in ("html", "json", "md")
    ]
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    for story in index["stories"]:
        doc = json.loads((tmp_path / story["dossier"]).read_text(encoding="utf-8"))
        assert doc["story"]["id"] == story["id"]
        jsonschema.validate(doc, json.loads(SCHEMA.read_text(encoding="utf-8")))
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    for must in [
        'href="stories/s-talks.html"',
        'href="stories/s-storm.html"',
        "Storm &lt;closes&gt; port",
        "in/z.bin",
        "2025-12-01 – 2025-12-02",
    ]:
        assert must in page


def test_outputs_are_the_same_on_every_run(filled, tmp_path: Path) -> None:
    write_outputs(filled, STORIES, REPORT, tmp_path / "a", dossier_fn=_dossier)
    write_outputs(filled, list(reversed(STORIES)), REPORT, tmp_path / "b", dossier_fn=_dossier)
    for path in sorted((tmp_path / "a").rglob("*.*")):
        assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes(), (
            path.name
        )
