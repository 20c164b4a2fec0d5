"""Story clustering: seeds form one story, incremental runs keep stories, time and entities split events."""

from __future__ import annotations

import json
import random
import re
import sys
from functools import lru_cache
from pathlib import Path

import faiss
import numpy as np
import pytest

from conftest import BENCH, ROOT, SEEDS
from storydesk import cluster
from storydesk.cluster import (
    Clusterer,
    Params,
    cluster_articles,
    cluster_store,
    embed_features,
    features_of,
    story_id,
)
from storydesk.copies import find_copies
from storydesk.embed import MODEL_ID
from storydesk.features import article_features, fallback_entities, text_dates
from storydesk.models import Analysis, Article, Mention

_DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d\d-\d\d)\s*")


def seed_articles() -> list[Article]:
    """The five seeds as clean articles (ids are file stems; no source; 001 and 003 have no date line)."""
    out = []
    for path in sorted(Path(SEEDS).glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        m = _DATE_LINE.match(text)
        out.append(Article(id=path.stem, text=text[m.end():] if m else text, source="",
                           published=m.group(1) if m else None, content_hash=path.stem))
    return out


def _report(aid: str, text: str, published: str | None, source: str = "Outlet", title: str | None = None):
    return Article(id=aid, text=text, source=source, title=title, published=published, content_hash=aid)


QUAKE = ("A magnitude {m} earthquake struck {place} on {day}, killing at least {dead} people and injuring "
         "dozens, officials said. Rescue teams searched collapsed buildings in {town} through the night. "
         "The quake was felt across the region and {agency} recorded several aftershocks.")


def quake(aid, m, place, day, dead, town, agency, published, source="Outlet"):
    return _report(aid, QUAKE.format(m=m, place=place, day=day, dead=dead, town=town, agency=agency),
                   published, source)


@pytest.fixture(scope="module")
def seeds() -> list[Article]:
    if not SEEDS.is_dir():
        pytest.skip("seeds not beside this checkout")
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
    store.upsert_articles([quake("q1", "6.1", "Aceh province", "Tuesday", 5, "Bener Meriah", "the USGS",
                                 "2025-12-03"),
                           quake("q2", "6.1", "Aceh province", "Tuesday", 6, "Bener Meriah", "the USGS",
                                 "2025-12-03", "Other")])
    stories = cluster_store(store)
    assert sorted(s.article_ids for s in stories) == [sorted(a.id for a in seeds), ["q1", "q2"]]


def test_state_rebuilt_from_stored_stories_when_missing(store, seeds):
    store.upsert_articles(seeds[:3])
    (first,) = cluster_store(store)
    with store.conn:
        for table in ("cluster_meta", "cluster_stories", "cluster_articles", "cluster_df", "cluster_postings"):
            store.conn.execute(f"DELETE FROM {table}")
    store.upsert_articles(seeds[3:])
    (second,) = cluster_store(store)
    assert second.id == first.id and len(second.article_ids) == 5


def test_same_input_any_order_gives_same_stories(seeds):
    mixed = seeds + [quake("q1", "6.1", "Aceh province", "Tuesday", 5, "Bener Meriah", "the USGS", "2025-12-03")]
    shuffled = list(mixed)
    random.Random(7).shuffle(shuffled)
    assert cluster_articles(mixed) == cluster_articles(shuffled)


@pytest.mark.parametrize("days_apart, together", [(0, True), (2, True), (40, False)])
def test_reports_far_apart_in_time_are_different_events(days_apart, together):
    a = quake("a", "6.1", "Aceh province", "Tuesday", 5, "Bener Meriah", "the USGS", "2013-07-02")
    b = quake("b", "6.1", "Aceh province", "Tuesday", 6, "Bener Meriah", "the USGS",
              f"2013-{7 + days_apart // 30:02d}-{2 + days_apart % 30:02d}")
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
    arts = [_report(k, v, None, source=k) for k, v in TWO_QUAKES.items()]
    assert cluster_articles(arts, find_copies=False) == [["a1", "a2"], ["w1", "w2"]]


def test_copies_count_once_among_sources(store):
    wire = ("The central bank raised its main interest rate by half a point to 4.5 percent on Thursday, its "
            "third increase this year, saying inflation remained far above its target and that further "
            "moves could follow if prices kept rising through the winter months.")
    store.upsert_articles([
        _report("w2", wire + " Markets fell after the news.", "2024-03-07T12:00", "Paper"),
        _report("w1", wire, "2024-03-07", "Wire")])
    (story,) = cluster_store(store)
    assert store.get_article("w2").copy_of == "w1"
    assert story.sources == ["Wire"]
    assert story.article_ids == ["w1", "w2"]
    assert story.id == story_id("w1")


# ---- features -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, must, must_not", [
    ("The Bank of England raised rates. Officials in New York said nothing.", ["bank of england", "new york"],
     ["the", "york"]),
    ("On Tuesday, President Vladimir Putin met envoys in Moscow.", ["president vladimir putin", "moscow"],
     ["tuesday", "on"]),
    ("It was quiet. But in Paris, Le Monde reported it.", ["paris", "le monde"], ["it", "but"]),
])
def test_fallback_entities(text, must, must_not):
    got = fallback_entities(text)
    assert all(m in got for m in must), got
    assert not any(m in got for m in must_not), got


