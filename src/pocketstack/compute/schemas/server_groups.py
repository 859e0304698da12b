"""Request schemas for server groups: ``policies`` below 2.64 (soft ones from 2.15), one
``policy`` with ``rules`` from 2.64."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import schema

__all__ = ["CREATE", "CREATE_V215", "CREATE_V264"]

_NAME = {"type": "string", "minLength": 1, "maxLength": 255}
_HARD = ["affinity", "anti-affinity"]
_ALL = [*_HARD, "soft-affinity", "soft-anti-affinity"]


def _group(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object",
            "properties": {"server_group": {"type": "object", "properties": properties,
                                            "required": required,
                                            "additionalProperties": False}},
            "required": ["server_group"], "additionalProperties": False}


def _policies(allowed: list[str]) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "enum": allowed},
            "minItems": 1, "maxItems": 1, "uniqueItems": True}


CREATE = schema(_group({"name": _NAME, "policies": _policies(_HARD)}, ["name", "policies"]))

CREATE_V215 = schema(_group({"name": _NAME, "policies": _policies(_ALL)}, ["name", "policies"]))

CREATE_V264 = schema(_group({
    "name": _NAME,
    "policy": {"type": "string", "enum": _ALL},
    "rules": {"type": "object", "properties": {"max_server_per_host": {
        "oneOf": [{"type": "integer", "minimum": 1},
                  {"type": "string", "pattern": r"^[0-9]*[1-9][0-9]*$"}]}},
        "additionalProperties": False},
}, ["name", "policy"]))
