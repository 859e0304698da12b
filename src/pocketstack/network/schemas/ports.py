"""Request schemas for /ports (the object inside ``{"port": ...}``)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import extend, schema
from pocketstack.network.schemas.common import BOOL, DESCRIPTION, ID, NAME, OWNER, TAGS, TEXT

__all__ = ["CREATE", "UPDATE", "VNIC_TYPES"]

VNIC_TYPES = [
    "normal",
    "direct",
    "macvtap",
    "baremetal",
    "direct-physical",
    "virtio-forwarder",
    "smart-nic",
    "vdpa",
    "remote-managed",
]
_ADDRESS: dict[str, Any] = {"type": "string", "maxLength": 64}

CREATE = schema(
    {
        "type": "object",
        "properties": {
            "network_id": ID,
            "name": NAME,
            "description": DESCRIPTION,
            "admin_state_up": BOOL,
            "mac_address": {"type": "string", "maxLength": 32},
            "fixed_ips": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"subnet_id": ID, "ip_address": _ADDRESS},
                    "minProperties": 1,
                    "additionalProperties": False,
                },
            },
            "device_id": TEXT,
            "device_owner": TEXT,
            "security_groups": {"type": "array", "items": ID},
            "port_security_enabled": BOOL,
            "allowed_address_pairs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"ip_address": _ADDRESS, "mac_address": {"type": "string"}},
                    "required": ["ip_address"],
                    "additionalProperties": False,
                },
            },
            "binding:host_id": TEXT,
            "binding:profile": {"type": "object"},
            "binding:vnic_type": {"enum": VNIC_TYPES},
            "tags": TAGS,
            **OWNER,
        },
        "required": ["network_id"],
    }
)
UPDATE = extend(CREATE, drop=("network_id", "tags", "project_id", "tenant_id"))
