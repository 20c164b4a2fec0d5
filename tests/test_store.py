import pickle
from dataclasses import replace

from test_cluster import _in_memory, _stories_of, two_batches

from storydesk import cluster
from storydesk import store as store_module
from storydesk.models import Analysis, Article, Mention, Quantity, Removal, Sentence, Story
from storydesk.store import MIGRATIONS, Store


def _article(aid: str = "a1", text: str = "Hello world.") -> Article:
    return Article(id=aid, text=text, source="Example Times", title="T", published="2025-01-02",
                   authors=["Ann Writer"], words=2, content_hash="h-" + aid,
                   removed=[Removal("caption", "Photo: X/AP", "credit line")])


_PRE_0006_COLUMNS = [c for c in store_module._ARTICLE_COLUMNS if c != "brief"]


def test_migrations_apply_once(tmp_path):
    path = tmp_path / "x.db"
    first = Store(path)
    assert first.migrate() == []
    names = [r[0] for r in first.conn.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == [n for n, _ in MIGRATIONS]
    first.close()
    assert Store(path).migrate() == []


def test_article_round_trip_and_upsert(store):
    store.upsert_articles([_article()])
    store.upsert_articles([_article()])
    got = store.get_article("a1")
    assert got.authors == ["Ann Writer"]
    assert got.removed[0].kind == "caption"
    assert store.article_ids() == ["a1"]
    assert store.id_for_hash("h-a1") == "a1"


def test_a_brief_reads_back_as_a_brief(store):
    store.upsert_articles([replace(_article("b1"), brief=True), _article("a1")])
    assert store.get_article("b1").brief is True and store.get_article("a1").brief is False
    assert {a.id: a.brief for a in store.iter_articles()} == {"a1": False, "b1": True}


def test_0006_upgrades_a_0005_database_its_articles_are_no_briefs(tmp_path, monkeypatch):
    """A database made before briefs gains the column: what it held reads as articles (brief False)."""
    path = tmp_path / "old.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:5])
    monkeypatch.setattr(store_module, "_ARTICLE_COLUMNS", _PRE_0006_COLUMNS)
    with Store(path) as old:
        old.upsert_articles([_article("a1")])
        assert "brief" not in {r[1] for r in old.conn.execute("PRAGMA table_info(articles)")}
    monkeypatch.undo()
    with Store(path) as new:
        assert new.migrate() == []  # opening applied it
        assert new.conn.execute("SELECT max(name) FROM _migrations").fetchone()[0] == "0006_briefs"
        assert new.get_article("a1").brief is False and new.get_article("a1").authors == ["Ann Writer"]
        new.upsert_articles([replace(_article("b1"), brief=True)])
    with Store(path, readonly=True) as again:
        assert again.get_article("b1").brief is True


def test_analysis_round_trip_replaces(store):
    store.upsert_articles([_article()])
    an = Analysis("a1", sentences=[Sentence("a1", 0, 12, "Hello world.", index=0)],
                  mentions=[Mention("a1", 6, 11, "world", label="LOC")],
                  quantities=[Quantity("a1", 0, 1, "5", value=5.0, ordinal=True)])
    store.save_analysis(an, "h-a1", "v1")
    store.save_analysis(an, "h-a1", "v1")
    back = store.load_analysis("a1")
    assert back.sentences == an.sentences and back.mentions == an.mentions
    assert back.quantities[0].ordinal is True
    assert store.analysis_state() == {"a1": ("h-a1", "v1")}


def test_stories_round_trip(store):
    store.upsert_articles([_article("a1"), _article("a2")])
    store.save_stories([Story("s1", "Title", ["a1", "a2"], ["Example Times"], "2025-01-02", "2025-01-02")])
    (s,) = store.list_stories()
    assert s.article_ids == ["a1", "a2"] and s.sources == ["Example Times"]
    assert store.story_of() == {"a1": "s1", "a2": "s1"}


def test_cluster_rows_upsert_and_full_replace(store):
    meta = {"name": "stories", "version": "v", "params": "{}", "dim": 2, "n_docs": 3, "articles": 1, "run": 1}
    story = ("s1", 0, b"c", 1, 2, 1, 2, 1)
    store.save_cluster_rows(meta, [story], [("a1", 0, 0, 0)], [(5, 1), (6, 2)], [(9, '["s1"]')])
    store.save_cluster_rows({**meta, "run": 2}, [("s2", 1, b"d", None, None, None, None, 2)],
                            [("a2", 1, 0, None)], [(6, 3)], [])
    assert [r["story_id"] for r in store.cluster_stories()] == ["s1", "s2"]
    assert store.cluster_articles() == [("a1", 0, 0, 0), ("a2", 1, 0, None)]
    assert store.cluster_df() == ([5, 6], [1, 3]) and store.cluster_postings() == {9: ["s1"]}
    assert store.cluster_meta("stories")["run"] == 2
    store.save_cluster_rows(meta, [story], [], [], [], full=True)
    assert [r["story_id"] for r in store.cluster_stories()] == ["s1"] and store.cluster_articles() == []


def test_0005_upgrades_a_0004_database_with_a_saved_blob(tmp_path, monkeypatch):
    """An existing user's database (state as one pickled blob) upgrades: the blob table goes, the first
    run rebuilds the rows by replay and keeps the story ids."""
    first, second = two_batches()
    path = tmp_path / "old.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:4])
    monkeypatch.setattr(store_module, "_ARTICLE_COLUMNS", _PRE_0006_COLUMNS)
    with Store(path) as old:  # what storydesk's cluster stage did at 0004
        old.upsert_articles(first)
        cluster._link_copies(old, first)
        feats = cluster._features(old, first, cluster.DEFAULT)
        cl = cluster.Clusterer()
        cl.place_batch(feats, cluster._vectors(old, feats), {})
        old.save_stories([cluster._story(old, cl, s) for s in sorted(cl.changed)])
        with old.conn:
            old.conn.execute("INSERT INTO cluster_state (name, version, articles, state) VALUES (?, ?, ?, ?)",
                             ("stories", "cluster-1", len(cl.story_of), pickle.dumps(cl)))
        before = {s.id: s.article_ids for s in old.list_stories()}
    monkeypatch.undo()
    with Store(path) as new:
        tables = {r[0] for r in new.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "cluster_state" not in tables and "cluster_stories" in tables
        assert new.conn.execute("SELECT max(name) FROM _migrations").fetchone()[0] == MIGRATIONS[-1][0]
        new.upsert_articles(second)
        after = {s.id: s.article_ids for s in cluster.cluster_store(new)}
        assert all(set(v) <= set(after[k]) for k, v in before.items())
        assert sorted(after.items()) == _stories_of(_in_memory(new, [first, second]))
        assert new.cluster_meta("stories")["articles"] == len(first) + len(second)
