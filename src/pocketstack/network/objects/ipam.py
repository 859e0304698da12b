"""Address arithmetic for subnets (pure functions): CIDRs, gateways, pools, picking addresses.

The rules are Neutron's: the default gateway is the first host; the default pools are every
usable address (IPv4 leaves out the network and broadcast addresses, IPv6 the subnet-router
anycast address) less the gateway; explicit pools lie inside those bounds, do not overlap
and do not hold the gateway. A free address is found without enumerating a subnet: pools
are walked in order only until the first address not taken (so at most ``taken + 1``
steps), and huge IPv6 pools are sampled at random.
"""

from __future__ import annotations

import ipaddress
import itertools
import random
from collections.abc import Iterator, Sequence, Set
from typing import TypeAlias

from pocketstack.network.objects.errors import (
    GatewayConflictWithAllocationPools,
    HTTPBadRequest,
    InvalidInput,
    OutOfBoundsAllocationPool,
    OverlappingAllocationPools,
)

__all__ = [
    "RANDOM_THRESHOLD",
    "Address",
    "Net",
    "Pool",
    "address",
    "bad_value",
    "default_gateway",
    "default_pools",
    "eui64",
    "first_free",
    "parse_address",
    "parse_cidr",
    "pool_text",
    "random_candidates",
    "usable",
    "validate_pools",
]

Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
Net: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
Pool: TypeAlias = tuple[Address, Address]  # first and last address, inclusive

# Pools with more addresses than this are sampled at random instead of walked in order.
RANDOM_THRESHOLD = 1 << 16


def bad_value(attribute: str, reason: str) -> HTTPBadRequest:
    """Neutron's answer to an attribute value that does not validate."""
    return HTTPBadRequest(f"Invalid input for {attribute}. Reason: {reason}.")


def address(text: str) -> Address:
    """A stored address (known to be valid) as an object."""
    return ipaddress.ip_address(text)


def parse_address(text: object, attribute: str) -> Address:
    try:
        return ipaddress.ip_address(str(text))
    except ValueError:
        raise bad_value(attribute, f"'{text}' is not a valid IP address") from None


def parse_cidr(text: str, ip_version: int, attribute: str = "cidr") -> Net:
    """The network ``text`` names, normalised (host bits cleared), of ``ip_version``."""
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise bad_value(attribute, f"'{text}' is not a valid IP subnet") from None
    if "/" not in text:
        raise bad_value(attribute, f"'{text}' isn't a recommended CIDR, '{net}' is recommended")
    if net.version != ip_version:
        raise InvalidInput(f"{attribute} '{text}' does not match the ip_version '{ip_version}'")
    return net


def _bounds(net: Net) -> Pool | None:
    """The first and last address a pool of ``net`` may hold (None: there are none)."""
    if net.num_addresses == 1:
        return net.network_address, net.network_address
    first = net.network_address + 1
    last = net.broadcast_address - (1 if net.version == 4 else 0)
    return (first, last) if int(first) <= int(last) else None


def _inside(address: Address, pool: Pool) -> bool:
    return int(pool[0]) <= int(address) <= int(pool[1])


def usable(net: Net, address: Address) -> bool:
    """Whether ``address`` may be a port's fixed IP on ``net``."""
    bounds = _bounds(net)
    return (
        address.version == net.version
        and address in net
        and bounds is not None
        and _inside(address, bounds)
    )


def default_gateway(net: Net) -> Address | None:
    return net.network_address + 1 if net.num_addresses >= 2 else None


def default_pools(net: Net, gateway: Address | None) -> list[Pool]:
    bounds = _bounds(net)
    if bounds is None:
        return []
    first, last = bounds
    if gateway is None or gateway.version != net.version or not _inside(gateway, bounds):
        return [bounds]
    pools: list[Pool] = []
    if int(first) < int(gateway):
        pools.append((first, gateway - 1))
    if int(gateway) < int(last):
        pools.append((gateway + 1, last))
    return pools


def pool_text(pool: Pool) -> str:
    return f"{pool[0]}-{pool[1]}"


def validate_pools(net: Net, pools: Sequence[Pool], gateway: Address | None) -> None:
    """Neutron's checks of explicit pools: valid ranges, inside the subnet, apart, no gateway."""
    bounds = _bounds(net)
    for pool in pools:
        start, end = pool
        if start.version != net.version or end.version != net.version or int(start) > int(end):
            raise HTTPBadRequest(f"The allocation pool {pool_text(pool)} is not valid.")
        if bounds is None or not (_inside(start, bounds) and _inside(end, bounds)):
            raise OutOfBoundsAllocationPool(pool=pool_text(pool), subnet_cidr=str(net))
    ordered = sorted(pools, key=lambda pool: int(pool[0]))
    for before, after in itertools.pairwise(ordered):
        if int(after[0]) <= int(before[1]):
            raise OverlappingAllocationPools(
                pool_1=pool_text(before), pool_2=pool_text(after), subnet_cidr=str(net)
            )
    if gateway is not None:
        for pool in pools:
            if _inside(gateway, pool):
                raise GatewayConflictWithAllocationPools(
                    ip_address=str(gateway), pool=pool_text(pool)
                )


def _size(pool: Pool) -> int:
    return int(pool[1]) - int(pool[0]) + 1


def _walk(pools: Sequence[Pool]) -> Iterator[Address]:
    for first, last in pools:
        for offset in range(int(last) - int(first) + 1):
            yield first + offset


def first_free(pools: Sequence[Pool], taken: Set[str]) -> Address | None:
    """The first address of the pools, in order, that is not ``taken`` (None: all are)."""
    for address in _walk(pools):
        if str(address) not in taken:
            return address
    return None


def random_candidates(
    pools: Sequence[Pool], count: int, rng: random.Random | None = None
) -> list[Address]:
    """``count`` addresses drawn uniformly from the pools (for pools too big to walk)."""
    chooser = rng or random.SystemRandom()
    sizes = [_size(p) for p in pools]
    total = sum(sizes)
    if total == 0:
        return []
    picked: list[Address] = []
    for _ in range(count):
        index = chooser.randrange(total)
        for pool, size in zip(pools, sizes, strict=True):
            if index < size:
                picked.append(pool[0] + index)
                break
            index -= size
    return picked


def eui64(net: Net, mac: str) -> ipaddress.IPv6Address:
    """The SLAAC address of ``mac`` on a /64: the prefix and the modified EUI-64 identifier."""
    octets = [int(part, 16) for part in mac.split(":")]
    octets[0] ^= 0x02
    interface = bytes([*octets[:3], 0xFF, 0xFE, *octets[3:]])
    return ipaddress.IPv6Address(int(net.network_address) | int.from_bytes(interface, "big"))
