"""Load balancer bodies: POST and PUT."""

from __future__ import annotations

from typing import Any

from pocketstack.loadbalancer.schemas.common import BOOL, ID, NAME, TAGS, body, nullable

__all__ = ["CREATE", "UPDATE"]

_ADDITIONAL_VIP: dict[str, Any] = {
    "type": "object",
    "properties": {"subnet_id": ID, "ip_address": {"type": "string"}, "port_id": ID},
    "required": ["subnet_id"],
    "additionalProperties": False,
}
_UPDATABLE: dict[str, Any] = {
    "name": NAME, "description": NAME, "admin_state_up": BOOL,
    "vip_qos_policy_id": nullable(ID), "vip_sg_ids": {"type": "array", "items": ID},
    "tags": TAGS,
}
CREATE = body("loadbalancer", {
    **_UPDATABLE,
    "project_id": ID, "tenant_id": ID,
    "vip_subnet_id": ID, "vip_network_id": ID, "vip_port_id": ID,
    "vip_address": {"type": "string", "maxLength": 64},
    "additional_vips": {"type": "array", "items": _ADDITIONAL_VIP},
    "provider": {"type": "string", "maxLength": 64},
    "flavor_id": nullable(ID),
    "availability_zone": NAME,
    "listeners": {"type": "array"},
    "pools": {"type": "array"},
})
UPDATE = body("loadbalancer", _UPDATABLE)
