"""Request schemas for /security-groups and /security-group-rules."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import extend, schema
from pocketstack.network.schemas.common import BOOL, DESCRIPTION, ID, NAME, OWNER, TAGS, nullable

__all__ = ["CREATE", "CREATE_RULE", "UPDATE"]

CREATE = schema(
    {
        "type": "object",
        "properties": {
            "name": NAME,
            "description": DESCRIPTION,
            "stateful": BOOL,
            "tags": TAGS,
            **OWNER,
        },
    }
)
UPDATE = extend(CREATE, drop=("tags", "project_id", "tenant_id"))

_PORT: dict[str, Any] = nullable({"type": "integer", "minimum": 0, "maximum": 65535})

CREATE_RULE = schema(
    {
        "type": "object",
        "properties": {
            "security_group_id": ID,
            "direction": {"enum": ["ingress", "egress"]},
            "ethertype": {"enum": ["IPv4", "IPv6"]},
            "protocol": {
                "anyOf": [
                    {"type": "string", "maxLength": 40},
                    {"type": "integer"},
                    {"type": "null"},
                ]
            },
            "port_range_min": _PORT,
            "port_range_max": _PORT,
            "remote_ip_prefix": nullable({"type": "string", "maxLength": 64}),
            "remote_group_id": nullable(ID),
            "remote_address_group_id": {"type": "null"},  # address groups are not offered
            "description": DESCRIPTION,
            **OWNER,
        },
        "required": ["security_group_id", "direction"],
    }
)
