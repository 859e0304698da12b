"""Availability zone and availability zone profile bodies: POST and PUT."""

from __future__ import annotations

from typing import Any

from pocketstack.loadbalancer.schemas.common import ID, NULLABLE_TEXT, TEXT, body, nullable

__all__ = ["PROFILE_CREATE", "PROFILE_UPDATE", "ZONE_CREATE", "ZONE_UPDATE"]

_ENABLED: dict[str, Any] = {"type": "boolean"}
_DATA: dict[str, Any] = {"type": "string", "maxLength": 4096}  # a JSON object, as a string

ZONE_CREATE = body("availability_zone", {
    "name": TEXT, "description": NULLABLE_TEXT, "enabled": _ENABLED,
    "availability_zone_profile_id": ID,
}, required=("name", "availability_zone_profile_id"))
ZONE_UPDATE = body("availability_zone", {"description": NULLABLE_TEXT, "enabled": _ENABLED})

PROFILE_CREATE = body("availability_zone_profile", {
    "name": TEXT, "provider_name": TEXT, "availability_zone_data": _DATA,
}, required=("name", "provider_name", "availability_zone_data"))
# null is refused by the object, with Octavia's "None is not a valid option for <field>".
PROFILE_UPDATE = body("availability_zone_profile", {
    "name": NULLABLE_TEXT, "provider_name": NULLABLE_TEXT,
    "availability_zone_data": nullable(_DATA),
})
