"""The shipped Datasette metadata loads over a real storydesk database: labels, facets and search work."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from importlib.resources import files
from pathlib import Path

import pytest

METADATA = files("storydesk") / "schema" / "metadata.json"


def _metadata() -> dict:
    return json.loads(METADATA.read_text(encoding="utf-8"))


def test_metadata_names_only_tables_and_columns_that_exist(samples_db: Path) -> None:
    with sqlite3.connect(samples_db) as conn:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
        }
        for name, table in _metadata()["databases"]["storydesk"]["tables"].items():
            assert name in tables, name
            columns = {row[1] for row in conn.execute(f"PRAGMA table_info({name})")}
            facets = [f if isinstance(f, str) else f["array"] for f in table.get("facets", [])]
            for column in facets + [table[key] for key in ("label_column", "sort_desc") if key in table]:
                assert column in columns, (name, column)
            assert table.get("fts_table", name) in tables


@pytest.mark.slow
def test_datasette_serves_the_tables_with_their_facets_and_search(samples_db: Path) -> None:
    datasette = pytest.importorskip(
        "datasette.app", reason="datasette is not installed (pip install -e '.[dev]')"
    )

    async def fetch() -> list[dict]:
        app = datasette.Datasette(files=[str(samples_db)], metadata=_metadata())
        await app.invoke_startup()
        paths = [
            "/storydesk/story_claims.json?_shape=objects",
            "/storydesk/story_conflicts.json?_shape=objects",
            "/storydesk/articles.json?_search=the&_shape=objects",
        ]
        return [(await app.client.get(path)).json() for path in paths]

    claims, conflicts, articles = asyncio.run(fetch())
    assert {"status", "only_source", "sources"} <= set(claims["facet_results"])
    assert {"kind", "certainty"} <= set(conflicts["facet_results"])
    assert claims["rows"] and conflicts["rows"] and articles["rows"]
