"""Ingest stage: read inputs into clean, deduplicated articles in the store."""

from __future__ import annotations

from .clean import clean
from .pipeline import ingest_paths
from .readers import read_paths

__all__ = ["clean", "ingest_paths", "read_paths"]
