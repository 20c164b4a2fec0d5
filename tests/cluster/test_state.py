"""The clustering state in the store: incremental runs equal one in-memory run, a run writes only the rows
it changed, a stale or missing state is replayed and keeps story ids, old databases upgrade."""

from __future__ import annotations

import pickle

import pytest
from cluster_kit import assert_same_state, in_memory, seed_articles, stories_of, two_batches

from storydesk import store as store_module
from storydesk.cluster import Clusterer, Params, cluster_store, state
from storydesk.cluster.state import ClusterTables
from storydesk.store import MIGRATIONS, Store

_PRE_0006_COLUMNS = [c for c in store_module._ARTICLE_COLUMNS if c != "brief"]


def test_state_rebuilt_from_stored_stories_when_missing(store):
    seeds = seed_articles()
    store.upsert_articles(seeds[:3])
    (first,) = cluster_store(store)
    with store.conn:
        for table in (
            "cluster_meta",
            "cluster_stories",
            "cluster_articles",
            "cluster_df",
            "cluster_postings",
        ):
            store.conn.execute(f"DELETE FROM {table}")
    store.upsert_articles(seeds[3:])
    (second,) = cluster_store(store)
    assert second.id == first.id and len(second.article_ids) == 5


@pytest.mark.parametrize("cache", ["none", "cache", "corrupt", "lagging"])
def test_two_store_runs_equal_one_in_memory_clusterer(store, monkeypatch, cache):
    monkeypatch.setattr(state, "CACHE_MIN", 10**9 if cache == "none" else 0)
    first, second = two_batches()
    store.upsert_articles(first)
    cluster_store(store)
    if cache == "corrupt":
        state.index_cache(store).write_bytes(b"not an index")
    if cache == "lagging":  # the cache keeps the first run's rows only: a load re-adds the second's
        monkeypatch.setattr(state, "CACHE_MIN", 10**9)
    store.upsert_articles(second)
    stories = cluster_store(store)
    mem = in_memory(store, [first, second])
    assert sorted((s.id, s.article_ids) for s in stories) == stories_of(mem)
    assert len(stories) == 5 and ClusterTables(store).copy_of("b2") == "b1"
    loaded, saved = state.load_state(store, Params(), store.story_of())
    assert not saved.full  # loaded from the rows, not replayed
    assert (saved.cached > 0) == (cache != "none")  # started from the cache file when there is one
    assert (0 < saved.cached < saved.rows) == (cache == "lagging")
    assert_same_state(loaded, mem)


def test_second_run_writes_only_the_changed_stories_rows(store):
    first, second = two_batches()
    store.upsert_articles(first)
    cluster_store(store)
    before = {
        r["story_id"]: (r["rowid"], r["run"], r["centroid"])
        for r in store.conn.execute("SELECT rowid, * FROM cluster_stories")
    }
    store.upsert_articles(second)
    cluster_store(store)
    after = {
        r["story_id"]: (r["rowid"], r["run"], r["centroid"])
        for r in store.conn.execute("SELECT rowid, * FROM cluster_stories")
    }
    touched = {store.story_of()[a.id] for a in second}
    assert {sid for sid, (_, run, _) in after.items() if run == 2} == touched
    untouched = set(before) - touched
    assert untouched and all(after[sid] == before[sid] for sid in untouched)
    assert len(touched - set(before)) == 1  # the Chilean quake opened one story
    assert ClusterTables(store).meta()["run"] == 2
    # nothing new: nothing written
    cluster_store(store)
    assert ClusterTables(store).meta()["run"] == 2


