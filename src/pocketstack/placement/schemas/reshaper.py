"""Request schema for POST /reshaper (1.30): new inventories and allocations, all at once.

``allocations`` is POST /allocations' body at the same version (1.28 form before 1.34), and
may be empty: there may be no allocations (yet) on the inventory being moved.
"""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import Schema, schema
from pocketstack.placement.schemas.allocations import UUID_PATTERN, consumer_document
from pocketstack.placement.schemas.inventories import REPLACE

__all__ = ["reshape_schema"]


def _document(version: tuple[int, int]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "inventories": {
                "type": "object",
                "minProperties": 1,
                "patternProperties": {UUID_PATTERN: REPLACE.document},
                "additionalProperties": False,
            },
            "allocations": {
                "type": "object",
                "additionalProperties": False,
                "patternProperties": {UUID_PATTERN: consumer_document(version, may_be_empty=True)},
            },
        },
        "required": ["inventories", "allocations"],
        "additionalProperties": False,
    }


_BY_VERSION = tuple((since, schema(_document(since))) for since in ((1, 38), (1, 34), (1, 30)))


def reshape_schema(version: tuple[int, int]) -> Schema:
    return next(checker for since, checker in _BY_VERSION if version >= since)
