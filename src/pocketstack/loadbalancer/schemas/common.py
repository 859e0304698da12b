"""Schema fragments every load-balancer resource uses."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import Schema, schema

__all__ = ["BOOL", "ID", "NAME", "NULLABLE_TEXT", "PORT", "TAGS", "TEXT", "body", "nullable"]

ID: dict[str, Any] = {"type": "string", "maxLength": 36, "minLength": 1}
NAME: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255}
TEXT: dict[str, Any] = {"type": "string", "maxLength": 255}
NULLABLE_TEXT: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255}
BOOL: dict[str, Any] = {"type": ["boolean", "null"]}
PORT: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": 65535}
TAGS: dict[str, Any] = {"type": "array", "items": {"type": "string", "maxLength": 255}}


def nullable(fragment: dict[str, Any]) -> dict[str, Any]:
    kinds = fragment.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    return {**fragment, "type": sorted({*kinds, "null"})}


def body(key: str, properties: dict[str, Any], required: tuple[str, ...] = ()) -> Schema:
    """``{key: {...}}`` with ``properties``; unknown attributes are refused (400)."""
    return schema({
        "type": "object",
        "properties": {key: {"type": "object", "properties": properties,
                             "required": list(required), "additionalProperties": False}},
        "required": [key],
    })
