"""Request schemas for os-services: the 2.53 update by uuid and the older actions."""

from __future__ import annotations

from pocketstack.common.schema import schema

__all__ = ["LEGACY", "UPDATE_V253"]

_REASON = {"type": "string", "minLength": 1, "maxLength": 255}

UPDATE_V253 = schema({
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["enabled", "disabled"]},
        "disabled_reason": _REASON,
        "forced_down": {"type": "boolean"},
    },
    "additionalProperties": False,
})

LEGACY = schema({
    "type": "object",
    "properties": {
        "host": {"type": "string", "minLength": 1, "maxLength": 255},
        "binary": {"type": "string", "minLength": 1, "maxLength": 255},
        "disabled_reason": _REASON,
        "forced_down": {"type": "boolean"},
    },
    "required": ["host", "binary"],
    "additionalProperties": False,
})
