"""Shared fixtures for the whole test suite (the one root conftest)."""

from __future__ import annotations

from collections.abc import Iterator
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
    opened = Store(tmp_path / "test.db")
    yield opened
    opened.close()


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/corpus/seeds is not beside this checkout")
    return SEEDS


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def samples_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples run through the whole pipeline once (real models): a database with every stage's rows."""
    from storydesk import api

    out = tmp_path_factory.mktemp("samples-run")
    with api.open_store(out / "storydesk.db") as opened:
        api.ingest([str(SAMPLES)], opened, progress=False)
        api.analyze(opened, progress=False)
        api.cluster(opened, progress=False)
        api.reconcile(opened, progress=False)
    return out / "storydesk.db"


def serve_app(db: Path) -> Iterator[str]:
    """``storydesk serve`` over ``db`` on a free local port, for a fixture to yield from: its base URL."""
    from storydesk.web import make_server, start_in_thread

    server = make_server(db, "127.0.0.1", 0)
    start_in_thread(server)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def spark_session():
    """One local Spark session for the whole run (``local[2,4]``: two cores, a failed task tried up to four
    times); skips when pyspark or Java is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("pyspark is not installed (pip install 'storydesk[spark]')")
    from storydesk.spark import session as spark_module

    reason = spark_module.java_missing()
    if reason:
        pytest.skip(reason)
    spark = spark_module.start("local[2,4]")
    yield spark
    spark.stop()


@pytest.fixture(scope="session")
def spark_samples(spark_session, tmp_path_factory: pytest.TempPathFactory):
    """The samples run once by `storydesk spark` (``run_spark``): the SparkRun and its --out folder."""
    from storydesk.spark import run_spark

    out = tmp_path_factory.mktemp("spark-samples")
    return run_spark([str(SAMPLES)], str(out), session=spark_session, progress=False), out
