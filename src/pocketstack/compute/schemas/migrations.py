"""Query schemas of ``GET /os-migrations`` per microversion (Nova's), over the query as a
dict of value lists.

Below 2.59 any other parameter is allowed and ignored (Nova strips it: ``limit`` and
``marker`` included); from 2.59 an unknown one is a 400, and the paging and time
parameters take one value each. Timestamps are parsed by the handler (ISO 8601, with or
without a zone), not by a format check.
"""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import Schema, extend, schema

__all__ = ["LIST_V20", "LIST_V259", "LIST_V266", "LIST_V280", "list_schema"]

_MULTI = {"type": "array", "items": {"type": "string"}}


def _single(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item, "maxItems": 1}


_STRING = {"type": "string"}
_NON_NEGATIVE = {"type": "string", "pattern": "^[0-9]*$", "minLength": 1}

_FILTERS = {name: _MULTI for name in (
    "hidden", "host", "instance_uuid", "source_compute", "status", "migration_type")}

LIST_V20 = schema({"type": "object", "properties": _FILTERS, "additionalProperties": True})

LIST_V259 = schema({
    "type": "object",
    "properties": {**_FILTERS, "limit": _single(_NON_NEGATIVE), "marker": _single(_STRING),
                   "changes-since": _single(_STRING)},
    "additionalProperties": False,
})

LIST_V266 = extend(LIST_V259, add={"changes-before": _single(_STRING)})

LIST_V280 = extend(LIST_V266, add={"user_id": _single(_STRING),
                                   "project_id": _single(_STRING)})


def list_schema(ver: tuple[int, int]) -> Schema:
    if ver >= (2, 80):
        return LIST_V280
    if ver >= (2, 66):
        return LIST_V266
    return LIST_V259 if ver >= (2, 59) else LIST_V20
