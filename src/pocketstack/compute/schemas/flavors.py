"""Request schemas for flavors, their extra specs and the flavor access actions."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import extend, schema

__all__ = ["ACCESS_ACTION", "CREATE", "CREATE_V255", "EXTRA_SPECS", "ONE_SPEC", "UPDATE"]


def _count(minimum: int) -> dict[str, Any]:
    """Nova takes counts as integers or integer strings."""
    return {"oneOf": [{"type": "integer", "minimum": minimum, "maximum": 2147483647},
                      {"type": "string", "pattern": r"^\s*[0-9]+\s*$"}]}


_DESCRIPTION = {"type": ["string", "null"], "maxLength": 65535}
_KEY = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[\w.:\- ]+$"}
_VALUE = {"type": ["string", "number", "boolean"], "maxLength": 255}

CREATE = schema({
    "type": "object",
    "properties": {"flavor": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 255,
                     "pattern": r"^(?! )[^\x00-\x1f]*(?<! )$"},
            "id": {"type": ["string", "null"], "minLength": 1, "maxLength": 255,
                   "pattern": r"^(?! )[a-zA-Z0-9. _-]+(?<! )$"},
            "ram": _count(1),
            "vcpus": _count(1),
            "disk": _count(0),
            "OS-FLV-EXT-DATA:ephemeral": _count(0),
            "swap": _count(0),
            "rxtx_factor": {"type": ["number", "string"]},
            "os-flavor-access:is_public": {"type": "boolean"},
        },
        "required": ["name", "ram", "vcpus", "disk"],
        "additionalProperties": False,
    }},
    "required": ["flavor"],
    "additionalProperties": False,
})

CREATE_V255 = extend(CREATE, add={"description": _DESCRIPTION}, path=["flavor"])

UPDATE = schema({
    "type": "object",
    "properties": {"flavor": {
        "type": "object",
        "properties": {"description": _DESCRIPTION},
        "required": ["description"],
        "additionalProperties": False,
    }},
    "required": ["flavor"],
    "additionalProperties": False,
})

EXTRA_SPECS = schema({
    "type": "object",
    "properties": {"extra_specs": {
        "type": "object",
        "propertyNames": _KEY,
        "additionalProperties": _VALUE,
    }},
    "required": ["extra_specs"],
    "additionalProperties": False,
})

ONE_SPEC = schema({
    "type": "object",
    "propertyNames": _KEY,
    "additionalProperties": _VALUE,
    "minProperties": 1,
    "maxProperties": 1,
})

_TENANT = {"type": "object", "properties": {"tenant": {"type": "string", "minLength": 1,
                                                       "maxLength": 255}},
           "required": ["tenant"], "additionalProperties": False}

ACCESS_ACTION = schema({
    "type": "object",
    "properties": {"addTenantAccess": _TENANT, "removeTenantAccess": _TENANT},
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
})
