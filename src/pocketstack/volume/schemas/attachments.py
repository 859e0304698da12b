"""Request schemas for /attachments (Cinder's ``api/schemas/attachments.py``)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import schema

__all__ = ["COMPLETE", "CREATE", "CREATE_V354", "UPDATE"]

_UUID: dict[str, Any] = {"type": "string", "format": "uuid"}

_CREATE_FIELDS: dict[str, Any] = {
    "instance_uuid": _UUID,
    "connector": {"type": ["object", "null"]},
    "volume_uuid": _UUID,
}

CREATE = schema(
    {
        "type": "object",
        "properties": {
            "attachment": {
                "type": "object",
                "properties": _CREATE_FIELDS,
                "required": ["volume_uuid"],
                "additionalProperties": False,
            }
        },
        "required": ["attachment"],
        "additionalProperties": False,
    }
)

# 3.54: the attach mode may be given at creation.
CREATE_V354 = schema(
    {
        **CREATE.document,
        "properties": {
            "attachment": {
                **CREATE.document["properties"]["attachment"],
                "properties": {**_CREATE_FIELDS, "mode": {"type": "string", "enum": ["rw", "ro"]}},
            }
        },
    }
)

UPDATE = schema(
    {
        "type": "object",
        "properties": {
            "attachment": {
                "type": "object",
                "properties": {"connector": {"type": "object", "minProperties": 1}},
                "required": ["connector"],
                "additionalProperties": False,
            }
        },
        "required": ["attachment"],
        "additionalProperties": False,
    }
)

# POST /attachments/{id}/action: {"os-complete": <anything, usually null or the id>}
COMPLETE = schema(
    {
        "type": "object",
        "properties": {"os-complete": {}},
        "required": ["os-complete"],
        "additionalProperties": False,
    }
)
