"""embed: sentence vectors, and the store's cache of them."""

from __future__ import annotations

import numpy as np
import pytest

from storydesk import embed
from storydesk.embed import DIM, encode, reuse
from storydesk.store import Store


@pytest.mark.slow
def test_paraphrases_are_closer_than_other_topics():
    v = encode(
        [
            "The president met the foreign envoy in the capital on Tuesday.",
            "On Tuesday the envoy held talks with the president in the capital.",
            "A magnitude 6 earthquake struck the coast overnight.",
        ]
    )
    assert v.shape == (3, DIM)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > 0.8 > v[0] @ v[2]


def test_empty_input():
    assert encode([]).shape == (0, DIM)


TEXTS = [
    "The envoy arrived in the capital on Tuesday.",
    "A magnitude 6 earthquake struck the coast overnight.",
]


def _model_must_not_run(monkeypatch) -> None:
    def refuse(texts, batch_size):
        raise AssertionError(f"encoded again: {texts}")

    monkeypatch.setattr(embed, "_encode_all", refuse)


@pytest.mark.slow
def test_a_kept_store_is_read_before_the_model_and_gives_what_was_first_returned(store, monkeypatch):
    with reuse({}, store):
        first = encode(TEXTS)
    assert store.conn.execute("SELECT count(*) FROM text_vectors").fetchone()[0] == 2
    _model_must_not_run(monkeypatch)
    with reuse({}, store):
        again = encode(list(reversed(TEXTS)))
    assert np.array_equal(again, first[::-1])


@pytest.mark.slow
def test_a_read_only_store_is_read_and_never_written(tmp_path, monkeypatch):
    Store(tmp_path / "ro.db").close()
    with Store(tmp_path / "ro.db", readonly=True) as readonly, reuse({}, readonly):
        out = encode(TEXTS[:1])
    assert out.shape == (1, DIM)
    with Store(tmp_path / "ro.db") as reopened:
        assert reopened.conn.execute("SELECT count(*) FROM text_vectors").fetchone()[0] == 0


@pytest.mark.slow
def test_a_build_without_a_store_sees_the_vectors_a_store_keeps(store):
    # a Spark executor builds dossiers with no store: its vectors must be the stored (float16) ones
    with reuse({}, store):
        kept = encode(TEXTS)
    with reuse({}):
        alone = encode(TEXTS)
    assert np.array_equal(alone, kept)
    assert np.array_equal(alone, alone.astype(np.float16).astype(np.float32))
