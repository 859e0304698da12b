"""Query-string schemas for GET /allocation_candidates, one per microversion that changed it.

Keys only (every value is a string): an unknown or not-yet-supported parameter is a 400.
"""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import Schema, schema

__all__ = ["GET_QUERY", "query_schema"]

_STRING = {"type": "string"}
_GROUP_KEYS = ("resources", "required", "member_of")
_NUMBERED = r"[1-9][0-9]*"  # 1.25: resources1, required1, ...
_NAMED = r"[a-zA-Z0-9_-]{1,64}"  # 1.33: resources_COMPUTE, ...


def _query(
    properties: dict[str, Any],
    keys: tuple[str, ...] = (),
    suffix: str = "",
    required: tuple[str, ...] = (),
) -> Schema:
    patterns = {f"^{key}({suffix})?$": _STRING for key in keys}
    return schema(
        {
            "type": "object",
            "properties": properties,
            "patternProperties": patterns,
            "required": list(required),
            "additionalProperties": False,
        }
    )


_LIMIT = {"type": "string", "pattern": "^[1-9][0-9]*$"}
_POLICY = {"type": "string", "enum": ["none", "isolate"]}
_1_16 = {"resources": _STRING, "limit": _LIMIT}
_1_21 = {**_1_16, "required": _STRING, "member_of": _STRING}
_1_25 = {"limit": _LIMIT, "group_policy": _POLICY}
_1_35 = {**_1_25, "root_required": _STRING}

# (first microversion, schema), newest first.
GET_QUERY: list[tuple[tuple[int, int], Schema]] = [
    ((1, 36), _query({**_1_35, "same_subtree": _STRING}, (*_GROUP_KEYS, "in_tree"), _NAMED)),
    ((1, 35), _query(_1_35, (*_GROUP_KEYS, "in_tree"), _NAMED)),
    ((1, 33), _query(_1_25, (*_GROUP_KEYS, "in_tree"), _NAMED)),
    ((1, 31), _query(_1_25, (*_GROUP_KEYS, "in_tree"), _NUMBERED)),
    ((1, 25), _query(_1_25, _GROUP_KEYS, _NUMBERED)),
    ((1, 21), _query(_1_21, required=("resources",))),
    ((1, 17), _query({**_1_16, "required": _STRING}, required=("resources",))),
    ((1, 16), _query(_1_16, required=("resources",))),
    ((1, 10), _query({"resources": _STRING}, required=("resources",))),
]


def query_schema(version: tuple[int, int]) -> Schema:
    return next(checker for since, checker in GET_QUERY if version >= since)
