"""The assembled dossier: valid against the contract, grounded, deterministic, cached by its inputs."""

from __future__ import annotations

import copy

import pytest
from reconcile_kit import article, assert_grounded, date, mentions, quantity, quote, statements, validate

from storydesk.models import Article, Story
from storydesk.reconcile import dossier_for, input_hash
from storydesk.reconcile.dossier import assemble

S1 = (
    "President Donald Trump’s special envoy Steve Witkoff, accompanied by Trump’s son-in-law Jared Kushner, met "
    "with Russian President Vladimir Putin in Moscow on Tuesday to promote Trump’s plan for peace in Ukraine."
)
S2 = (
    "The Trump plan, originally including 28 distinct points, has already been discussed with Ukrainian and "
    "European officials and reportedly whittled down to 20 action items."
)
S3 = (
    "“We have no doubt that this will be a very important step towards peace and a peaceful settlement,” "
    "Peskov said."
)
T1 = (
    "Russian President Vladimir Putin will meet U.S. special envoy Steve Witkoff in Moscow on Tuesday, in what "
    "could become a pivotal moment in efforts to end the war in Ukraine."
)
T2 = (
    "The meeting on Sunday included discussions of a revised 19-point peace plan that was developed a week ago "
    "during another round of American-Ukrainian talks in Geneva, Switzerland."
)
T3 = (
    "Those talks reworked an earlier 28-point plan that the Trump administration had presented and that had "
    "alarmed Kyiv and European allies as heavily favoring Russia."
)
T4 = (
    '"We have no doubt that this will be a very important step towards peace and a peaceful settlement," '
    "Peskov told reporters in Moscow on Tuesday."
)


def _inputs():
    a, an_a = article("nypost", [S1, S2, S3], published="2025-12-02T10:00:00")
    mentions(
        a,
        an_a,
        "PERSON",
        "Donald Trump",
        "Trump",
        "Steve Witkoff",
        "Jared Kushner",
        "Vladimir Putin",
        "Peskov",
    )
    mentions(a, an_a, "GPE", "Moscow", "Ukraine")
    quantity(a, an_a, "28", 28, noun="points")
    quantity(a, an_a, "20", 20, noun="items")
    quote(
        a,
        an_a,
        "We have no doubt that this will be a very important step towards peace and a peaceful settlement",
        "Peskov",
    )
    date(a, an_a, "on Tuesday", "2025-12-02")
    statements(an_a)
    b, an_b = article("abc", [T1, T2, T3, T4], published="2025-12-02T12:10:00")
    mentions(b, an_b, "PERSON", "Vladimir Putin", "Steve Witkoff", "Peskov")
    mentions(b, an_b, "GPE", "Moscow", "Ukraine", "Geneva", "Switzerland", "Kyiv", "Russia")
    quantity(b, an_b, "19-point", 19, unit="point", noun="plan")
    quantity(b, an_b, "28-point", 28, unit="point", noun="plan")
    quote(
        b,
        an_b,
        "We have no doubt that this will be a very important step towards peace and a peaceful settlement",
        "Peskov",
    )
    date(b, an_b, "on Tuesday", "2025-12-02")
    statements(an_b)
    story = Story("st-1", "Putin meets Witkoff", ["abc", "nypost"], ["abc", "nypost"])
    return story, [a, b], {"nypost": an_a, "abc": an_b}


@pytest.fixture(scope="module")
def built():
    story, arts, ans = _inputs()
    return assemble(story, arts, ans).to_json(), arts


@pytest.mark.slow
def test_dossier_validates_and_is_grounded(built):
    d, arts = built
    validate(d)
    assert_grounded(d, {a.id: a.text for a in arts})
    assert d["story"]["article_count"] == 2 and d["story"]["source_count"] == 2
    assert d["story"]["first_published"] == "2025-12-02T10:00:00"
    assert [a["id"] for a in d["articles"]] == ["nypost", "abc"]


@pytest.mark.slow
def test_dossier_parts(built):
    d, _arts = built
    kinds = {c["kind"] for c in d["conflicts"]}
    assert "number" in kinds
    assert any(len(q["occurrences"]) == 2 for q in d["quotes"])
    assert any(c["status"] == "corroborated" for c in d["claims"])
    assert set(d["unique"]) <= {"abc", "nypost"}
    for ids in d["unique"].values():
        assert all(any(c["id"] == i and len(c["sources"]) == 1 for c in d["claims"]) for i in ids)
    assert d["timeline"] and all(t["date"] == "2025-12-02" for t in d["timeline"])
    ids = [x["id"] for part in ("entities", "quotes", "claims", "conflicts") for x in d[part]]
    assert len(ids) == len(set(ids))


@pytest.mark.slow
def test_same_input_same_dossier(built):
    d, _arts = built
    story, arts, ans = _inputs()
    again = assemble(story, list(reversed(arts)), ans).to_json()
    assert again == d


@pytest.mark.slow
def test_dossier_for_caches_until_an_article_changes(store):
    story, arts, ans = _inputs()
    store.upsert_articles(arts)
    for a in arts:
        store.save_analysis(ans[a.id], a.content_hash, "test-1")
    store.save_stories([story])
    first = dossier_for(store, story.id)
    validate(first.to_json())
    key = input_hash(store, store.get_story(story.id))
    assert store.load_dossier(story.id)[0] == key
    # a planted marker survives while the inputs do not change: the dossier is read back, not rebuilt
    marked = copy.deepcopy(first)
    marked.story.title = "cached"
    store.save_dossier(story.id, key, marked)
    assert dossier_for(store, story.id).story.title == "cached"
    # a new analysis version changes the key: rebuilt
    store.save_analysis(ans["abc"], arts[1].content_hash, "test-2")
    assert input_hash(store, store.get_story(story.id)) != key
    assert dossier_for(store, story.id).story.title == "Putin meets Witkoff"


@pytest.mark.slow
@pytest.mark.parametrize(
    "texts",
    [
        [],  # a story with no article
        [""],  # an empty article
        [
            "The council approved the budget on Monday after a long debate. Critics said the plan would raise taxes."
        ],
    ],
)
def test_edge_inputs_without_analysis_stay_valid(texts):
    arts = [Article(id=f"a{i}", text=t, source=f"s{i}") for i, t in enumerate(texts)]
    d = assemble(Story("s", "t", [a.id for a in arts], []), arts, {}).to_json()
    validate(d)
    assert_grounded(d, {a.id: a.text for a in arts})
    assert d["story"]["article_count"] == len(arts)
