"""Flavor and flavor profile bodies: POST and PUT."""

from __future__ import annotations

from typing import Any

from pocketstack.loadbalancer.schemas.common import ID, NULLABLE_TEXT, TEXT, body, nullable

__all__ = ["FLAVOR_CREATE", "FLAVOR_UPDATE", "PROFILE_CREATE", "PROFILE_UPDATE"]

_ENABLED: dict[str, Any] = {"type": "boolean"}
_DATA: dict[str, Any] = {"type": "string", "maxLength": 4096}  # a JSON object, as a string

FLAVOR_CREATE = body("flavor", {
    "name": TEXT, "description": NULLABLE_TEXT, "enabled": _ENABLED, "flavor_profile_id": ID,
}, required=("name", "flavor_profile_id"))
FLAVOR_UPDATE = body("flavor", {"name": TEXT, "description": NULLABLE_TEXT, "enabled": _ENABLED})

PROFILE_CREATE = body("flavorprofile", {
    "name": TEXT, "provider_name": TEXT, "flavor_data": _DATA,
}, required=("name", "provider_name", "flavor_data"))
# null is refused by the object, with Octavia's "None is not a valid option for <field>".
PROFILE_UPDATE = body("flavorprofile", {
    "name": NULLABLE_TEXT, "provider_name": NULLABLE_TEXT, "flavor_data": nullable(_DATA),
})
