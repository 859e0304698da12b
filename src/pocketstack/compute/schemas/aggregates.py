"""Request schemas for host aggregates and their actions."""

from __future__ import annotations

from pocketstack.common.schema import schema

__all__ = ["ACTION", "CREATE", "UPDATE"]

_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^\S(.*\S)?$"}
_ZONE = {"type": ["string", "null"], "minLength": 1, "maxLength": 255}
_HOST = {"type": "object", "properties": {"host": {"type": "string", "minLength": 1,
                                                   "maxLength": 255}},
         "required": ["host"], "additionalProperties": False}


def _wrapped(inner: dict[str, object]) -> dict[str, object]:
    return {"type": "object", "properties": {"aggregate": inner}, "required": ["aggregate"],
            "additionalProperties": False}


CREATE = schema(_wrapped({
    "type": "object", "properties": {"name": _NAME, "availability_zone": _ZONE},
    "required": ["name"], "additionalProperties": False}))

UPDATE = schema(_wrapped({
    "type": "object", "properties": {"name": _NAME, "availability_zone": _ZONE},
    "minProperties": 1, "additionalProperties": False}))

ACTION = schema({
    "type": "object",
    "properties": {
        "add_host": _HOST,
        "remove_host": _HOST,
        "set_metadata": {"type": "object", "properties": {"metadata": {
            "type": "object", "minProperties": 1,
            "propertyNames": {"minLength": 1, "maxLength": 255},
            "additionalProperties": {"type": ["string", "null"], "maxLength": 255}}},
            "required": ["metadata"], "additionalProperties": False},
    },
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
})
