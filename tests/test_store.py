from dataclasses import replace

from storydesk import store as store_module
from storydesk.models import Analysis, Article, Mention, Quantity, Removal, Sentence, Story
from storydesk.store import MIGRATIONS, Store


def _article(aid: str = "a1", text: str = "Hello world.") -> Article:
    return Article(
        id=aid,
        text=text,
        source="Example Times",
        title="T",
        published="2025-01-02",
        authors=["Ann Writer"],
        words=2,
        content_hash="h-" + aid,
        removed=[Removal("caption", "Photo: X/AP", "credit line")],
    )


_PRE_0006_COLUMNS = [column for column in store_module._ARTICLE_COLUMNS if column != "brief"]


def test_migrations_apply_once(tmp_path):
    path = tmp_path / "x.db"
    first = Store(path)
    assert first.migrate() == []
    names = [row[0] for row in first.conn.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == [name for name, _ in MIGRATIONS]
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
    assert {article.id: article.brief for article in store.iter_articles()} == {"a1": False, "b1": True}


def test_0006_upgrades_a_0005_database_its_articles_are_no_briefs(tmp_path, monkeypatch):
    """A database made before briefs gains the column: what it held reads as articles (brief False)."""
    path = tmp_path / "old.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:5])
    monkeypatch.setattr(store_module, "_ARTICLE_COLUMNS", _PRE_0006_COLUMNS)
    with Store(path) as old:
        old.upsert_articles([_article("a1")])
        assert "brief" not in {row[1] for row in old.conn.execute("PRAGMA table_info(articles)")}
    monkeypatch.undo()
    with Store(path) as new:
        assert new.migrate() == []  # opening applied it
        assert new.conn.execute("SELECT max(name) FROM _migrations").fetchone()[0] == MIGRATIONS[-1][0]
        indexed = new.conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
        assert indexed == 1  # 0008 indexed the article already stored
        assert new.get_article("a1").brief is False and new.get_article("a1").authors == ["Ann Writer"]
        new.upsert_articles([replace(_article("b1"), brief=True)])
    with Store(path, readonly=True) as again:
        assert again.get_article("b1").brief is True


def test_analysis_round_trip_replaces(store):
    store.upsert_articles([_article()])
    an = Analysis(
        "a1",
        sentences=[Sentence("a1", 0, 12, "Hello world.", index=0)],
        mentions=[Mention("a1", 6, 11, "world", label="LOC")],
        quantities=[Quantity("a1", 0, 1, "5", value=5.0, ordinal=True)],
    )
    store.save_analysis(an, "h-a1", "v1")
    store.save_analysis(an, "h-a1", "v1")
    back = store.load_analysis("a1")
    assert back.sentences == an.sentences and back.mentions == an.mentions
    assert back.quantities[0].ordinal is True
    assert store.analysis_state() == {"a1": ("h-a1", "v1")}


def test_stories_round_trip(store):
    store.upsert_articles([_article("a1"), _article("a2")])
    store.save_stories([Story("s1", "Title", ["a1", "a2"], ["Example Times"], "2025-01-02", "2025-01-02")])
    (story,) = store.list_stories()
    assert story.article_ids == ["a1", "a2"] and story.sources == ["Example Times"]
    assert store.story_of() == {"a1": "s1", "a2": "s1"}
