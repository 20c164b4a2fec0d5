"""Story clustering: seeds form one story, incremental runs keep stories, time and entities split events;
quality floors on others' labels, in memory and through the product's path."""

from __future__ import annotations

import json
import random
import sys

import numpy as np
import pytest
from cluster_kit import bcubed_f1, ecb_test, quake, report, seed_articles

from conftest import BENCH, ROOT
from storydesk.cluster import (
    Clusterer,
    Params,
    cluster_articles,
    cluster_store,
    embed_features,
    features_of,
    story_id,
)
from storydesk.cluster.copies import find_copies
from storydesk.models import Article


@pytest.fixture(scope="module")
def seeds() -> list[Article]:
    return seed_articles()


def test_seeds_form_exactly_one_story(seeds):
    assert cluster_articles(seeds) == [sorted(a.id for a in seeds)]


def test_seeds_one_story_in_store_with_title_sources_and_dates(store, seeds):
    store.upsert_articles(seeds)
    (story,) = cluster_store(store)
    assert story.article_ids == sorted(a.id for a in seeds)
    assert story.id == story_id(seeds[0].id)  # first by date then id: 000 (dated 2025-12-02)
    assert story.first_published == story.last_published == "2025-12-02"
    assert any(story.title in (a.title or a.text) for a in seeds)
    assert store.story_of() == {a.id: story.id for a in seeds}


def test_incremental_run_joins_the_existing_story_and_keeps_its_id(store, seeds):
    store.upsert_articles(seeds[:3])
    (first,) = cluster_store(store)
    store.upsert_articles(seeds[3:])
    (second,) = cluster_store(store)
    assert second.id == first.id
    assert second.article_ids == sorted(a.id for a in seeds)
    # nothing new: nothing changes
    assert cluster_store(store) == [second]


def test_incremental_run_opens_a_new_story_for_another_event(store, seeds):
    store.upsert_articles(seeds)
    cluster_store(store)
    store.upsert_articles(
        [
            quake("q1", "6.1", "Aceh province", "Tuesday", 5, "Bener Meriah", "the USGS", "2025-12-03"),
            quake(
                "q2", "6.1", "Aceh province", "Tuesday", 6, "Bener Meriah", "the USGS", "2025-12-03", "Other"
            ),
        ]
    )
    stories = cluster_store(store)
    assert sorted(s.article_ids for s in stories) == [sorted(a.id for a in seeds), ["q1", "q2"]]


def test_same_input_any_order_gives_same_stories(seeds):
    mixed = seeds + [
        quake("q1", "6.1", "Aceh province", "Tuesday", 5, "Bener Meriah", "the USGS", "2025-12-03")
    ]
    shuffled = list(mixed)
    random.Random(7).shuffle(shuffled)
    assert cluster_articles(mixed) == cluster_articles(shuffled)


@pytest.mark.parametrize("days_apart, together", [(0, True), (2, True), (40, False)])
def test_reports_far_apart_in_time_are_different_events(days_apart, together):
    a = quake("a", "6.1", "Aceh province", "Tuesday", 5, "Bener Meriah", "the USGS", "2013-07-02")
    b = quake(
        "b",
        "6.1",
        "Aceh province",
        "Tuesday",
        6,
        "Bener Meriah",
        "the USGS",
        f"2013-{7 + days_apart // 30:02d}-{2 + days_apart % 30:02d}",
    )
    groups = cluster_articles([a, b], find_copies=False)
    assert (len(groups) == 1) is together


TWO_QUAKES = {
    "w1": "A 7.6-magnitude earthquake hit West Papua early on Sunday, killing four people in Manokwari and "
    "damaging a hotel and a bridge, Indonesia's meteorology agency said.",
    "w2": "Four people died in Manokwari when a strong quake struck the coast of West Papua on Sunday; the "
    "meteorology agency measured it at magnitude 7.6 and warned of aftershocks.",
    "a1": "A 6.1-magnitude earthquake struck Aceh province on Tuesday, flattening houses in Bener Meriah and "
    "killing at least 24 people, Indonesian officials said.",
    "a2": "Rescuers dug through rubble in Bener Meriah after Tuesday's magnitude 6.1 quake in Aceh, which "
    "officials said killed 24 people and injured more than 200.",
}


def test_two_quakes_of_different_places_are_two_stories():
    arts = [report(k, v, None, source=k) for k, v in TWO_QUAKES.items()]
    assert cluster_articles(arts, find_copies=False) == [["a1", "a2"], ["w1", "w2"]]


def test_copies_count_once_among_sources(store):
    wire = (
        "The central bank raised its main interest rate by half a point to 4.5 percent on Thursday, its "
        "third increase this year, saying inflation remained far above its target and that further "
        "moves could follow if prices kept rising through the winter months."
    )
    store.upsert_articles(
        [
            report("w2", wire + " Markets fell after the news.", "2024-03-07T12:00", "Paper"),
            report("w1", wire, "2024-03-07", "Wire"),
        ]
    )
    (story,) = cluster_store(store)
    assert store.get_article("w2").copy_of == "w1"
    assert story.sources == ["Wire"]
    assert story.article_ids == ["w1", "w2"]
    assert story.id == story_id("w1")


# ---- quality floors on others' labels (bench/cluster_ecb.py and cluster_allsides.py print the full runs) --


@pytest.mark.slow
def test_ecb_test_topics_bcubed_floor():
    if not (BENCH / "ecbplus").is_dir():
        pytest.skip("bench data not beside this checkout")
    arts, gold = ecb_test()
    assert bcubed_f1(cluster_articles(arts), gold) >= ECB_TEST_FLOOR


