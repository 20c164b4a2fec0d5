"""The typed dossier: its dataclasses cover the contract's schema and write and read back its JSON."""

from __future__ import annotations

import copy
import json
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any, get_args, get_type_hints

import jsonschema
import pytest

from conftest import SCHEMA
from storydesk.models import Claim, Conflict, Dossier, SummarySentence, from_json, to_json

FIXTURE = Path(__file__).parent / "report" / "dossier_fixture.json"
# Fields storydesk writes beyond the schema's properties (the schema allows extra keys).
EXTRAS = {
    Claim: {"also_reported_by"},
    Conflict: {"certainty"},
    SummarySentence: {"also_reported_by", "occurrences", "status"},
}


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def _resolve(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node["items"] if node.get("type") == "array" else node


def _pairs(cls: type, node: dict[str, Any], schema: dict[str, Any]) -> list[tuple[type, dict[str, Any]]]:
    """(dataclass, its schema object) for ``cls`` and every dataclass under it."""
    out = [(cls, node)]
    hints = get_type_hints(cls)
    for item in fields(cls):
        inner = [hint for hint in (hints[item.name], *get_args(hints[item.name])) if is_dataclass(hint)]
        if inner and item.name in node.get("properties", {}):
            child = _resolve(node["properties"][item.name], schema)
            out += _pairs(inner[0], child, schema)  # type: ignore[arg-type]
    return out


SCHEMA_DOC = _schema()
PAIRS = _pairs(Dossier, SCHEMA_DOC, SCHEMA_DOC)


@pytest.mark.parametrize("cls,node", PAIRS, ids=[f"{cls.__name__}" for cls, _ in PAIRS])
def test_each_dataclass_holds_what_the_schema_names(cls: type, node: dict[str, Any]) -> None:
    names = {item.name for item in fields(cls)}
    schema_names = set(node.get("properties", {}))
    assert set(node.get("required", [])) <= names, f"{cls.__name__} lacks a required field"
    assert schema_names <= names, f"{cls.__name__} lacks {sorted(schema_names - names)}"
    assert names - schema_names <= EXTRAS.get(cls, set()), f"{cls.__name__}: fields the schema does not know"


def test_every_schema_object_has_its_dataclass() -> None:
    covered = {id(node) for _cls, node in PAIRS}
    objects = [_resolve(node, SCHEMA_DOC) for node in SCHEMA_DOC["properties"].values()]
    objects = [node for node in objects if node.get("type") == "object" and "properties" in node]
    assert all(id(node) in covered for node in objects)


def test_the_fixture_reads_back_and_writes_the_same_json() -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    typed = Dossier.from_json(doc)
    assert typed.to_json() == doc
    jsonschema.validate(typed.to_json(), _schema())
    assert Dossier.from_json(typed.to_json()) == typed


@pytest.mark.parametrize(
    "edit,field",
    [
        (lambda dossier: dossier["claims"][0].update(stance="assert"), "stance"),
        (lambda dossier: dossier["story"].update(words=3), "words"),
    ],
)
def test_unknown_fields_are_refused_by_name(edit, field: str) -> None:
    doc = copy.deepcopy(json.loads(FIXTURE.read_text(encoding="utf-8")))
    edit(doc)
    with pytest.raises(ValueError, match=field):
        Dossier.from_json(doc)


def test_empty_optional_fields_are_left_out() -> None:
    claim = Claim("c-1", "text", "single_source", None, [], ["Outlet"])
    assert "also_reported_by" not in to_json(claim)
    claim.also_reported_by = ["Other"]
    assert to_json(claim)["also_reported_by"] == ["Other"]
    assert to_json(SummarySentence("t", ["a"], [], []))["also_reported_by"] == []  # always written
    assert from_json(Claim, to_json(claim)) == claim