@pytest.mark.parametrize("text, dates", [
    ("May 03, 2013\nLindsay Lohan checked in.", ["2013-05-03"]),
    ("Published Fri., May. 3, 2013 11:45 AM", ["2013-05-03"]),
    ("WEDNESDAY 03 JULY 2013 / Soldiers", ["2013-07-03"]),
    ("On 2025-12-02 they met; on February 30, 2020 nothing.", ["2025-12-02"]),
])
def test_text_dates(text, dates):
    assert [d for _, d in text_dates(text)] == dates


def test_undated_article_takes_its_dateline_date():
    f = article_features(_report("x", "June 13, 2013 4:59 PM EDT\nThe actress left the clinic.", None))
    g = article_features(_report("y", "The actress left the clinic. It had opened on June 13, 2013 after "
                                      "long delays, and since then many have stayed there for months.", None))
    assert f.day is not None and f.pub_day is None
    assert f.key < g.key  # dated articles are placed first


def test_stored_analysis_entities_are_used_instead_of_the_fallback():
    art = _report("x", "the summit in geneva ended with a deal between acme corp and its rivals.", "2024-01-01")
    an = Analysis("x", mentions=[Mention("x", 14, 20, "geneva", label="GPE", norm="geneva"),
                                 Mention("x", 44, 53, "acme corp", label="ORG", norm="acme corp")])
    assert not article_features(art).has("e:geneva")  # lowercase: the fallback finds nothing
    assert article_features(art, an).has("e:geneva") and article_features(art, an).has("e:acme corp")


# ---- quality floors on others' labels (bench/cluster_ecb.py and cluster_allsides.py print the full runs) --

@lru_cache(maxsize=1)
def _ecb_test() -> tuple[list[Article], dict[str, str]]:
    recs = [json.loads(x) for x in (BENCH / "ecbplus" / "articles.jsonl").open()]
    gold = {r["id"]: r["cluster"] for r in map(json.loads, (BENCH / "ecbplus" / "gold_clusters.jsonl").open())}
    arts = [Article(id=r["id"], text=r["text"], source=r["source"] or "", title=r["title"])
            for r in recs if r["split"] == "test"]
    return arts, gold


def _bcubed_f1(pred: list[list[str]], gold: dict[str, str]) -> float:
    from collections import Counter

    of = {i: n for n, c in enumerate(pred) for i in c}
    pair, sp, sg = Counter((of[i], gold[i]) for i in of), Counter(of.values()), Counter(gold[i] for i in of)
    p = sum(pair[(of[i], gold[i])] / sp[of[i]] for i in of) / len(of)
    r = sum(pair[(of[i], gold[i])] / sg[gold[i]] for i in of) / len(of)
    return 2 * p * r / (p + r)


@pytest.mark.slow
def test_ecb_test_topics_bcubed_floor():
    if not (BENCH / "ecbplus").is_dir():
        pytest.skip("bench data not beside this checkout")
    arts, gold = _ecb_test()
    assert _bcubed_f1(cluster_articles(arts), gold) >= ECB_TEST_FLOOR


@pytest.mark.slow
def test_ecb_test_topics_in_two_runs_bcubed_floor():
    """Incremental use: half the articles clustered first, the rest joining the stories later."""
    import hashlib

    if not (BENCH / "ecbplus").is_dir():
        pytest.skip("bench data not beside this checkout")
    arts, gold = _ecb_test()
    first = [a for a in arts if hashlib.sha1(a.id.encode()).digest()[0] < 128]
    cl = Clusterer()
    for part in (first, [a for a in arts if a not in first]):
        feats = features_of(part)
        cl.place_batch(feats, embed_features(feats), find_copies(part))
    assert _bcubed_f1([m for m in cl.members if m], gold) >= ECB_TWO_RUNS_FLOOR


