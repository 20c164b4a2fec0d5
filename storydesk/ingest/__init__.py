"""Ingest stage: read inputs into clean, deduplicated articles in the store.

    from storydesk.ingest import ingest_paths, read_paths, clean
    report = ingest_paths(["news/", "feed.xml", "-"], store)   # IngestReport: added, unchanged, rejected
    for item in read_paths(["news/"]):                        # RawRecord, or Rejection with a reason
        article = clean(item)                                 # pure; raises InputError when nothing is left

Modules: ``readers`` (files, folders, stdin; form told by content and extension; feeds), ``folders``
(walking; only regular files inside the folder given are opened; storydesk's own outputs skipped; paths
as shown to a user), ``decoding`` (encodings detected, stray bytes replaced), ``records`` (JSON lines and
arrays), ``warc`` (web archives, cut ones included), ``limits`` (how much one input may hold), ``html``
(trafilatura for pages, lxml for feed fragments), ``clean`` and ``rules`` (what is not the article, each
removal recorded; the credit-line shapes are ``storydesk.credits``), ``meta`` (dates, outlets, authors,
language, article ids; hashes are ``storydesk.ids``), ``pipeline`` (ids settled, duplicates skipped,
one checked write transaction per batch).
"""

from __future__ import annotations

from .clean import clean
from .pipeline import ingest_paths
from .readers import read_paths

__all__ = ["clean", "ingest_paths", "read_paths"]
