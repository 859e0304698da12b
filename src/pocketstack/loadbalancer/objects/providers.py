"""The provider drivers' catalogue: which providers are enabled, the flavor and availability
zone metadata each one understands (its "capabilities"), and the validation of a profile's
``flavor_data`` / ``availability_zone_data`` against them.

Octavia's amphora driver validates with a JSON schema that refuses unknown keys; its no-op
driver accepts any metadata. The deprecated ``octavia`` alias is the amphora driver.
"""

from __future__ import annotations

import json
from typing import Any

from pocketstack.common.schema import schema
from pocketstack.loadbalancer.objects.errors import Invalid

# Provider name -> (description, driver key). "octavia" is the deprecated alias of amphora.
PROVIDERS: dict[str, tuple[str, str]] = {
    "amphora": ("The Octavia Amphora driver.", "amphora"),
    "octavia": ("Deprecated alias of the Octavia Amphora driver.", "amphora"),
    "noop_driver": ("The Octavia no-op driver: records the configuration, serves nothing.",
                    "noop"),
}

__all__ = ["PROVIDERS", "TOPOLOGIES", "az_capabilities", "check_enabled", "flavor_capabilities",
           "validate_az_data", "validate_flavor_data"]

TOPOLOGIES = ("SINGLE", "ACTIVE_STANDBY")
_STRING: dict[str, Any] = {"type": "string"}
_BOOL: dict[str, Any] = {"type": "boolean"}

# Driver key -> metadata key -> (schema of its value, Octavia's description).
_FLAVOR: dict[str, dict[str, tuple[dict[str, Any], str]]] = {
    "amphora": {
        "loadbalancer_topology": (
            {"type": "string", "enum": list(TOPOLOGIES)},
            "The load balancer topology. One of: SINGLE - One amphora per load balancer. "
            "ACTIVE_STANDBY - Two amphora per load balancer."),
        "compute_flavor": (_STRING, "The compute driver flavor ID."),
        "amp_image_tag": (_STRING, "The amphora image tag."),
        "sriov_vip": (_BOOL, "When true, the VIP port will be created using an SR-IOV VF "
                             "port."),
        "allow_member_sriov": (_BOOL, "When true, users can request a VF port for members."),
    },
    "noop": {
        "amp_image_tag": (_STRING, "The glance image tag to use for this load balancer."),
    },
}
_ZONE: dict[str, dict[str, tuple[dict[str, Any], str]]] = {
    "amphora": {
        "compute_zone": (_STRING, "The compute availability zone."),
        "volume_zone": (_STRING, "The volume availability zone."),
        "management_network": (_STRING, "The management network ID for the amphora."),
        "valid_vip_networks": (
            {"type": "array", "items": {"type": "string"}},
            "List of network IDs that are allowed for VIP use. This overrides/replaces the "
            "list of allowed networks configured in `octavia.conf`."),
    },
    "noop": {
        "compute_zone": (_STRING, "The compute availability zone to use for this "
                                  "loadbalancer."),
    },
}


def _strict(keys: dict[str, tuple[dict[str, Any], str]]) -> Any:
    return schema({"type": "object", "additionalProperties": False,
                   "properties": {name: fragment for name, (fragment, _) in keys.items()}})


# Only the amphora driver refuses what it does not know.
_CHECKERS = {("flavor", "amphora"): _strict(_FLAVOR["amphora"]),
             ("zone", "amphora"): _strict(_ZONE["amphora"])}


def check_enabled(provider: str) -> str:
    """The driver key of ``provider``; 400 when it is not an enabled provider."""
    if provider not in PROVIDERS:
        raise Invalid(f"Provider '{provider}' is not enabled.")
    return PROVIDERS[provider][1]


def flavor_capabilities(provider: str) -> dict[str, str]:
    return {k: d for k, (_, d) in _FLAVOR.get(check_enabled(provider), {}).items()}


def az_capabilities(provider: str) -> dict[str, str]:
    return {k: d for k, (_, d) in _ZONE.get(check_enabled(provider), {}).items()}


def _parsed(raw: str, option: str) -> dict[str, Any]:
    """A profile's metadata string as a JSON object (400 otherwise)."""
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise Invalid(f"{raw} is not a valid option for {option}")
    return data


def _validated(kind: str, provider: str, raw: str, option: str) -> dict[str, Any]:
    driver = check_enabled(provider)
    data = _parsed(raw, option)
    checker = _CHECKERS.get((kind, driver))
    if checker is not None:
        errors = checker.errors(data)
        if errors:
            raise Invalid(f"Provider '{provider}' does not support a requested option: "
                          f"{errors[0]}")
    return data


def validate_flavor_data(provider: str, raw: str) -> dict[str, Any]:
    """``flavor_data`` checked against ``provider``'s flavor metadata (400 otherwise)."""
    return _validated("flavor", provider, raw, "flavor_data")


def validate_az_data(provider: str, raw: str) -> dict[str, Any]:
    """``availability_zone_data`` checked against ``provider``'s metadata (400 otherwise)."""
    return _validated("zone", provider, raw, "availability_zone_data")
