"""Request schemas for /resource_classes: only custom classes are created or renamed."""

from __future__ import annotations

from pocketstack.common.schema import schema

__all__ = ["CUSTOM_NAME", "NAME_BODY"]

CUSTOM_NAME = {"type": "string", "pattern": "^CUSTOM_[A-Z0-9_]+$", "maxLength": 255}

# POST /resource_classes, and PUT /resource_classes/{name} before 1.7 (a rename).
NAME_BODY = schema(
    {
        "type": "object",
        "properties": {"name": CUSTOM_NAME},
        "required": ["name"],
        "additionalProperties": False,
    }
)
