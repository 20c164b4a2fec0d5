"""The reader's labels of flagged conflicts and disputed claims (bench/conflicts_judged.py) are well formed.

Precision is measured by the bench script (it needs ../shared); this only checks the data file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import SCHEMA

LABELS = Path(__file__).parent / "data" / "conflict_labels.jsonl"
CORPORA = {"ecb-train", "ecb-dev", "allsides"}
FIELDS = {"key", "kind", "corpus", "right", "why", "subject", "evidence"}


def _kinds() -> set[str]:
    """The dossier's conflict kinds, and "disputed" / "corroborated" for a claim of that status."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return set(schema["properties"]["conflicts"]["items"]["properties"]["kind"]["enum"]) | {
        "disputed",
        "corroborated",
    }


@pytest.fixture(scope="module")
def rows() -> list[tuple[int, dict]]:
    out = []
    for number, line in enumerate(LABELS.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            out.append((number, json.loads(line)))
    return out


def test_labels_exist(rows):
    assert len(rows) >= 100


def test_rows_have_the_fields_and_types(rows):
    kinds = _kinds()
    for number, row in rows:
        assert isinstance(row, dict), f"line {number}: not an object"
        assert set(row) == FIELDS, f"line {number}: fields {sorted(set(row) ^ FIELDS)} missing or extra"
        assert re.fullmatch(r"[0-9a-f]{40}", row["key"]), f"line {number}: key is not a sha1"
        assert row["kind"] in kinds, f"line {number}: kind {row['kind']!r}"
        assert row["corpus"] in CORPORA, f"line {number}: corpus {row['corpus']!r}"
        assert isinstance(row["right"], bool), f"line {number}: right must be true or false"
        assert isinstance(row["why"], str) and row["why"].strip(), f"line {number}: why is empty"
        assert isinstance(row["subject"], str) and row["subject"].strip(), f"line {number}: subject is empty"
        assert isinstance(row["evidence"], list) and row["evidence"], f"line {number}: no evidence"
        assert all(isinstance(evidence, str) and evidence.strip() for evidence in row["evidence"]), (
            f"line {number}: empty evidence"
        )


def test_keys_are_unique(rows):
    seen: dict[str, int] = {}
    for number, row in rows:
        assert row["key"] not in seen, f"line {number}: key also on line {seen[row['key']]}"
        seen[row["key"]] = number


def test_labels_hold_right_and_wrong(rows):
    # a dev set of only right (or only wrong) labels cannot measure precision
    assert {row["right"] for _n, row in rows} == {True, False}