@pytest.mark.slow
def test_ecb_test_topics_in_two_runs_bcubed_floor():
    """Incremental use: half the articles clustered first, the rest joining the stories later."""
    import hashlib

    if not (BENCH / "ecbplus").is_dir():
        pytest.skip("bench data not beside this checkout")
    arts, gold = ecb_test()
    first = [a for a in arts if hashlib.sha1(a.id.encode()).digest()[0] < 128]
    cl = Clusterer()
    for part in (first, [a for a in arts if a not in first]):
        feats = features_of(part)
        cl.place_batch(feats, embed_features(feats), find_copies(part))
    assert bcubed_f1([m for m in cl.members if m], gold) >= ECB_TWO_RUNS_FLOOR


@pytest.mark.slow
def test_allsides_subset_bcubed_floor():
    if not (BENCH / "neus").is_dir():
        pytest.skip("bench data not beside this checkout")
    arts, gold = [], {}
    for line in list((BENCH / "neus" / "allsides_stories.jsonl").open())[:120]:
        r = json.loads(line)
        for side, n in sorted(r["news"].items()):
            aid = f"{r['id']}-{side}"
            arts.append(
                Article(
                    id=aid,
                    text="\n".join(n["newBody"]),
                    source=n["newsSource"],
                    title=n["newsTitle"],
                    published=r["date"][:10],
                )
            )
            gold[aid] = str(r["id"])
    assert bcubed_f1(cluster_articles(arts), gold) >= ALLSIDES_FLOOR


ECB_TEST_FLOOR = 0.95  # measured 0.952 (bench/cluster_ecb.py; train 0.928, dev 0.983, all 0.945)
ECB_TWO_RUNS_FLOOR = 0.92  # measured 0.945 in bench/cluster_ecb.py's two runs
# measured 0.918 on these 120 stories (0.825 before the per-day penalty and 14-day window of Params;
# all 506: 0.918 in memory, 0.917 through the product, bench/cluster_allsides.py)
ALLSIDES_FLOOR = 0.90


def test_params_are_hashable_for_state_checks():
    assert Params() == Params() and hash(Params(threshold=0.5)) != hash(Params())


# ---- the same floors through the product's path (ingest, analyze, cluster: what `storydesk analyze` runs) --


def _product(records: list[dict], name: str) -> list[list[str]]:
    sys.path.insert(0, str(ROOT / "bench"))
    from cluster_common import product_stories

    return product_stories(records, name)[0]


@pytest.mark.slow
def test_ecb_test_topics_through_the_product_floor():
    if not (BENCH / "ecbplus").is_dir():
        pytest.skip("bench data not beside this checkout")
    arts, gold = ecb_test()
    records = [{"id": a.id, "text": a.text, "source": a.source, "title": a.title} for a in arts]
    # measured 0.919 (bench/cluster_ecb.py --product; 0.909 before the per-day penalty and 14-day window
    # of Params, chosen on ECB+ train+dev and AllSides); the TF-IDF baseline 0.861
    assert bcubed_f1(_product(records, "test-ecb"), gold) >= 0.91


@pytest.mark.slow
def test_neus_val_undated_excerpts_through_the_product_floor():
    if not (BENCH / "neus").is_dir():
        pytest.skip("bench data not beside this checkout")
    sys.path.insert(0, str(ROOT / "bench"))
    import cluster_neus

    records, gold = cluster_neus.load("val")
    # measured 0.857 (bench/cluster_neus.py); the TF-IDF baseline 0.853 (the target: 0.90)
    assert bcubed_f1(_product(records, "test-neus-val"), gold) >= 0.85


def _briefs(published: str | None) -> list[Article]:
    """Three stories of one topic, two short reports each, told apart only by their own names and numbers."""
    topic = "The city council voted on the harbour budget after a long debate about ferries and fares."
    own = [
        ("Mayor Alda Quist", "Brennick", "41"),
        ("Councillor Tove Marsh", "Ostervik", "77"),
        ("Treasurer Ivo Palin", "Lunde", "93"),
    ]
    arts = []
    for story, (person, place, number) in enumerate(own):
        for copy in range(2):
            detail = f"{person} of {place} proposed {number} berths. {person} said {place} needs {number}."
            text = " ".join([topic, detail, detail if copy else topic])
            text = " ".join(text.split()[:40])  # short: under Params.undated_split_words
            arts.append(Article(id=f"b{story}{copy}", text=text, source=f"o{copy}", published=published))
    return arts


@pytest.mark.parametrize(("published", "parts"), [(None, 3), ("2026-03-02", 1)])
def test_an_undated_group_of_short_texts_splits_down_to_its_stories(published, parts):
    """A group of six short reports of three stories: undated, it splits into halves of two and splits
    again; dated, a half must hold four (Params.split_part), so it stays whole."""
    arts = _briefs(published)
    feats = features_of(arts)
    cl = Clusterer()
    cl.observe(feats)
    # the same vector for all: only the words they do not all share can tell them apart
    vecs = np.ones((len(feats), 384), dtype=np.float32) / np.sqrt(384)
    groups = cl.split_group(feats, vecs, list(range(len(feats))))
    assert len(groups) == parts
    if parts == 3:
        assert sorted(sorted(feats[i].id for i in group) for group in groups) == [
            ["b00", "b01"],
            ["b10", "b11"],
            ["b20", "b21"],
        ]
