"""The seed story through the real pipeline (ingest, spaCy analysis, embeddings, SQLite): what it must
show."""

from __future__ import annotations

import json
import re

import pytest
from reconcile_kit import assert_grounded, validate

from conftest import SEEDS
from storydesk.models import Story
from storydesk.reconcile import build_dossier, dossier_for
from storydesk.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seed_dossier(tmp_path_factory):
    if not SEEDS.is_dir():
        pytest.skip("../shared/corpus/seeds is not beside this checkout")
    from storydesk.analyze import analyze_store
    from storydesk.ingest import ingest_paths

    store = Store(tmp_path_factory.mktemp("seeds") / "seeds.db")
    report = ingest_paths([str(SEEDS)], store)
    assert len(report.added) == 5
    analyze_store(store)
    ids = store.article_ids()
    arts = list(store.iter_articles(ids))
    store.save_stories([Story("seeds", "seed story", ids, sorted({article.source for article in arts}))])
    dossier = dossier_for(store, "seeds").to_json()
    texts = {article.id: article.text for article in arts}
    rebuilt = build_dossier(store, store.get_story("seeds")).to_json()
    yield dossier, texts, rebuilt
    store.close()


def _entities_with(dossier, variant):
    forms = {variant, variant + "’s", variant + "'s"}
    return [entity for entity in dossier["entities"] if forms & set(entity["variants"])]


def test_valid_and_grounded(seed_dossier):
    dossier, texts, _ = seed_dossier
    validate(dossier)
    assert_grounded(dossier, texts)
    assert dossier["story"]["article_count"] == 5 and dossier["story"]["source_count"] == 5
    ids = [item["id"] for part in ("entities", "quotes", "claims", "conflicts") for item in dossier[part]]
    assert len(ids) == len(set(ids))
    entity_ids = {entity["id"] for entity in dossier["entities"]}
    assert {quote["speaker"] for quote in dossier["quotes"] if quote["speaker"]} <= entity_ids
    assert {claim["attributed_to"] for claim in dossier["claims"] if claim["attributed_to"]} <= entity_ids


@pytest.mark.parametrize(
    "variants",
    [
        (
            "Volodymyr Zelenskyy",
            "Volodymyr Zelensky",
            "Volodymyr Zelenskiy",
            "Zelenskyy",
            "Zelensky",
            "Zelenskiy",
        ),
        ("Steve Witkoff", "Steven Witkoff", "Witkoff"),
        ("Dmitry Peskov", "Peskov"),
        ("Vladimir Putin", "Putin"),
    ],
)
def test_spellings_are_one_entity(seed_dossier, variants):
    dossier, _, _ = seed_dossier
    owners = {entity["id"] for variant in variants for entity in _entities_with(dossier, variant)}
    assert len(owners) == 1, variants


def test_ushakov_is_one_entity(seed_dossier):
    # the Yuri spelling stands only in photo captions, which ingest removes; what remains is one person
    dossier, _, _ = seed_dossier
    ushakov = [
        entity
        for entity in dossier["entities"]
        if any("Ushakov" in variant for variant in entity["variants"])
    ]
    assert len(ushakov) == 1


@pytest.mark.parametrize(
    "pair",
    [
        ("Vladimir Putin", "Volodymyr Zelenskyy"),
        ("Vladimir Putin", "Dmitry Peskov"),
        ("Donald Trump", "Jared Kushner"),
        ("Kirill Dmitriev", "Dmitry Peskov"),
    ],
)
def test_people_stay_apart(seed_dossier, pair):
    dossier, _, _ = seed_dossier
    first, second = (_entities_with(dossier, name) for name in pair)
    assert first and second and first[0]["id"] != second[0]["id"]


def test_plan_points_number_conflict(seed_dossier):
    dossier, _, _ = seed_dossier
    hits = [
        conflict
        for conflict in dossier["conflicts"]
        if conflict["kind"] == "number"
        and {position["value"] for position in conflict["positions"]} == {"19", "20"}
    ]
    assert len(hits) == 1
    by_value = {position["value"]: position["articles"] for position in hits[0]["positions"]}
    assert by_value["19"][0].startswith("000") and by_value["20"][0].startswith("002")


