"""A security group rule request checked and normalised (pure), with Neutron's errors.

Protocols are names or numbers 0-255 (``any`` means all, stored as null); port ranges
belong to TCP, UDP, UDP-Lite, SCTP and DCCP (1-65535, min <= max) or are an ICMP type and
code (0-255); a remote is an IP prefix of the rule's ethertype or another group, not both.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from pocketstack.network.objects.errors import HTTPBadRequest

__all__ = ["PROTOCOLS", "normalise_rule"]

PROTOCOLS = (
    "ah",
    "dccp",
    "egp",
    "esp",
    "gre",
    "hopopt",
    "icmp",
    "igmp",
    "ipip",
    "ipv6-encap",
    "ipv6-frag",
    "ipv6-icmp",
    "icmpv6",
    "ipv6-nonxt",
    "ipv6-opts",
    "ipv6-route",
    "ospf",
    "pgm",
    "rsvp",
    "sctp",
    "tcp",
    "udp",
    "udplite",
    "vrrp",
)
_PORTED = frozenset({"tcp", "udp", "udplite", "sctp", "dccp", "6", "17", "136", "132", "33"})
_ICMP = frozenset({"icmp", "icmpv6", "ipv6-icmp", "1", "58"})


def _protocol(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).lower()
    if text == "any":
        return None
    if text in PROTOCOLS:
        return text
    if text.isdigit() and 0 <= int(text) <= 255:
        return str(int(text))
    raise HTTPBadRequest(
        f"Security group rule protocol {value} not supported. Only protocol values "
        f"[None, {', '.join(repr(p) for p in PROTOCOLS)}] and integer representations "
        "[0 to 255] are supported."
    )


def _ports(protocol: str | None, low: int | None, high: int | None) -> None:
    if low is None and high is None:
        return
    if protocol is None:
        raise HTTPBadRequest("Must also specify protocol if port range is given.")
    if protocol in _PORTED:
        if low == 0 or high == 0:
            raise HTTPBadRequest("Invalid value for port 0.")
        if low is None or high is None or low > high:
            raise HTTPBadRequest("For TCP/UDP protocols, port_range_min must be <= port_range_max")
        if high > 65535:
            raise HTTPBadRequest(f"Invalid value for port {high}.")
        return
    if protocol in _ICMP:
        for name, value in (("type", low), ("code", high)):
            if value is not None and not 0 <= value <= 255:
                raise HTTPBadRequest(f"Invalid value for ICMP {name}: {value}")
        if low is None:
            raise HTTPBadRequest(
                f"ICMP code (port-range-max) {high} is provided but ICMP "
                "type (port-range-min) is missing."
            )
        return
    raise HTTPBadRequest(
        f"Invalid protocol {protocol} for port range, only supported for "
        "TCP, UDP, UDPLITE, SCTP and DCCP"
    )


def _prefix(value: Any, ethertype: str) -> str | None:
    if value is None:
        return None
    try:
        net = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        raise HTTPBadRequest(
            f"Invalid input for remote_ip_prefix. Reason: '{value}' is not a valid IP subnet."
        ) from None
    if f"IPv{net.version}" != ethertype:
        raise HTTPBadRequest(f"Conflicting value ethertype {ethertype} for CIDR {value}")
    return str(net)


def normalise_rule(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The rule's columns from a validated request body (schema already applied)."""
    ethertype = attrs.get("ethertype", "IPv4")
    protocol = _protocol(attrs.get("protocol"))
    if protocol in ("icmpv6", "ipv6-icmp", "58") and ethertype == "IPv4":
        raise HTTPBadRequest(f"Invalid ethertype {ethertype} for protocol {protocol}.")
    low, high = attrs.get("port_range_min"), attrs.get("port_range_max")
    _ports(protocol, low, high)
    if attrs.get("remote_ip_prefix") is not None and attrs.get("remote_group_id") is not None:
        raise HTTPBadRequest("Only remote_ip_prefix or remote_group_id may be provided.")
    return {
        "direction": attrs["direction"],
        "ethertype": ethertype,
        "protocol": protocol,
        "port_range_min": low,
        "port_range_max": high,
        "remote_ip_prefix": _prefix(attrs.get("remote_ip_prefix"), ethertype),
        "remote_group_id": attrs.get("remote_group_id"),
        "description": attrs.get("description", ""),
    }
