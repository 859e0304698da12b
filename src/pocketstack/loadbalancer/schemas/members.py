"""Member bodies: POST, PUT and the batch PUT of a pool's members."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import schema
from pocketstack.loadbalancer.schemas.common import BOOL, ID, NAME, PORT, TAGS, body, nullable

__all__ = ["BATCH", "CREATE", "UPDATE"]

_UPDATABLE: dict[str, Any] = {
    "name": NAME, "admin_state_up": BOOL, "tags": TAGS,
    "weight": {"type": ["integer", "null"], "minimum": 0, "maximum": 256},
    "backup": BOOL,
    "monitor_address": {"type": ["string", "null"], "maxLength": 64},
    "monitor_port": nullable(PORT),
}
_CREATE_FIELDS: dict[str, Any] = {
    **_UPDATABLE, "address": {"type": "string", "maxLength": 64}, "protocol_port": PORT,
    "subnet_id": nullable(ID), "project_id": ID, "tenant_id": ID, "request_sriov": BOOL,
}
CREATE = body("member", _CREATE_FIELDS, required=("address", "protocol_port"))
UPDATE = body("member", _UPDATABLE)
BATCH = schema({
    "type": "object",
    "properties": {"members": {"type": "array", "items": {
        "type": "object", "properties": _CREATE_FIELDS,
        "required": ["address", "protocol_port"], "additionalProperties": False}}},
    "required": ["members"],
})