def test_sixth_meeting_is_not_a_conflict(seed_dossier):
    dossier, _, _ = seed_dossier
    for conflict in dossier["conflicts"]:
        if conflict["kind"] == "number":
            assert {position["value"] for position in conflict["positions"]} != {"5", "6"}
            assert not any(
                "sixth" in ev for position in conflict["positions"] for ev in position.get("evidence", [])
            )


def test_former_president_role_conflict(seed_dossier):
    dossier, _, _ = seed_dossier
    hits = [
        conflict
        for conflict in dossier["conflicts"]
        if conflict["kind"] == "role" and conflict["subject"].startswith("Donald Trump")
    ]
    assert len(hits) == 1
    former = [position for position in hits[0]["positions"] if "former" in position["value"]]
    assert former and [article_id[:3] for article_id in former[0]["articles"]] == ["003"]
    # the outvoted title is shown as a conflict, never stated by the summary
    assert not any("former President" in sentence["text"] for sentence in dossier["summary"])


def test_captured_town_is_disputed(seed_dossier):
    dossier, _, _ = seed_dossier
    denials = [
        conflict
        for conflict in dossier["conflicts"]
        if conflict["kind"] == "denial" and conflict["subject"] == "Pokrovsk"
    ]
    disputed = [
        claim
        for claim in dossier["claims"]
        if claim["status"] == "disputed" and any("Pokrovsk" in occ["text"] for occ in claim["occurrences"])
    ]
    assert denials and disputed
    contested = denials[0]["positions"][1]["evidence"]
    assert any("still held" in ev for ev in contested)


def test_shared_zelenskyy_quote_is_one_quote(seed_dossier):
    dossier, _, _ = seed_dossier
    hits = [
        quote
        for quote in dossier["quotes"]
        if "will be waiting for signals" in quote["text"]
        or any("will be waiting for signals" in occ["text"] for occ in quote["occurrences"])
    ]
    assert len(hits) == 1
    arts = {occ["article"][:3] for occ in hits[0]["occurrences"]}
    assert {"000", "002"} <= arts
    assert hits[0]["speaker_name"] == "Volodymyr Zelenskyy"


def test_honorific_is_the_same_person(seed_dossier):
    # "Sir Keir Starmer" (003) and "Keir Starmer" (000): one person, named without the honorific
    dossier, _, _ = seed_dossier
    hits = [
        entity
        for entity in dossier["entities"]
        if any("Starmer" in variant for variant in entity["variants"])
    ]
    assert len(hits) == 1 and hits[0]["name"] == "Keir Starmer" and hits[0]["type"] == "PERSON"
    assert {article_id[:3] for article_id in hits[0]["articles"]} == {"000", "003"}


# (quote text start, speaker_name): the speaker as the article gives it, never a nationality or a place
# that only modifies the subject ("Ukrainian officials", "U.S. officials")
SEED_SPEAKERS = [
    ("European countries are trying", "Vladimir Putin"),
    ("over 1.2 million men", "U.S. officials"),
    ("they would support the revised plan", "Ukrainian officials"),
    ("Putin prepared in recent days", "Russian officials"),
    ("there had been progress", "The top Ukrainian official at the Florida talks"),
    ("never would have happened", "Donald Trump"),
    ("megaphone diplomacy", "Dmitry Peskov"),
]


@pytest.mark.parametrize("start,speaker_name", SEED_SPEAKERS)
def test_seed_quote_speakers(seed_dossier, start, speaker_name):
    dossier, _, _ = seed_dossier
    hits = [quote for quote in dossier["quotes"] if quote["text"].startswith(start)]
    assert hits and all(quote["speaker_name"] == speaker_name for quote in hits), hits