@pytest.mark.slow
def test_allsides_subset_bcubed_floor():
    if not (BENCH / "neus").is_dir():
        pytest.skip("bench data not beside this checkout")
    arts, gold = [], {}
    for line in list((BENCH / "neus" / "allsides_stories.jsonl").open())[:120]:
        r = json.loads(line)
        for side, n in sorted(r["news"].items()):
            aid = f"{r['id']}-{side}"
            arts.append(Article(id=aid, text="\n".join(n["newBody"]), source=n["newsSource"],
                                title=n["newsTitle"], published=r["date"][:10]))
            gold[aid] = str(r["id"])
    assert _bcubed_f1(cluster_articles(arts), gold) >= ALLSIDES_FLOOR


ECB_TEST_FLOOR = 0.95  # measured 0.957 (bench/cluster_ecb.py; train 0.945, dev 0.983, all 0.949)
ECB_TWO_RUNS_FLOOR = 0.92  # measured 0.931
ALLSIDES_FLOOR = 0.77  # measured 0.782 on these 120 stories (0.803 on all 506; was 0.840 before the
# ECB+-tuned lower linkage threshold and entity weight)


def test_params_are_hashable_for_state_checks():
    assert Params() == Params() and hash(Params(threshold=0.5)) != hash(Params())


# ---- the state as rows: incremental runs equal one in-memory run --------------------------------

def two_batches() -> tuple[list[Article], list[Article]]:
    """Reports of five events in two batches: the second joins two old stories, opens one, holds a copy
    of an old report and leaves one story alone."""
    aceh = ("Aceh province", "Tuesday", "Bener Meriah", "the USGS")
    papua = ("West Papua", "Sunday", "Manokwari", "the BMKG")
    chile = ("northern Chile", "Friday", "Iquique", "the CSN")
    wire = ("The central bank raised its main interest rate by half a point to 4.5 percent on Thursday, its "
            "third increase this year, saying inflation remained far above its target.")
    first = [quake("a1", "6.1", *aceh[:2], 5, *aceh[2:], "2025-12-02"),
             quake("a2", "6.2", *aceh[:2], 9, *aceh[2:], "2025-12-02", "Other"),
             quake("p1", "7.6", *papua[:2], 4, *papua[2:], "2025-12-14"),
             _report("b1", wire, "2025-12-04", "Wire"),
             _report("v1", "Voters in Iceland chose a new parliament on Saturday; the Independence Party "
                           "lost seats in Reykjavik and the count ended after midnight.", "2025-12-06")]
    second = [quake("a3", "6.1", *aceh[:2], 24, *aceh[2:], "2025-12-03", "Third"),
              quake("p2", "7.5", *papua[:2], 6, *papua[2:], "2025-12-15", "Other"),
              quake("c1", "8.2", *chile[:2], 6, *chile[2:], "2025-12-28"),
              quake("c2", "8.1", *chile[:2], 7, *chile[2:], "2025-12-29", "Other"),
              _report("b2", wire + " Markets fell after the news.", "2025-12-05", "Paper")]
    return first, second


def _in_memory(store, batches: list[list[Article]], params: Params = cluster.DEFAULT) -> Clusterer:
    """The same batches placed by one in-memory Clusterer, with the vectors and copies the store used."""
    cl = Clusterer(params)
    for batch in batches:
        feats = features_of(batch, params=params)
        got = store.load_embeddings(MODEL_ID, [f.id for f in feats])
        vecs = np.stack([np.frombuffer(got[f.id][1], dtype=np.float32) for f in feats])
        copies = {a.id: c for a in batch if (c := store.copy_of(a.id))}
        cl.place_batch(feats, vecs, copies)
    return cl


def _stories_of(cl: Clusterer) -> list[tuple[str, list[str]]]:
    return sorted((cl.ids[s], sorted(m)) for s, m in enumerate(cl.members) if m)


def _assert_same_state(a: Clusterer, b: Clusterer) -> None:
    n = len(a.ids)
    assert a.ids == b.ids and a.members == b.members and a.story_of == b.story_of
    assert np.array_equal(a.dense[:n], b.dense[:n])
    assert (a.lo, a.hi, a.plo, a.phi) == (b.lo, b.hi, b.plo, b.phi)
    assert a.postings == b.postings and a.n_docs == b.n_docs and np.array_equal(a.df, b.df)
    assert a.row_story == b.row_story and a.row_article == b.row_article and a.rows == b.rows
    # the same HNSW graph, not only the same vectors: later searches find the same neighbours
    assert bytes(faiss.serialize_index(a.index)) == bytes(faiss.serialize_index(b.index))


