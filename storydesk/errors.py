"""Errors for every stage: one hierarchy, each message says what to do next."""

from __future__ import annotations


class StorydeskError(Exception):
    """Base of every error storydesk raises on purpose."""


class InputError(StorydeskError):
    """One input (file, record, feed item) cannot be read; batch runs skip it and say why."""

    def __init__(self, origin: str, reason: str) -> None:
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason


class StoreError(StorydeskError):
    """The database cannot be opened or is of an unknown schema."""


class OutdatedStoreError(StoreError):
    """The database was written by an older storydesk: a write verb upgrades it, a read verb does not."""


class ReadOnlyStoreError(StoreError):
    """The database must be written (new articles, a schema upgrade) but its file or folder is read-only."""


class NotFoundError(StorydeskError):
    """An article or story id that the database does not hold."""


class ModelError(StorydeskError):
    """A language or embedding model package is missing; install the project's dependencies."""


class SparkUnavailableError(StorydeskError):
    """`storydesk spark` cannot start Spark here (pyspark or Java missing, the JVM failing to start)."""
