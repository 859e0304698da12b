"""Request schemas for /traits and /resource_providers/{uuid}/traits."""

from __future__ import annotations

from pocketstack.common.schema import schema

__all__ = ["CUSTOM_TRAIT", "LIST_QUERY", "PROVIDER_TRAITS"]

_TRAIT = {"type": "string", "minLength": 1, "maxLength": 255}
_GENERATION = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}  # the column's range

# PUT /traits/{name}: the name in the path.
CUSTOM_TRAIT = schema({**_TRAIT, "pattern": "^CUSTOM_[A-Z0-9_]+$"})

PROVIDER_TRAITS = schema(
    {
        "type": "object",
        "properties": {
            "traits": {"type": "array", "items": _TRAIT},
            "resource_provider_generation": _GENERATION,
        },
        "required": ["traits", "resource_provider_generation"],
        "additionalProperties": False,
    }
)

LIST_QUERY = schema(
    {
        "type": "object",
        "properties": {"name": {"type": "string"}, "associated": {"type": "string"}},
        "additionalProperties": False,
    }
)
