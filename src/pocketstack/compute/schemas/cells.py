"""Request schema of ``PUT /os-cells/{cell}/fault``."""

from __future__ import annotations

from pocketstack.common.schema import schema
from pocketstack.compute.cells.faults import MODES

__all__ = ["FAULT"]

_MODE = {"type": "string", "enum": list(MODES)}

FAULT = schema({
    "type": "object",
    "properties": {
        "fault": {
            "type": "object",
            "properties": {"db": _MODE, "bus": _MODE},
            "minProperties": 1,
            "additionalProperties": False,
        },
    },
    "required": ["fault"],
    "additionalProperties": False,
})
