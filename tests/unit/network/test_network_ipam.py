"""Address arithmetic: default gateways and pools, pool checks, picking free addresses
without enumerating a subnet, EUI-64, and the subnet and rule request checks."""

from __future__ import annotations

import ipaddress
import random

import pytest

from pocketstack.network.objects import ipam
from pocketstack.network.objects.errors import (
    GatewayConflictWithAllocationPools,
    HTTPBadRequest,
    InvalidInput,
    OutOfBoundsAllocationPool,
    OverlappingAllocationPools,
)
from pocketstack.network.objects.rule_checks import normalise_rule
from pocketstack.network.objects.subnet_checks import plan_create

A = ipaddress.ip_address
N = ipaddress.ip_network


def _pools(*pairs: tuple[str, str]) -> list[ipam.Pool]:
    return [(A(a), A(b)) for a, b in pairs]


@pytest.mark.parametrize(
    ("cidr", "gateway", "pools"),
    [
        ("10.0.0.0/24", "10.0.0.1", [("10.0.0.2", "10.0.0.254")]),
        ("10.0.0.0/30", "10.0.0.1", [("10.0.0.2", "10.0.0.2")]),
        ("10.0.0.0/31", "10.0.0.1", []),
        ("10.0.0.7/32", None, [("10.0.0.7", "10.0.0.7")]),
        ("fd00::/64", "fd00::1", [("fd00::2", "fd00::ffff:ffff:ffff:ffff")]),
        ("fd00::/127", "fd00::1", []),
    ],
)
def test_defaults(cidr: str, gateway: str | None, pools: list[tuple[str, str]]) -> None:
    net = N(cidr)
    found = ipam.default_gateway(net)
    assert (str(found) if found else None) == (gateway if net.num_addresses > 1 else None)
    assert ipam.default_pools(net, found) == _pools(*pools)


def test_gateway_inside_splits_the_pool() -> None:
    net = N("10.0.0.0/24")
    assert ipam.default_pools(net, A("10.0.0.100")) == _pools(
        ("10.0.0.1", "10.0.0.99"), ("10.0.0.101", "10.0.0.254")
    )
    assert ipam.default_pools(net, None) == _pools(("10.0.0.1", "10.0.0.254"))
    assert ipam.default_pools(net, A("192.168.0.1")) == _pools(("10.0.0.1", "10.0.0.254"))


def test_pool_checks() -> None:
    net = N("10.0.0.0/24")
    ipam.validate_pools(
        net, _pools(("10.0.0.2", "10.0.0.9"), ("10.0.0.10", "10.0.0.20")), A("10.0.0.1")
    )
    with pytest.raises(OutOfBoundsAllocationPool):
        ipam.validate_pools(net, _pools(("10.0.0.2", "10.0.0.255")), None)
    with pytest.raises(HTTPBadRequest):
        ipam.validate_pools(net, _pools(("10.0.0.9", "10.0.0.2")), None)
    with pytest.raises(HTTPBadRequest):
        ipam.validate_pools(net, _pools(("fd00::2", "fd00::9")), None)
    with pytest.raises(OverlappingAllocationPools):
        ipam.validate_pools(
            net, _pools(("10.0.0.10", "10.0.0.20"), ("10.0.0.2", "10.0.0.10")), None
        )
    with pytest.raises(GatewayConflictWithAllocationPools):
        ipam.validate_pools(net, _pools(("10.0.0.2", "10.0.0.9")), A("10.0.0.5"))


def test_first_free_walks_only_past_the_taken() -> None:
    pools = _pools(("10.0.0.10", "10.0.0.12"), ("10.0.0.50", "10.0.0.60"))
    assert ipam.first_free(pools, set()) == A("10.0.0.10")
    assert ipam.first_free(pools, {"10.0.0.10", "10.0.0.12"}) == A("10.0.0.11")
    assert ipam.first_free(pools, {"10.0.0.10", "10.0.0.11", "10.0.0.12"}) == A("10.0.0.50")
    everything = {str(A("10.0.0.50") + i) for i in range(11)} | {
        "10.0.0.10",
        "10.0.0.11",
        "10.0.0.12",
    }
    assert ipam.first_free(pools, everything) is None
    # A /8 is not enumerated: the first address is found at once.
    huge = ipam.default_pools(N("10.0.0.0/8"), A("10.0.0.1"))
    assert ipam.first_free(huge, {"10.0.0.2"}) == A("10.0.0.3")


def test_random_candidates_stay_in_the_pools() -> None:
    pools = _pools(("fd00::2", "fd00::ffff:ffff:ffff:ffff"))
    picked = ipam.random_candidates(pools, 50, random.Random(7))
    assert len(set(picked)) == 50
    assert all(A("fd00::2") <= p <= A("fd00::ffff:ffff:ffff:ffff") for p in picked)
    assert ipam.random_candidates([], 5) == []


def test_eui64() -> None:
    assert str(ipam.eui64(N("fd01::/64"), "fa:16:3e:12:34:56")) == "fd01::f816:3eff:fe12:3456"


def test_usable() -> None:
    net = N("10.0.0.0/24")
    assert ipam.usable(net, A("10.0.0.1")) and ipam.usable(net, A("10.0.0.254"))
    assert not ipam.usable(net, A("10.0.0.0")) and not ipam.usable(net, A("10.0.0.255"))
    assert not ipam.usable(net, A("10.0.1.1")) and not ipam.usable(net, A("fd00::1"))
    assert ipam.usable(N("fd00::/64"), A("fd00::ffff:ffff:ffff:ffff"))
    assert not ipam.usable(N("fd00::/64"), A("fd00::"))


def test_plan_create() -> None:
    plan = plan_create({"ip_version": 4, "cidr": "10.0.0.9/24", "gateway_ip": None})
    assert (plan.cidr, plan.gateway_ip, plan.pools) == (
        "10.0.0.0/24",
        None,
        (("10.0.0.1", "10.0.0.254"),),
    )
    with pytest.raises(InvalidInput):
        plan_create({"ip_version": 6, "cidr": "10.0.0.0/24"})
    with pytest.raises(InvalidInput):
        plan_create({"ip_version": 4, "cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.0"})
    with pytest.raises(InvalidInput):
        plan_create({"ip_version": 4, "cidr": "10.0.0.0/24", "ipv6_ra_mode": "slaac"})
    outside = plan_create({"ip_version": 4, "cidr": "10.0.0.0/24", "gateway_ip": "192.168.0.1"})
    assert outside.pools == (("10.0.0.1", "10.0.0.254"),)


def test_rule_normalisation() -> None:
    rule = normalise_rule(
        {
            "direction": "ingress",
            "protocol": "TCP",
            "port_range_min": 22,
            "port_range_max": 22,
            "remote_ip_prefix": "10.1.2.3/8",
        }
    )
    assert rule["protocol"] == "tcp" and rule["remote_ip_prefix"] == "10.0.0.0/8"
    assert rule["ethertype"] == "IPv4"
    assert normalise_rule({"direction": "egress", "protocol": "any"})["protocol"] is None
    assert normalise_rule({"direction": "egress", "protocol": 6})["protocol"] == "6"
    with pytest.raises(HTTPBadRequest):
        normalise_rule({"direction": "egress", "ethertype": "IPv4", "protocol": "ipv6-icmp"})
    with pytest.raises(HTTPBadRequest):
        normalise_rule({"direction": "egress", "protocol": "icmp", "port_range_min": 300})
