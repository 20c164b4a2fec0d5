"""The seed story through the real pipeline (ingest, spaCy analysis, embeddings, SQLite): what it must show."""

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
    store.save_stories([Story("seeds", "seed story", ids, sorted({a.source for a in arts}))])
    dossier = dossier_for(store, "seeds").to_json()
    texts = {a.id: a.text for a in arts}
    rebuilt = build_dossier(store, store.get_story("seeds")).to_json()
    yield dossier, texts, rebuilt
    store.close()


def _entities_with(d, variant):
    forms = {variant, variant + "’s", variant + "'s"}
    return [e for e in d["entities"] if forms & set(e["variants"])]


def test_valid_and_grounded(seed_dossier):
    d, texts, _ = seed_dossier
    validate(d)
    assert_grounded(d, texts)
    assert d["story"]["article_count"] == 5 and d["story"]["source_count"] == 5
    ids = [x["id"] for part in ("entities", "quotes", "claims", "conflicts") for x in d[part]]
    assert len(ids) == len(set(ids))
    entity_ids = {e["id"] for e in d["entities"]}
    assert {q["speaker"] for q in d["quotes"] if q["speaker"]} <= entity_ids
    assert {c["attributed_to"] for c in d["claims"] if c["attributed_to"]} <= entity_ids


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
    d, _, _ = seed_dossier
    owners = {e["id"] for v in variants for e in _entities_with(d, v)}
    assert len(owners) == 1, variants


def test_ushakov_is_one_entity(seed_dossier):
    # the Yuri spelling stands only in photo captions, which ingest removes; what remains is one person
    d, _, _ = seed_dossier
    assert len([e for e in d["entities"] if any("Ushakov" in v for v in e["variants"])]) == 1


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
    d, _, _ = seed_dossier
    a, b = (_entities_with(d, n) for n in pair)
    assert a and b and a[0]["id"] != b[0]["id"]


def test_plan_points_number_conflict(seed_dossier):
    d, _, _ = seed_dossier
    hits = [
        c
        for c in d["conflicts"]
        if c["kind"] == "number" and {p["value"] for p in c["positions"]} == {"19", "20"}
    ]
    assert len(hits) == 1
    by_value = {p["value"]: p["articles"] for p in hits[0]["positions"]}
    assert by_value["19"][0].startswith("000") and by_value["20"][0].startswith("002")


def test_sixth_meeting_is_not_a_conflict(seed_dossier):
    d, _, _ = seed_dossier
    for c in d["conflicts"]:
        if c["kind"] == "number":
            assert {p["value"] for p in c["positions"]} != {"5", "6"}
            assert not any("sixth" in ev for p in c["positions"] for ev in p.get("evidence", []))


def test_former_president_role_conflict(seed_dossier):
    d, _, _ = seed_dossier
    hits = [c for c in d["conflicts"] if c["kind"] == "role" and c["subject"].startswith("Donald Trump")]
    assert len(hits) == 1
    former = [p for p in hits[0]["positions"] if "former" in p["value"]]
    assert former and [a[:3] for a in former[0]["articles"]] == ["003"]
    # the outvoted title is shown as a conflict, never stated by the summary
    assert not any("former President" in s["text"] for s in d["summary"])


def test_captured_town_is_disputed(seed_dossier):
    d, _, _ = seed_dossier
    denials = [c for c in d["conflicts"] if c["kind"] == "denial" and c["subject"] == "Pokrovsk"]
    disputed = [
        c
        for c in d["claims"]
        if c["status"] == "disputed" and any("Pokrovsk" in o["text"] for o in c["occurrences"])
    ]
    assert denials and disputed
    contested = denials[0]["positions"][1]["evidence"]
    assert any("still held" in ev for ev in contested)


def test_shared_zelenskyy_quote_is_one_quote(seed_dossier):
    d, _, _ = seed_dossier
    hits = [
        q
        for q in d["quotes"]
        if "will be waiting for signals" in q["text"]
        or any("will be waiting for signals" in o["text"] for o in q["occurrences"])
    ]
    assert len(hits) == 1
    arts = {o["article"][:3] for o in hits[0]["occurrences"]}
    assert {"000", "002"} <= arts
    assert hits[0]["speaker_name"] == "Volodymyr Zelenskyy"


