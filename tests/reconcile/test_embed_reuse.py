"""embed.reuse: inside the block a text is encoded once and read back from the shared cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from storydesk import embed
from storydesk.embed import DIM, encode, reuse
from storydesk.reconcile import build_dossier, stored_dossier
from storydesk.store import Store


@pytest.mark.slow
def test_reuse_reads_and_fills_the_cache():
    planted = np.full(DIM, 0.5, dtype=np.float32)
    cache = {"already known": planted}
    with reuse(cache):
        out = encode(["already known", "Peskov said the meeting had no time limit.", "already known"])
    assert np.array_equal(out[0], planted) and np.array_equal(out[2], planted)
    assert "Peskov said the meeting had no time limit." in cache
    # outside the block nothing is read from the cache
    assert not np.array_equal(encode(["already known"])[0], planted)
    # inside the block a new vector is rounded to float16, as the store keeps it
    assert np.allclose(out[1], encode(["Peskov said the meeting had no time limit."])[0], atol=1e-3)


@pytest.mark.slow
def test_a_rebuilt_dossier_encodes_nothing_and_equals_the_first(samples_db, tmp_path, monkeypatch):
    """The first build kept every sentence vector in the store: a rebuild reads them all back."""
    db = Path(shutil.copy(samples_db, tmp_path / "storydesk.db"))
    with Store(db) as store:
        story = max(store.list_stories(), key=lambda story: len(story.article_ids))
        _, stored = stored_dossier(store, story)
        monkeypatch.setattr(embed, "_encode_all", _refuse)
        again = build_dossier(store, story)
    assert stored is not None and again.to_json() == stored.to_json()


def _refuse(texts, batch_size):
    raise AssertionError(f"encoded again: {texts[:3]}")


@pytest.mark.slow
def test_a_one_article_story_embeds_no_sentence(samples_db, tmp_path, monkeypatch):
    """Nothing is compared across articles in a story of one article: its dossier needs no embedding."""
    db = Path(shutil.copy(samples_db, tmp_path / "storydesk.db"))
    with Store(db) as store:
        store.conn.execute("DELETE FROM text_vectors")  # nothing kept to read back either
        story = min(store.list_stories(), key=lambda story: (len(story.article_ids), story.id))
        assert len(story.article_ids) == 1, "the samples should hold a one-article story"
        monkeypatch.setattr(embed, "_encode_all", _refuse)
        dossier = build_dossier(store, story)
    assert dossier.summary and dossier.claims
    assert all(item.articles == story.article_ids for item in dossier.summary)
