"""Ids and hashes: the stored values are pinned, so databases and dossiers written before stay valid."""

from __future__ import annotations

from storydesk.ids import article_hash, article_id_hash, content_hash, short_hash
from storydesk.models import Article


def test_content_hash_is_the_stored_sha256_of_the_folded_text() -> None:
    # articles.content_hash as ingest has always stored it: sha256 of the text with white space folded
    assert (
        content_hash("Talks resume.\n\nOfficials  met.")
        == "5c76d6b0893dfa2c01aa1089b275083dfb1fb6959db5e8cd60798b8ad5073575"
    )


def test_content_hash_ignores_paragraphing_only() -> None:
    assert content_hash("a b\n\nc") == content_hash("a b c")
    assert content_hash("a b c") != content_hash("a b d")


def test_article_hash_is_the_stored_one_else_that_of_the_text() -> None:
    assert article_hash(Article(id="a", text="Some text.", source="S", content_hash="h-1")) == "h-1"
    assert article_hash(Article(id="a", text="Some  text.", source="S")) == content_hash("Some text.")


def test_article_id_hash_is_pinned() -> None:
    assert article_id_hash("https://example.com/a", 8) == "2dce0a4c"
    assert article_id_hash(b"raw", 16) == "d7439bee24773bcb"
    assert article_id_hash("x\ud800") == "79910d1567b1"  # a lone surrogate is hashed, not refused


def test_short_hash_is_pinned() -> None:
    assert short_hash("e", "PERSON", "jane doe") == "f3a911e55d"
    assert len(short_hash("anything", n=20)) == 20
    assert short_hash("a", "b") != short_hash("a\x1fb", "")


def test_text_vector_key_is_pinned() -> None:
    """The store's sentence vectors are found by this key: a change would orphan every one kept."""
    from storydesk.embed import text_key

    assert text_key("Peskov said the talks were useful.") == "d706638fe3ed42fe764b"
