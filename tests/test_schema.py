"""The dossier contract ships inside the package, byte for byte the spec's copy."""

from __future__ import annotations

import json

import pytest

from conftest import SCHEMA, SHARED

SPEC = SHARED / "spec" / "dossier.schema.json"


def test_packaged_schema_is_readable_json() -> None:
    assert SCHEMA.is_file()
    assert json.loads(SCHEMA.read_text(encoding="utf-8"))["$schema"]


def test_packaged_schema_equals_the_spec() -> None:
    if not SPEC.is_file():
        pytest.skip("../shared/spec/dossier.schema.json is not beside this checkout: nothing to compare with")
    assert SCHEMA.read_bytes() == SPEC.read_bytes(), (
        "storydesk/schema/dossier.schema.json differs from the spec"
    )
