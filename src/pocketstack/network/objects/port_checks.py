"""Port attribute rules (pure): MAC addresses, allowed address pairs, binding, status."""

from __future__ import annotations

import ipaddress
import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pocketstack.network.objects.errors import AddressPairAndPortSecurityRequired, HTTPBadRequest

__all__ = [
    "MAC_PREFIX",
    "MAX_ADDRESS_PAIRS",
    "address_pairs",
    "random_mac",
    "status",
    "valid_mac",
    "vif_details",
    "vif_type",
]

MAC_PREFIX = "fa:16:3e"  # the OpenStack OUI Neutron generates under
MAX_ADDRESS_PAIRS = 10
_MAC = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")


def random_mac(rng: random.Random | None = None) -> str:
    chooser = rng or random.SystemRandom()
    return MAC_PREFIX + "".join(f":{chooser.randrange(256):02x}" for _ in range(3))


def valid_mac(value: str) -> str:
    """The MAC address normalised (lower case); 400 when it is not one a port may have."""
    mac = value.strip().lower().replace("-", ":")
    if not _MAC.match(mac) or mac == "00:00:00:00:00:00" or int(mac[:2], 16) & 1:
        raise HTTPBadRequest(
            f"Invalid input for mac_address. Reason: '{value}' is not a valid MAC address."
        )
    return mac


def address_pairs(
    pairs: Sequence[Mapping[str, Any]], mac: str, port_security: bool
) -> list[dict[str, str]]:
    """Allowed address pairs with their MAC filled in (the port's by default)."""
    if pairs and not port_security:
        raise AddressPairAndPortSecurityRequired()
    if len(pairs) > MAX_ADDRESS_PAIRS:
        raise HTTPBadRequest(
            f"The number of allowed address pair exceeds the maximum {MAX_ADDRESS_PAIRS}."
        )
    found: list[dict[str, str]] = []
    for pair in pairs:
        text = str(pair["ip_address"])
        try:
            address = (
                str(ipaddress.ip_network(text, strict=False))
                if "/" in text
                else str(ipaddress.ip_address(text))
            )
        except ValueError:
            raise HTTPBadRequest(
                f"Invalid input for allowed_address_pairs. Reason: '{text}' "
                "is not a valid IP address."
            ) from None
        entry = {
            "ip_address": address,
            "mac_address": valid_mac(pair["mac_address"]) if "mac_address" in pair else mac,
        }
        if entry in found:
            raise HTTPBadRequest(
                "Request contains duplicate address pair: "
                f"mac_address {entry['mac_address']} ip_address {address}."
            )
        found.append(entry)
    return found


def vif_type(host: str) -> str:
    return "ovs" if host else "unbound"


def vif_details(host: str) -> dict[str, Any]:
    return {"connectivity": "l2", "port_filter": True} if host else {}


def status(host: str, admin_state_up: bool) -> str:
    """ACTIVE once bound to a host and administratively up (its agent is taken as up)."""
    return "ACTIVE" if host and admin_state_up else "DOWN"
