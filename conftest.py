"""Shared fixtures for the whole test suite (the one root conftest)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from storydesk.store import Store

ROOT = Path(__file__).parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"
BENCH = SHARED / "bench"
SAMPLES = ROOT / "samples"
SCHEMA = files("storydesk") / "schema" / "dossier.schema.json"  # the packaged contract (no ../shared needed)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "test.db")
    yield s
    s.close()


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/corpus/seeds is not beside this checkout")
    return SEEDS


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES
