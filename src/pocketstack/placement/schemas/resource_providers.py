"""Request schemas for /resource_providers: bodies per method and the list's query per version."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import Schema, extend, schema

__all__ = ["CREATE", "CREATE_1_14", "UPDATE", "UPDATE_1_14", "list_query"]

_UUID: dict[str, Any] = {"type": "string", "format": "uuid"}
_PARENT: dict[str, Any] = {"anyOf": [_UUID, {"type": "null"}]}
_TEXT: dict[str, Any] = {"type": "string"}

CREATE = schema(
    {
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 200}, "uuid": _UUID},
        "required": ["name"],
        "additionalProperties": False,
    }
)
# 1.14: a provider may name its parent.
CREATE_1_14 = extend(CREATE, add={"parent_provider_uuid": _PARENT})
UPDATE = extend(CREATE, drop=("uuid",))
UPDATE_1_14 = extend(UPDATE, add={"parent_provider_uuid": _PARENT})

# GET /resource_providers: the query string, one schema per version that added a parameter.
_LIST_1_0 = schema(
    {
        "type": "object",
        "properties": {"name": _TEXT, "uuid": _UUID},
        "additionalProperties": False,
    }
)
_LIST_1_3 = extend(_LIST_1_0, add={"member_of": _TEXT})
_LIST_1_4 = extend(_LIST_1_3, add={"resources": _TEXT})
_LIST_1_14 = extend(_LIST_1_4, add={"in_tree": _UUID})
_LIST_1_18 = extend(_LIST_1_14, add={"required": _TEXT})
_LIST_BY_VERSION = (
    ((1, 18), _LIST_1_18),
    ((1, 14), _LIST_1_14),
    ((1, 4), _LIST_1_4),
    ((1, 3), _LIST_1_3),
    ((1, 0), _LIST_1_0),
)


def list_query(version: tuple[int, int]) -> Schema:
    """The query-string schema GET /resource_providers validates against at ``version``."""
    return next(checker for since, checker in _LIST_BY_VERSION if version >= since)