@pytest.mark.parametrize("stale", ["rows deleted", "params changed", "unknown article"])
def test_stale_state_is_replayed_and_keeps_story_ids(store, stale):
    first, second = two_batches()
    params = Params(k=9) if stale == "params changed" else Params()
    store.upsert_articles(first)
    old = {s.id: s.article_ids for s in cluster_store(store)}
    if stale == "rows deleted":
        with store.conn:
            for table in (
                "cluster_meta",
                "cluster_stories",
                "cluster_articles",
                "cluster_df",
                "cluster_postings",
            ):
                store.conn.execute(f"DELETE FROM {table}")
    elif stale == "unknown article":  # a story saved by a run whose state save did not happen
        with store.conn:
            store.conn.execute("DELETE FROM cluster_articles WHERE article_id = 'p1'")
    store.upsert_articles(second)
    new = {s.id: s.article_ids for s in cluster_store(store, params=params)}
    assert set(old) <= set(new) and all(set(old[k]) <= set(new[k]) for k in old)
    if stale != "params changed":
        assert sorted(new.items()) == stories_of(in_memory(store, [first, second]))
    meta = ClusterTables(store).meta()
    assert meta["params"] == state.params_json(params) and meta["articles"] == 10
    loaded, saved = state.load_state(store, params, store.story_of())
    assert not saved.full and stories_of(loaded) == sorted(new.items())


def test_cluster_rows_upsert_and_full_replace(store):
    meta = {"name": "stories", "version": "v", "params": "{}", "dim": 2, "n_docs": 3, "articles": 1, "run": 1}
    story = ("s1", 0, b"c", 1, 2, 1, 2, 1)
    tables = ClusterTables(store)
    tables.save_rows(meta, [story], [("a1", 0, 0, 0)], [(5, 1), (6, 2)], [(9, '["s1"]')])
    tables.save_rows(
        {**meta, "run": 2}, [("s2", 1, b"d", None, None, None, None, 2)], [("a2", 1, 0, None)], [(6, 3)], []
    )
    assert [r["story_id"] for r in tables.story_rows()] == ["s1", "s2"]
    assert tables.article_rows() == [("a1", 0, 0, 0), ("a2", 1, 0, None)]
    assert tables.df() == ([5, 6], [1, 3]) and tables.postings() == {9: ["s1"]}
    assert tables.meta("stories")["run"] == 2
    tables.save_rows(meta, [story], [], [], [], full=True)
    assert [r["story_id"] for r in tables.story_rows()] == ["s1"] and tables.article_rows() == []


def test_0005_upgrades_a_0004_database_with_a_saved_blob(tmp_path, monkeypatch):
    """An existing user's database (state as one pickled blob) upgrades: the blob table goes, the first
    run rebuilds the rows by replay and keeps the story ids."""
    first, second = two_batches()
    path = tmp_path / "old.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:4])
    monkeypatch.setattr(store_module, "_ARTICLE_COLUMNS", _PRE_0006_COLUMNS)
    with Store(path) as old:  # what storydesk's cluster stage did at 0004
        old.upsert_articles(first)
        state._link_copies(old, first)
        feats = state._features(old, first, Params())
        cl = Clusterer()
        cl.place_batch(feats, state._vectors(old, feats), {})
        old.save_stories([state._story(old, cl, s) for s in sorted(cl.changed)])
        with old.conn:
            old.conn.execute(
                "INSERT INTO cluster_state (name, version, articles, state) VALUES (?, ?, ?, ?)",
                ("stories", "cluster-1", len(cl.story_of), pickle.dumps(cl)),
            )
        before = {s.id: s.article_ids for s in old.list_stories()}
    monkeypatch.undo()
    with Store(path) as new:
        tables = {r[0] for r in new.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "cluster_state" not in tables and "cluster_stories" in tables
        assert new.conn.execute("SELECT max(name) FROM _migrations").fetchone()[0] == MIGRATIONS[-1][0]
        new.upsert_articles(second)
        after = {s.id: s.article_ids for s in cluster_store(new)}
        assert all(set(v) <= set(after[k]) for k, v in before.items())
        assert sorted(after.items()) == stories_of(in_memory(new, [first, second]))
        assert ClusterTables(new).meta()["articles"] == len(first) + len(second)
