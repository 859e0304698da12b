"""A subnet request checked and completed (pure): CIDR, gateway, pools, IPv6 modes, DNS, routes.

:func:`plan_create` turns the attributes of ``POST /subnets`` into the values to store, and
:func:`plan_update` those of ``PUT`` given the subnet as stored; both raise Neutron's errors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from pocketstack.network.objects import ipam
from pocketstack.network.objects.errors import HTTPBadRequest, InvalidInput
from pocketstack.network.objects.ipam import Address, Net, Pool

__all__ = ["AUTO_ADDRESS_MODES", "SubnetPlan", "plan_create", "plan_update"]

MAX_DNS_NAMESERVERS = 5
MAX_HOST_ROUTES = 20
AUTO_ADDRESS_MODES = ("slaac", "dhcpv6-stateless")


@dataclasses.dataclass(frozen=True)
class SubnetPlan:
    """The values a subnet is stored with (addresses as text)."""

    ip_version: int
    cidr: str
    gateway_ip: str | None
    pools: tuple[tuple[str, str], ...]
    values: dict[str, Any]  # the other columns that change


def _gateway(net: Net, value: Any) -> Address | None:
    if value is None:
        return None
    gateway = ipam.parse_address(value, "gateway_ip")
    if gateway.version != net.version:
        raise InvalidInput(f"gateway_ip '{value}' does not match the ip_version '{net.version}'")
    if gateway in net and not ipam.usable(net, gateway):
        raise InvalidInput(f"Gateway is not valid on subnet {net}")
    return gateway


def _pools(value: Sequence[Mapping[str, Any]]) -> list[Pool]:
    return [
        (
            ipam.parse_address(pool["start"], "allocation_pools"),
            ipam.parse_address(pool["end"], "allocation_pools"),
        )
        for pool in value
    ]


def _nameservers(value: Sequence[str]) -> list[str]:
    if len(value) > MAX_DNS_NAMESERVERS:
        raise HTTPBadRequest(
            f"The number of DNS nameservers exceeds the limit {MAX_DNS_NAMESERVERS}."
        )
    seen: list[str] = []
    for text in value:
        address = str(ipam.parse_address(text, "dns_nameservers"))
        if address in seen:
            raise ipam.bad_value("dns_nameservers", f"Duplicate nameserver '{text}'")
        seen.append(address)
    return seen


def _routes(net: Net, value: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    if len(value) > MAX_HOST_ROUTES:
        raise HTTPBadRequest(f"The number of host routes exceeds the limit {MAX_HOST_ROUTES}.")
    routes: list[dict[str, str]] = []
    for route in value:
        destination = ipam.parse_cidr(str(route["destination"]), net.version, "host_routes")
        nexthop = ipam.parse_address(route["nexthop"], "host_routes")
        if nexthop.version != net.version:
            raise InvalidInput(f"Invalid route {dict(route)} for subnet {net}")
        entry = {"destination": str(destination), "nexthop": str(nexthop)}
        if entry in routes:
            raise ipam.bad_value("host_routes", f"Duplicate hostroute '{dict(route)}'")
        routes.append(entry)
    return routes


def _ipv6_modes(net: Net, ra_mode: str | None, address_mode: str | None, enable_dhcp: bool) -> None:
    if ra_mode is None and address_mode is None:
        return
    if net.version == 4:
        raise InvalidInput("ipv6_ra_mode and ipv6_address_mode are not valid when ip_version is 4")
    if ra_mode and address_mode and ra_mode != address_mode:
        raise InvalidInput(
            f"ipv6_ra_mode set to '{ra_mode}' with ipv6_address_mode set to "
            f"'{address_mode}' is not valid. If both attributes are set, they "
            "must be the same value"
        )
    if not enable_dhcp:
        raise InvalidInput(
            "ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False"
        )
    if (address_mode or ra_mode) in AUTO_ADDRESS_MODES and net.prefixlen != 64:
        raise InvalidInput(
            f"Invalid CIDR {net} for IPv6 address mode. OpenStack uses the "
            "EUI-64 address format, which requires the prefix to be /64"
        )


def _common(net: Net, attrs: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        k: attrs[k] for k in ("name", "description", "enable_dhcp") if k in attrs
    }
    if "dns_nameservers" in attrs:
        values["dns_nameservers"] = _nameservers(attrs["dns_nameservers"])
    if "host_routes" in attrs:
        values["host_routes"] = _routes(net, attrs["host_routes"])
    return values


def _text(pools: Sequence[Pool]) -> tuple[tuple[str, str], ...]:
    return tuple((str(first), str(last)) for first, last in pools)


def plan_create(attrs: Mapping[str, Any]) -> SubnetPlan:
    if "cidr" not in attrs:
        raise HTTPBadRequest(
            "Bad subnet request: a subnetpool must be specified in the absence of a cidr."
        )
    net = ipam.parse_cidr(attrs["cidr"], attrs["ip_version"])
    gateway = (
        _gateway(net, attrs["gateway_ip"]) if "gateway_ip" in attrs else ipam.default_gateway(net)
    )
    if "allocation_pools" in attrs:
        pools = _pools(attrs["allocation_pools"])
        ipam.validate_pools(net, pools, gateway)
    else:
        pools = ipam.default_pools(net, gateway)
    ra_mode, address_mode = attrs.get("ipv6_ra_mode"), attrs.get("ipv6_address_mode")
    _ipv6_modes(net, ra_mode, address_mode, attrs.get("enable_dhcp", True))
    values = {
        "enable_dhcp": True,
        "dns_nameservers": [],
        "host_routes": [],
        "ipv6_ra_mode": ra_mode,
        "ipv6_address_mode": address_mode,
        **_common(net, attrs),
    }
    return SubnetPlan(
        net.version, str(net), None if gateway is None else str(gateway), _text(pools), values
    )


def plan_update(
    stored: Any, pools: Sequence[tuple[str, str]], attrs: Mapping[str, Any]
) -> SubnetPlan:
    """``stored``: the subnet's row; ``pools``: its pools as stored."""
    net = ipam.parse_cidr(stored.cidr, stored.ip_version)
    gateway = (
        _gateway(net, attrs["gateway_ip"])
        if "gateway_ip" in attrs
        else None
        if stored.gateway_ip is None
        else ipam.address(stored.gateway_ip)
    )
    if "allocation_pools" in attrs:
        new_pools = _pools(attrs["allocation_pools"])
    else:
        new_pools = [(ipam.address(a), ipam.address(b)) for a, b in pools]
    if "allocation_pools" in attrs or "gateway_ip" in attrs:
        ipam.validate_pools(net, new_pools, gateway)
    enable_dhcp = attrs.get("enable_dhcp", stored.enable_dhcp)
    _ipv6_modes(net, stored.ipv6_ra_mode, stored.ipv6_address_mode, enable_dhcp)
    values = _common(net, attrs)
    if "gateway_ip" in attrs:
        values["gateway_ip"] = None if gateway is None else str(gateway)
    return SubnetPlan(
        net.version, str(net), None if gateway is None else str(gateway), _text(new_pools), values
    )
