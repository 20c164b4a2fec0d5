"""analyze_store: only new or changed articles are analysed, and what is stored reads back unchanged."""

from __future__ import annotations

import pytest
from analyze_helpers import seed_article

import storydesk.analyze as analyze_pkg
from storydesk.analyze import ANALYSIS_VERSION, analyze_article, analyze_store
from storydesk.ids import content_hash
from storydesk.models import Article

pytestmark = pytest.mark.slow


def _stored(article: Article) -> Article:
    article.content_hash = content_hash(article.text)  # as ingest stores it
    return article


def test_analyze_store_is_incremental(store, seeds_dir, monkeypatch) -> None:
    articles = [_stored(seed_article(p)) for p in ("000", "001", "002")]
    store.upsert_articles(articles)
    assert analyze_store(store, progress=False) == 3
    assert analyze_store(store, progress=False) == 0
    assert {v for v in store.analysis_state().values()} == {
        (a.content_hash, ANALYSIS_VERSION) for a in articles
    }

    changed = articles[1]
    changed.text += "\n\nOfficials said on Monday the talks would resume."
    store.upsert_articles([_stored(changed)])
    assert analyze_store(store, progress=False) == 1
    assert any(
        s.text.startswith("Officials said on Monday") for s in store.load_analysis(changed.id).sentences
    )

    assert analyze_store(store, ids=[articles[0].id], progress=False) == 0
    monkeypatch.setattr(analyze_pkg, "ANALYSIS_VERSION", ANALYSIS_VERSION + "-next")
    assert analyze_store(store, ids=[articles[0].id], progress=False) == 1


def test_stored_analysis_reads_back_equal(store, seeds_dir) -> None:
    art = _stored(seed_article("002"))
    store.upsert_articles([art])
    analyze_store(store, progress=False)
    fresh = analyze_article(art)
    loaded = store.load_analysis(art.id)
    for table in ("sentences", "mentions", "roles", "quotes", "quantities", "statements", "dates"):
        key = (lambda x: (x.start, x.end)) if table != "sentences" else (lambda x: x.index)
        assert sorted(getattr(loaded, table), key=key) == sorted(getattr(fresh, table), key=key), table


def test_two_processes_give_the_same_analyses(seeds_dir) -> None:
    from storydesk.analyze import analyze_articles

    arts = [seed_article(p) for p in ("000", "001", "002", "003", "004")] * 3
    arts = [
        Article(id=f"{a.id}-{i}", text=a.text, source=a.source, published=a.published)
        for i, a in enumerate(arts)
    ]
    one = list(analyze_articles(arts, n_process=1))
    two = list(analyze_articles(arts, n_process=2))
    assert [a.article_id for a in two] == [a.id for a in arts]
    assert one == two