@pytest.mark.parametrize("cache", ["none", "cache", "corrupt", "lagging"])
def test_two_store_runs_equal_one_in_memory_clusterer(store, monkeypatch, cache):
    monkeypatch.setattr(cluster, "CACHE_MIN", 10**9 if cache == "none" else 0)
    first, second = two_batches()
    store.upsert_articles(first)
    cluster_store(store)
    if cache == "corrupt":
        cluster._index_cache(store).write_bytes(b"not an index")
    if cache == "lagging":  # the cache keeps the first run's rows only: a load re-adds the second's
        monkeypatch.setattr(cluster, "CACHE_MIN", 10**9)
    store.upsert_articles(second)
    stories = cluster_store(store)
    mem = _in_memory(store, [first, second])
    assert sorted((s.id, s.article_ids) for s in stories) == _stories_of(mem)
    assert len(stories) == 5 and store.copy_of("b2") == "b1"
    loaded, saved = cluster._load_state(store, Params(), store.story_of())
    assert not saved.full  # loaded from the rows, not replayed
    assert (saved.cached > 0) == (cache != "none")  # started from the cache file when there is one
    assert (0 < saved.cached < saved.rows) == (cache == "lagging")
    _assert_same_state(loaded, mem)


def test_second_run_writes_only_the_changed_stories_rows(store):
    first, second = two_batches()
    store.upsert_articles(first)
    cluster_store(store)
    before = {r["story_id"]: (r["rowid"], r["run"], r["centroid"]) for r in
              store.conn.execute("SELECT rowid, * FROM cluster_stories")}
    store.upsert_articles(second)
    cluster_store(store)
    after = {r["story_id"]: (r["rowid"], r["run"], r["centroid"]) for r in
             store.conn.execute("SELECT rowid, * FROM cluster_stories")}
    touched = {store.story_of()[a.id] for a in second}
    assert {sid for sid, (_, run, _) in after.items() if run == 2} == touched
    untouched = set(before) - touched
    assert untouched and all(after[sid] == before[sid] for sid in untouched)
    assert len(touched - set(before)) == 1  # the Chilean quake opened one story
    assert store.cluster_meta(cluster.STATE_NAME)["run"] == 2
    # nothing new: nothing written
    cluster_store(store)
    assert store.cluster_meta(cluster.STATE_NAME)["run"] == 2


@pytest.mark.parametrize("stale", ["rows deleted", "params changed", "unknown article"])
def test_stale_state_is_replayed_and_keeps_story_ids(store, stale):
    first, second = two_batches()
    params = Params(k=9) if stale == "params changed" else Params()
    store.upsert_articles(first)
    old = {s.id: s.article_ids for s in cluster_store(store)}
    if stale == "rows deleted":
        with store.conn:
            for table in ("cluster_meta", "cluster_stories", "cluster_articles", "cluster_df", "cluster_postings"):
                store.conn.execute(f"DELETE FROM {table}")
    elif stale == "unknown article":  # a story saved by a run whose state save did not happen
        with store.conn:
            store.conn.execute("DELETE FROM cluster_articles WHERE article_id = 'p1'")
    store.upsert_articles(second)
    new = {s.id: s.article_ids for s in cluster_store(store, params=params)}
    assert set(old) <= set(new) and all(set(old[k]) <= set(new[k]) for k in old)
    if stale != "params changed":
        assert sorted(new.items()) == _stories_of(_in_memory(store, [first, second]))
    meta = store.cluster_meta(cluster.STATE_NAME)
    assert meta["params"] == cluster.params_json(params) and meta["articles"] == 10
    loaded, saved = cluster._load_state(store, params, store.story_of())
    assert not saved.full and _stories_of(loaded) == sorted(new.items())


# ---- the same floors through the product's path (ingest, analyze, cluster: what `storydesk analyze` runs) --

def _product(records: list[dict], name: str) -> list[list[str]]:
    sys.path.insert(0, str(ROOT / "bench"))
    from cluster_common import product_stories

    return product_stories(records, name)[0]


@pytest.mark.slow
def test_ecb_test_topics_through_the_product_floor():
    if not (BENCH / "ecbplus").is_dir():
        pytest.skip("bench data not beside this checkout")
    arts, gold = _ecb_test()
    records = [{"id": a.id, "text": a.text, "source": a.source, "title": a.title} for a in arts]
    # measured 0.929 (bench/cluster_ecb.py --product); the TF-IDF baseline 0.861
    assert _bcubed_f1(_product(records, "test-ecb"), gold) >= 0.92


@pytest.mark.slow
def test_neus_val_undated_excerpts_through_the_product_floor():
    if not (BENCH / "neus").is_dir():
        pytest.skip("bench data not beside this checkout")
    sys.path.insert(0, str(ROOT / "bench"))
    import cluster_neus

    records, gold = cluster_neus.load("val")
    # measured 0.789 (bench/cluster_neus.py); the TF-IDF baseline 0.853 (the target: 0.90)
    assert _bcubed_f1(_product(records, "test-neus-val"), gold) >= 0.77
