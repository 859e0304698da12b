"""Request schemas for PUT /allocations/{consumer} and POST /allocations, per microversion.

1.0 sends a list of ``{resource_provider: {uuid}, resources}``; 1.8 adds the required
``project_id``/``user_id``; 1.12 turns the list into a dict keyed by provider uuid; 1.28 adds
the required ``consumer_generation`` and lets ``allocations`` be empty (remove them all);
1.34 accepts ``mappings``; 1.38 requires ``consumer_type``. POST (1.13) maps consumer uuids
to the dict form; its allocations may always be empty.
"""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import Schema, schema
from pocketstack.placement.schemas.inventories import RC_PATTERN

__all__ = ["UUID_PATTERN", "consumer_document", "post_schema", "put_schema"]

UUID_PATTERN = "^[0-9a-fA-F-]{36}$"
_RESOURCES: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "patternProperties": {RC_PATTERN: {"type": "integer", "minimum": 1}},
    "additionalProperties": False,
}
_EXTERNAL_ID: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 255}
_MAPPINGS: dict[str, Any] = {  # request group suffix -> provider uuids ("" for no suffix)
    "type": "object",
    "minProperties": 1,
    "patternProperties": {
        "[a-zA-Z0-9_-]{1,64}": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "format": "uuid"},
        }
    },
}
_CONSUMER_TYPE: dict[str, Any] = {
    "type": "string",
    "pattern": RC_PATTERN,
    "minLength": 1,
    "maxLength": 255,
}


def _list_form(with_owner: bool) -> dict[str, Any]:
    item = {
        "type": "object",
        "properties": {
            "resource_provider": {
                "type": "object",
                "properties": {"uuid": {"type": "string", "format": "uuid"}},
                "required": ["uuid"],
                "additionalProperties": False,
            },
            "resources": _RESOURCES,
        },
        "required": ["resource_provider", "resources"],
        "additionalProperties": False,
    }
    properties: dict[str, Any] = {"allocations": {"type": "array", "minItems": 1, "items": item}}
    required = ["allocations"]
    if with_owner:
        properties.update(project_id=_EXTERNAL_ID, user_id=_EXTERNAL_ID)
        required += ["project_id", "user_id"]
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def consumer_document(version: tuple[int, int], *, may_be_empty: bool) -> dict[str, Any]:
    """One consumer's allocations in the dict form (1.12 on) as ``version`` accepts them."""
    per_provider = {
        "type": "object",
        "properties": {"generation": {"type": "integer"}, "resources": _RESOURCES},
        "required": ["resources"],
        "additionalProperties": False,
    }
    properties: dict[str, Any] = {
        "allocations": {
            "type": "object",
            "minProperties": 0 if may_be_empty else 1,
            "patternProperties": {UUID_PATTERN: per_provider},
            "additionalProperties": False,
        },
        "project_id": _EXTERNAL_ID,
        "user_id": _EXTERNAL_ID,
    }
    required = ["allocations", "project_id", "user_id"]
    if version >= (1, 28):
        properties["consumer_generation"] = {"type": ["integer", "null"]}
        required.append("consumer_generation")
    if version >= (1, 34):
        properties["mappings"] = _MAPPINGS
    if version >= (1, 38):
        properties["consumer_type"] = _CONSUMER_TYPE
        required.append("consumer_type")
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _many(version: tuple[int, int]) -> dict[str, Any]:
    return {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": False,
        "patternProperties": {UUID_PATTERN: consumer_document(version, may_be_empty=True)},
    }


_PUT = (
    ((1, 38), schema(consumer_document((1, 38), may_be_empty=True))),
    ((1, 34), schema(consumer_document((1, 34), may_be_empty=True))),
    ((1, 28), schema(consumer_document((1, 28), may_be_empty=True))),
    ((1, 12), schema(consumer_document((1, 12), may_be_empty=False))),
    ((1, 8), schema(_list_form(with_owner=True))),
    ((1, 0), schema(_list_form(with_owner=False))),
)
_POST = tuple((since, schema(_many(since))) for since in ((1, 38), (1, 34), (1, 28), (1, 13)))


def put_schema(version: tuple[int, int]) -> Schema:
    """What PUT /allocations/{consumer_uuid} accepts at ``version``."""
    return next(checker for since, checker in _PUT if version >= since)


def post_schema(version: tuple[int, int]) -> Schema:
    """What POST /allocations (1.13 on) accepts at ``version``."""
    return next(checker for since, checker in _POST if version >= since)
