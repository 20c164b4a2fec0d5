"""Reconcile stage: turn one story's articles and analyses into a dossier, cached by its inputs."""

from __future__ import annotations

from ..ids import short_hash
from ..models import Dossier, Story
from ..store import Store
from .dossier import SCHEMA, assemble

# Bump when reconciliation changes what it writes: cached dossiers are rebuilt.
VERSION = "reconcile-19"

__all__ = [
    "SCHEMA",
    "VERSION",
    "build_dossier",
    "dossier_for",
    "input_hash",
    "save_dossier",
    "stored_dossier",
]


def input_hash(store: Store, story: Story) -> str:
    """Hash of what a dossier depends on: article ids, content hashes, copies and analysis versions."""
    state = store.analysis_state(story.article_ids)  # one story's rows, not the whole table per story
    parts = [VERSION]
    for article in store.iter_articles(sorted(story.article_ids)):
        version = state.get(article.id, ("", ""))
        parts.append(f"{article.id}|{article.content_hash}|{article.copy_of or ''}|{version[0]}|{version[1]}")
    return short_hash(story.id, story.title, *parts, n=20)


def build_dossier(store: Store, story: Story) -> Dossier:
    """Build a story's dossier from the stored articles and analyses (no cache)."""
    articles = list(store.iter_articles(sorted(story.article_ids)))
    analyses = {article.id: store.load_analysis(article.id) for article in articles}
    return assemble(story, articles, analyses, kept_vectors=store)


def stored_dossier(store: Store, story: Story) -> tuple[str, Dossier | None]:
    """(the story's input hash, its stored dossier when that was built from these inputs, else None)."""
    key = input_hash(store, story)
    cached = store.load_dossier(story.id)
    return key, (cached[1] if cached and cached[0] == key else None)


def dossier_for(store: Store, story_id: str) -> Dossier:
    """The story's dossier: read back when its inputs did not change, else rebuilt and stored (kept in
    memory only when the store is read-only, as in `serve` and the read verbs)."""
    story = store.get_story(story_id)
    key, dossier = stored_dossier(store, story)
    if dossier is None:
        dossier = build_dossier(store, story)
        if not store.readonly:
            save_dossier(store, story_id, key, dossier)
    return dossier


def save_dossier(store: Store, story_id: str, key: str, dossier: Dossier) -> None:
    """Store the story's dossier and, from the same objects, its results as rows (results.py)."""
    from .results import write_results

    store.save_dossier(story_id, key, dossier)
    write_results(store, story_id, key, dossier)
