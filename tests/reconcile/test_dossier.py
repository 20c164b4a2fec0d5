"""The assembled dossier: valid against the contract, grounded, deterministic, cached by its inputs."""

from __future__ import annotations

import copy

import pytest
from reconcile_kit import article, assert_grounded, date, mentions, quantity, quote, statements, validate

from storydesk.models import Article, Story
from storydesk.reconcile import dossier_for, input_hash
from storydesk.reconcile.dossier import assemble

S1 = (
    "President Donald Trump’s special envoy Steve Witkoff, accompanied by Trump’s son-in-law Jared Kushner, "
    "met with Russian President Vladimir Putin in Moscow on Tuesday to promote Trump’s plan for peace in "
    "Ukraine."
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
    "Russian President Vladimir Putin will meet U.S. special envoy Steve Witkoff in Moscow on Tuesday, in "
    "what could become a pivotal moment in efforts to end the war in Ukraine."
)
T2 = (
    "The meeting on Sunday included discussions of a revised 19-point peace plan that was developed a week "
    "ago during another round of American-Ukrainian talks in Geneva, Switzerland."
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
    art_a, an_a = article("nypost", [S1, S2, S3], published="2025-12-02T10:00:00")
    mentions(
        art_a,
        an_a,
        "PERSON",
        "Donald Trump",
        "Trump",
        "Steve Witkoff",
        "Jared Kushner",
        "Vladimir Putin",
        "Peskov",
    )
    mentions(art_a, an_a, "GPE", "Moscow", "Ukraine")
    quantity(art_a, an_a, "28", 28, noun="points")
    quantity(art_a, an_a, "20", 20, noun="items")
    quote(
        art_a,
        an_a,
        "We have no doubt that this will be a very important step towards peace and a peaceful settlement",
        "Peskov",
    )
    date(art_a, an_a, "on Tuesday", "2025-12-02")
    statements(an_a)
    art_b, an_b = article("abc", [T1, T2, T3, T4], published="2025-12-02T12:10:00")
    mentions(art_b, an_b, "PERSON", "Vladimir Putin", "Steve Witkoff", "Peskov")
    mentions(art_b, an_b, "GPE", "Moscow", "Ukraine", "Geneva", "Switzerland", "Kyiv", "Russia")
    quantity(art_b, an_b, "19-point", 19, unit="point", noun="plan")
    quantity(art_b, an_b, "28-point", 28, unit="point", noun="plan")
    quote(
        art_b,
        an_b,
        "We have no doubt that this will be a very important step towards peace and a peaceful settlement",
        "Peskov",
    )
    date(art_b, an_b, "on Tuesday", "2025-12-02")
    statements(an_b)
    story = Story("st-1", "Putin meets Witkoff", ["abc", "nypost"], ["abc", "nypost"])
    return story, [art_a, art_b], {"nypost": an_a, "abc": an_b}


@pytest.fixture(scope="module")
def built():
    story, arts, ans = _inputs()
    return assemble(story, arts, ans).to_json(), arts


@pytest.mark.slow
def test_dossier_validates_and_is_grounded(built):
    dossier, arts = built
    validate(dossier)
    assert_grounded(dossier, {art.id: art.text for art in arts})
    assert dossier["story"]["article_count"] == 2 and dossier["story"]["source_count"] == 2
    assert dossier["story"]["first_published"] == "2025-12-02T10:00:00"
    assert [art["id"] for art in dossier["articles"]] == ["nypost", "abc"]


@pytest.mark.slow
def test_dossier_parts(built):
    dossier, _arts = built
    kinds = {conflict["kind"] for conflict in dossier["conflicts"]}
    assert "number" in kinds
    assert any(len(story_quote["occurrences"]) == 2 for story_quote in dossier["quotes"])
    assert any(claim["status"] == "corroborated" for claim in dossier["claims"])
    assert set(dossier["unique"]) <= {"abc", "nypost"}
    for ids in dossier["unique"].values():
        assert all(
            any(claim["id"] == claim_id and len(claim["sources"]) == 1 for claim in dossier["claims"])
            for claim_id in ids
        )
    assert dossier["timeline"] and all(entry["date"] == "2025-12-02" for entry in dossier["timeline"])
    ids = [item["id"] for part in ("entities", "quotes", "claims", "conflicts") for item in dossier[part]]
    assert len(ids) == len(set(ids))


@pytest.mark.slow
def test_same_input_same_dossier(built):
    dossier, _arts = built
    story, arts, ans = _inputs()
    again = assemble(story, list(reversed(arts)), ans).to_json()
    assert again == dossier


@pytest.mark.slow
def test_dossier_for_caches_until_an_article_changes(store):
    story, arts, ans = _inputs()
    store.upsert_articles(arts)
    for art in arts:
        store.save_analysis(ans[art.id], art.content_hash, "test-1")
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
            "The council approved the budget on Monday after a long debate. Critics said the plan would "
            "raise taxes."
        ],
    ],
)
def test_edge_inputs_without_analysis_stay_valid(texts):
    arts = [Article(id=f"a{i}", text=text, source=f"s{i}") for i, text in enumerate(texts)]
    dossier = assemble(Story("s", "t", [art.id for art in arts], []), arts, {}).to_json()
    validate(dossier)
    assert_grounded(dossier, {art.id: art.text for art in arts})
    assert dossier["story"]["article_count"] == len(arts)
