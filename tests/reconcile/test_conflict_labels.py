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
    """The dossier's conflict kinds, and "disputed" for a disputed claim."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return set(schema["properties"]["conflicts"]["items"]["properties"]["kind"]["enum"]) | {"disputed"}


@pytest.fixture(scope="module")
def rows() -> list[tuple[int, dict]]:
    out = []
    for n, line in enumerate(LABELS.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            out.append((n, json.loads(line)))
    return out


def test_labels_exist(rows):
    assert len(rows) >= 100


def test_rows_have_the_fields_and_types(rows):
    kinds = _kinds()
    for n, r in rows:
        assert isinstance(r, dict), f"line {n}: not an object"
        assert set(r) == FIELDS, f"line {n}: fields {sorted(set(r) ^ FIELDS)} missing or extra"
        assert re.fullmatch(r"[0-9a-f]{40}", r["key"]), f"line {n}: key is not a sha1"
        assert r["kind"] in kinds, f"line {n}: kind {r['kind']!r}"
        assert r["corpus"] in CORPORA, f"line {n}: corpus {r['corpus']!r}"
        assert isinstance(r["right"], bool), f"line {n}: right must be true or false"
        assert isinstance(r["why"], str) and r["why"].strip(), f"line {n}: why is empty"
        assert isinstance(r["subject"], str) and r["subject"].strip(), f"line {n}: subject is empty"
        assert isinstance(r["evidence"], list) and r["evidence"], f"line {n}: no evidence"
        assert all(isinstance(e, str) and e.strip() for e in r["evidence"]), f"line {n}: empty evidence"


def test_keys_are_unique(rows):
    seen: dict[str, int] = {}
    for n, r in rows:
        assert r["key"] not in seen, f"line {n}: key also on line {seen[r['key']]}"
        seen[r["key"]] = n


def test_labels_hold_right_and_wrong(rows):
    # a dev set of only right (or only wrong) labels cannot measure precision
    assert {r["right"] for _n, r in rows} == {True, False}