def test_no_nationality_or_region_speaks(seed_dossier):
    dossier, _, _ = seed_dossier
    types = {entity["id"]: entity["type"] for entity in dossier["entities"]}
    assert not [
        quote
        for quote in dossier["quotes"]
        if quote["speaker"] and types[quote["speaker"]] not in {"PERSON", "ORG", "GPE"}
    ]
    names = {quote["speaker_name"] for quote in dossier["quotes"]}
    assert not names & {"Ukrainian", "Russian", "European", "pro-Ukrainian", "who"}
    us = [quote for quote in dossier["quotes"] if quote["speaker_name"] == "United States"]
    assert not us  # "U.S. envoys", "U.S. officials", "the U.S. and Ukraine": never the country alone


CREDITS = re.compile(
    r"Getty Images|/AP\b|/AFP|REUTERS/|Sputnik/|/POOL/|pool photograph|Kilcoyne|Zemlianichenko"
)


def test_no_caption_or_credit_anywhere(seed_dossier):
    dossier, _, _ = seed_dossier
    assert not CREDITS.search(json.dumps(dossier, ensure_ascii=False))


def test_unique_lists_single_source_claims(seed_dossier):
    dossier, _, _ = seed_dossier
    by_id = {claim["id"]: claim for claim in dossier["claims"]}
    for source, ids in dossier["unique"].items():
        assert ids and all(by_id[claim_id]["sources"] == [source] for claim_id in ids)
    assert any(claim["status"] == "corroborated" for claim in dossier["claims"])


def test_same_input_same_dossier(seed_dossier):
    dossier, _, rebuilt = seed_dossier
    assert json.loads(json.dumps(rebuilt)) == dossier


# Claims in the seeds that no one disputes, though they name places a denial also names (issue 9).
NOT_DISPUTED = ["28 U.S. draft peace proposals", "19% of Ukraine", "stated demands", "seized land"]
# Facts two or more seed outlets carry in other words: each must be one corroborated claim.
CORROBORATED = [
    "19% of Ukraine",
    "28 U.S. draft peace proposals",
    "updated and refined peace framework",
    "as long as necessary",
]


@pytest.mark.parametrize("text", NOT_DISPUTED)
def test_claims_no_one_disputes_are_not_disputed(seed_dossier, text):
    dossier, _, _ = seed_dossier
    hits = [claim for claim in dossier["claims"] if any(text in occ["text"] for occ in claim["occurrences"])]
    assert hits and all(claim["status"] != "disputed" for claim in hits)


def test_only_the_captured_town_is_disputed(seed_dossier):
    dossier, _, _ = seed_dossier
    disputed = [claim for claim in dossier["claims"] if claim["status"] == "disputed"]
    assert disputed and all("Pokrovsk" in claim["text"] for claim in disputed)
    assert {conflict["subject"] for conflict in dossier["conflicts"] if conflict["kind"] == "denial"} == {
        "Pokrovsk"
    }


@pytest.mark.parametrize("text", CORROBORATED)
def test_facts_carried_by_several_outlets_are_corroborated(seed_dossier, text):
    dossier, _, _ = seed_dossier
    hits = [
        claim
        for claim in dossier["claims"]
        if claim["status"] == "corroborated" and sum(text in occ["text"] for occ in claim["occurrences"]) >= 2
    ]
    assert hits, f"no corroborated claim joins the outlets' '{text}'"


def test_unique_leaves_out_what_others_say_in_other_words(seed_dossier):
    dossier, _, _ = seed_dossier
    unique = {claim_id for ids in dossier["unique"].values() for claim_id in ids}
    for claim in dossier["claims"]:
        if claim.get("also_reported_by"):
            assert claim["id"] not in unique and claim["status"] == "single_source"
            assert set(claim["also_reported_by"]).isdisjoint(claim["sources"])


def test_conflicts_say_how_sure_they_are(seed_dossier):
    dossier, _, _ = seed_dossier
    # no kind has been measured at 80% precision by reading yet (bench/conflicts_judged.py)
    assert dossier["conflicts"] and {conflict["certainty"] for conflict in dossier["conflicts"]} == {
        "possible"
    }
