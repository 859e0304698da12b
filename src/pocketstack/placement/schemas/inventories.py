"""Request schemas for /resource_providers/{uuid}/inventories (one class, or all at once)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import schema

__all__ = ["CREATE", "MAX_INT", "RC_PATTERN", "RECORD", "REPLACE", "UPDATE"]

MAX_INT = 2147483647
SQL_SP_FLOAT_MAX = 3.40282e38
RC_PATTERN = "^[A-Z0-9_]+$"
_GENERATION: dict[str, Any] = {"type": "integer"}


def _count(minimum: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum, "maximum": MAX_INT}


_FIELDS: dict[str, Any] = {
    "total": _count(1),
    "reserved": _count(0),
    "min_unit": _count(1),
    "max_unit": _count(1),
    "step_size": _count(1),
    "allocation_ratio": {"type": "number", "maximum": SQL_SP_FLOAT_MAX},
}


def _record(extra: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**_FIELDS, **extra},
        "required": required,
        "additionalProperties": False,
    }


# One class's inventory inside PUT .../inventories (and POST /reshaper).
RECORD = schema(_record({}, ["total"]))

# PUT .../inventories/{resource_class}: one record and the provider generation it expects.
UPDATE = schema(
    _record(
        {"resource_provider_generation": _GENERATION}, ["total", "resource_provider_generation"]
    )
)

# POST .../inventories: one record naming its class (a generation may be sent, and is unused).
CREATE = schema(
    _record(
        {
            "resource_class": {"type": "string", "pattern": RC_PATTERN},
            "resource_provider_generation": _GENERATION,
        },
        ["total", "resource_class"],
    )
)

# PUT .../inventories: every class's record, replacing what the provider had.
REPLACE = schema(
    {
        "type": "object",
        "properties": {
            "resource_provider_generation": _GENERATION,
            "inventories": {
                "type": "object",
                "patternProperties": {RC_PATTERN: RECORD.document},
                "additionalProperties": False,
            },
        },
        "required": ["resource_provider_generation", "inventories"],
        "additionalProperties": False,
    }
)
