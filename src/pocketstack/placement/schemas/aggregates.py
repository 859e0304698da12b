"""Request schemas for /resource_providers/{uuid}/aggregates (a bare list before 1.19)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import schema

__all__ = ["PUT_1_1", "PUT_1_19"]

_UUIDS: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "format": "uuid"},
    "uniqueItems": True,
}

_GENERATION = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}  # the column's range

PUT_1_1 = schema(_UUIDS)
# 1.19: an object carrying the provider generation, checked as a compare-and-swap.
PUT_1_19 = schema(
    {
        "type": "object",
        "properties": {"aggregates": _UUIDS, "resource_provider_generation": _GENERATION},
        "required": ["aggregates", "resource_provider_generation"],
        "additionalProperties": False,
    }
)
