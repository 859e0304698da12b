"""JSON-schema validation: compiled schemas, visible derivation, 400 on invalid input."""

from __future__ import annotations

import jsonschema
import pytest

from pocketstack.common.errors import ApiError
from pocketstack.common.schema import Schema, extend, schema, validate

SERVER = schema(
    {
        "type": "object",
        "properties": {
            "server": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 255},
                    "flavorRef": {"type": "string"},
                    "accessIPv4": {"type": "string", "format": "ipv4"},
                },
                "required": ["name", "flavorRef"],
                "additionalProperties": False,
            }
        },
        "required": ["server"],
        "additionalProperties": False,
    }
)

TAG = schema(
    {
        "type": "object",
        "properties": {"name": {"type": "string"}, "color": {"type": "string"}},
        "required": ["name", "color"],
        "additionalProperties": False,
    }
)


def test_a_valid_document_has_no_errors() -> None:
    assert SERVER.errors({"server": {"name": "vm", "flavorRef": "1"}}) == []
    validate(SERVER, {"server": {"name": "vm", "flavorRef": "1", "accessIPv4": "10.0.0.1"}})


def test_errors_name_the_field() -> None:
    errors = SERVER.errors({"server": {"name": 5, "flavorRef": "1"}})
    assert len(errors) == 1
    assert errors[0].startswith("Invalid input for field/attribute server.name:")


def test_top_level_errors_have_no_field_prefix() -> None:
    errors = SERVER.errors({})
    assert errors == ["'server' is a required property"]


def test_formats_are_checked() -> None:
    body = {"server": {"name": "vm", "flavorRef": "1", "accessIPv4": "300.1.1.1"}}
    assert SERVER.errors(body) != []


def test_validate_raises_a_400_api_error() -> None:
    with pytest.raises(ApiError) as caught:
        validate(SERVER, {"server": {"name": "", "flavorRef": "1"}})
    assert caught.value.status == 400
    assert "server.name" in caught.value.message


def test_a_broken_schema_is_refused_at_definition() -> None:
    with pytest.raises(jsonschema.SchemaError):
        Schema({"type": "no-such-type"})


def test_extend_adds_properties() -> None:
    v2 = extend(TAG, add={"weight": {"type": "integer"}})
    validate(v2, {"name": "a", "color": "red", "weight": 3})
    with pytest.raises(ApiError):
        validate(v2, {"name": "a", "color": "red", "weight": "heavy"})
    # The base is unchanged: it still refuses the new property.
    with pytest.raises(ApiError):
        validate(TAG, {"name": "a", "color": "red", "weight": 3})


def test_extend_drops_properties_and_their_requirement() -> None:
    v2 = extend(TAG, drop=["color"])
    validate(v2, {"name": "a"})
    with pytest.raises(ApiError):
        validate(v2, {"name": "a", "color": "red"})  # additionalProperties: False
    assert TAG.document["required"] == ["name", "color"]
    with pytest.raises(ApiError):
        validate(TAG, {"name": "a"})


def test_extend_reaches_a_nested_object_by_path() -> None:
    v2 = extend(
        SERVER, path=["server"], add={"description": {"type": "string"}}, drop=["flavorRef"]
    )
    validate(v2, {"server": {"name": "vm", "description": "hello"}})
    with pytest.raises(ApiError):
        validate(v2, {"server": {"name": "vm", "flavorRef": "1"}})
    with pytest.raises(ApiError):
        validate(SERVER, {"server": {"name": "vm", "description": "hello"}})


def test_extend_copies_added_fragments() -> None:
    fragment = {"type": "string"}
    v2 = extend(TAG, add={"note": fragment})
    fragment["type"] = "integer"
    validate(v2, {"name": "a", "color": "red", "note": "text"})