def test_honorific_is_the_same_person(seed_dossier):
    # "Sir Keir Starmer" (003) and "Keir Starmer" (000): one person, named without the honorific
    d, _, _ = seed_dossier
    hits = [e for e in d["entities"] if any("Starmer" in v for v in e["variants"])]
    assert len(hits) == 1 and hits[0]["name"] == "Keir Starmer" and hits[0]["type"] == "PERSON"
    assert {a[:3] for a in hits[0]["articles"]} == {"000", "003"}


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
    d, _, _ = seed_dossier
    hits = [q for q in d["quotes"] if q["text"].startswith(start)]
    assert hits and all(q["speaker_name"] == speaker_name for q in hits), hits


def test_no_nationality_or_region_speaks(seed_dossier):
    d, _, _ = seed_dossier
    types = {e["id"]: e["type"] for e in d["entities"]}
    assert not [
        q for q in d["quotes"] if q["speaker"] and types[q["speaker"]] not in {"PERSON", "ORG", "GPE"}
    ]
    names = {q["speaker_name"] for q in d["quotes"]}
    assert not names & {"Ukrainian", "Russian", "European", "pro-Ukrainian", "who"}
    us = [q for q in d["quotes"] if q["speaker_name"] == "United States"]
    assert not us  # "U.S. envoys", "U.S. officials", "the U.S. and Ukraine": never the country alone


CREDITS = re.compile(
    r"Getty Images|/AP\b|/AFP|REUTERS/|Sputnik/|/POOL/|pool photograph|Kilcoyne|Zemlianichenko"
)


def test_no_caption_or_credit_anywhere(seed_dossier):
    d, _, _ = seed_dossier
    assert not CREDITS.search(json.dumps(d, ensure_ascii=False))


def test_unique_lists_single_source_claims(seed_dossier):
    d, _, _ = seed_dossier
    by_id = {c["id"]: c for c in d["claims"]}
    for source, ids in d["unique"].items():
        assert ids and all(by_id[i]["sources"] == [source] for i in ids)
    assert any(c["status"] == "corroborated" for c in d["claims"])


def test_same_input_same_dossier(seed_dossier):
    d, _, rebuilt = seed_dossier
    assert json.loads(json.dumps(rebuilt)) == d


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
    d, _, _ = seed_dossier
    hits = [c for c in d["claims"] if any(text in o["text"] for o in c["occurrences"])]
    assert hits and all(c["status"] != "disputed" for c in hits)


def test_only_the_captured_town_is_disputed(seed_dossier):
    d, _, _ = seed_dossier
    disputed = [c for c in d["claims"] if c["status"] == "disputed"]
    assert disputed and all("Pokrovsk" in c["text"] for c in disputed)
    assert {c["subject"] for c in d["conflicts"] if c["kind"] == "denial"} == {"Pokrovsk"}


@pytest.mark.parametrize("text", CORROBORATED)
def test_facts_carried_by_several_outlets_are_corroborated(seed_dossier, text):
    d, _, _ = seed_dossier
    hits = [
        c
        for c in d["claims"]
        if c["status"] == "corroborated" and sum(text in o["text"] for o in c["occurrences"]) >= 2
    ]
    assert hits, f"no corroborated claim joins the outlets' '{text}'"


def test_unique_leaves_out_what_others_say_in_other_words(seed_dossier):
    d, _, _ = seed_dossier
    unique = {i for ids in d["unique"].values() for i in ids}
    for claim in d["claims"]:
        if claim.get("also_reported_by"):
            assert claim["id"] not in unique and claim["status"] == "single_source"
            assert set(claim["also_reported_by"]).isdisjoint(claim["sources"])


def test_conflicts_say_how_sure_they_are(seed_dossier):
    d, _, _ = seed_dossier
    # no kind has been measured at 80% precision by reading yet (bench/conflicts_judged.py)
    assert d["conflicts"] and {c["certainty"] for c in d["conflicts"]} == {"possible"}
