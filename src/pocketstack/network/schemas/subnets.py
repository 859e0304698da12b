"""Request schemas for /subnets (the object inside ``{"subnet": ...}``)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import extend, schema
from pocketstack.network.schemas.common import BOOL, DESCRIPTION, ID, NAME, OWNER, TAGS, nullable

__all__ = ["CREATE", "UPDATE"]

_TEXT: dict[str, Any] = {"type": "string", "maxLength": 64}
_IPV6_MODE = {"enum": ["slaac", "dhcpv6-stateful", "dhcpv6-stateless", None]}

CREATE = schema(
    {
        "type": "object",
        "properties": {
            "network_id": ID,
            "ip_version": {"enum": [4, 6]},
            "cidr": _TEXT,
            "name": NAME,
            "description": DESCRIPTION,
            "gateway_ip": nullable(_TEXT),
            "allocation_pools": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"start": _TEXT, "end": _TEXT},
                    "required": ["start", "end"],
                    "additionalProperties": False,
                },
            },
            "dns_nameservers": {"type": "array", "items": _TEXT},
            "host_routes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"destination": _TEXT, "nexthop": _TEXT},
                    "required": ["destination", "nexthop"],
                    "additionalProperties": False,
                },
            },
            "enable_dhcp": BOOL,
            "ipv6_ra_mode": _IPV6_MODE,
            "ipv6_address_mode": _IPV6_MODE,
            "subnetpool_id": {"type": "null"},  # subnet pools are not offered
            "tags": TAGS,
            **OWNER,
        },
        "required": ["network_id", "ip_version"],
    }
)
UPDATE = extend(
    CREATE,
    drop=(
        "network_id",
        "ip_version",
        "cidr",
        "ipv6_ra_mode",
        "ipv6_address_mode",
        "subnetpool_id",
        "tags",
        "project_id",
        "tenant_id",
    ),
)
