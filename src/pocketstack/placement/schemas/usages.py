"""Query-string schemas for GET /usages (1.9; 1.38 adds consumer_type)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import Schema, extend, schema
from pocketstack.placement.schemas.inventories import RC_PATTERN

__all__ = ["usages_query"]

_EXTERNAL_ID: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 255}

_QUERY_1_9 = schema(
    {
        "type": "object",
        "properties": {"project_id": _EXTERNAL_ID, "user_id": _EXTERNAL_ID},
        "required": ["project_id"],
        "additionalProperties": False,
    }
)
# 1.38: one consumer type, or ``all`` (every type summed), or ``unknown`` (no type).
_QUERY_1_38 = extend(
    _QUERY_1_9,
    add={
        "consumer_type": {
            "type": "string",
            "pattern": f"{RC_PATTERN}|^all$|^unknown$",
            "minLength": 1,
            "maxLength": 255,
        }
    },
)


def usages_query(ver: tuple[int, int]) -> Schema:
    return _QUERY_1_38 if ver >= (1, 38) else _QUERY_1_9
