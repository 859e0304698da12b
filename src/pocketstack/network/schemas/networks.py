"""Request schemas for /networks (the object inside ``{"network": ...}``)."""

from __future__ import annotations

from pocketstack.common.schema import extend, schema
from pocketstack.network.schemas.common import BOOL, DESCRIPTION, NAME, OWNER, TAGS

__all__ = ["CREATE", "TAGS_BODY", "UPDATE"]

_MTU = {"type": "integer", "minimum": 68, "maximum": 1500}

CREATE = schema(
    {
        "type": "object",
        "properties": {
            "name": NAME,
            "description": DESCRIPTION,
            "admin_state_up": BOOL,
            "shared": BOOL,
            "router:external": BOOL,
            "mtu": _MTU,
            "port_security_enabled": BOOL,
            "availability_zone_hints": {"type": "array", "items": {"type": "string"}},
            "tags": TAGS,
            **OWNER,
        },
    }
)
# availability_zone_hints, the project and tags are set at creation only.
UPDATE = extend(CREATE, drop=("availability_zone_hints", "project_id", "tenant_id", "tags"))

# PUT /<resources>/{id}/tags, for every resource.
TAGS_BODY = schema(
    {
        "type": "object",
        "properties": {"tags": TAGS},
        "required": ["tags"],
        "additionalProperties": False,
    }
)
