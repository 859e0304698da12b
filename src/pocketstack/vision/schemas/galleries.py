"""Request schemas for galleries."""

from __future__ import annotations

from pocketstack.common.schema import schema

__all__ = ["NEW_GALLERY", "UPDATE_GALLERY"]

_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": {"type": ["string", "null"], "maxLength": 1024},
    # A Euclidean distance between unit vectors: 0 (identical) .. 2 (opposite).
    "threshold": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 2},
}

NEW_GALLERY = schema({
    "type": "object",
    "properties": {"gallery": {"type": "object", "properties": _FIELDS, "required": ["name"],
                               "additionalProperties": False}},
    "required": ["gallery"],
    "additionalProperties": False,
})

UPDATE_GALLERY = schema({
    "type": "object",
    "properties": {"gallery": {"type": "object", "properties": _FIELDS,
                               "additionalProperties": False}},
    "required": ["gallery"],
    "additionalProperties": False,
})
