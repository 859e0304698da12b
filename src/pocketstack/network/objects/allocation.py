"""Fixed IPs for a port, chosen and recorded inside the caller's write transaction.

The network's subnet rows are locked first (engines with row locks), so allocators on one
network take turns; the primary key ``(subnet_id, ip_address)`` of ``ip_allocations`` is
the last word: a duplicate insert fails the transaction, which the service runs again.

Without ``fixed_ips`` a port gets, as in Neutron, one IPv4 address from the first IPv4
subnet with room, one from the first stateful IPv6 subnet with room, and its EUI-64 address
on every SLAAC subnet. ``fixed_ips: []`` means none; entries name a ``subnet_id``, an
``ip_address`` or both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.network.db import models as m
from pocketstack.network.objects import ipam, subnets
from pocketstack.network.objects.errors import (
    HTTPBadRequest,
    InvalidInput,
    InvalidIpForNetwork,
    InvalidIpForSubnet,
    IpAddressAlreadyAllocated,
    IpAddressGenerationFailure,
    SubnetNotFound,
)
from pocketstack.network.objects.subnet_checks import AUTO_ADDRESS_MODES
from pocketstack.network.objects.subnets import Subnet

__all__ = ["MAX_FIXED_IPS", "FixedIp", "assign", "load"]

MAX_FIXED_IPS = 5
_SAMPLE = 16  # random candidates per query on pools too big to walk
_a = m.ip_allocations


@dataclasses.dataclass(frozen=True, slots=True)
class FixedIp:
    subnet_id: str
    ip_address: str


def _auto(subnet: Subnet) -> bool:
    """An IPv6 subnet whose hosts make their own addresses (SLAAC): EUI-64, never picked."""
    return subnet.ip_version == 6 and (
        subnet.ipv6_address_mode in AUTO_ADDRESS_MODES or subnet.ipv6_ra_mode in AUTO_ADDRESS_MODES
    )


async def load(conn: AsyncConnection, port_ids: Sequence[str]) -> dict[str, list[FixedIp]]:
    """Each port's fixed IPs, in the order they were asked for, in one query."""
    found: dict[str, list[FixedIp]] = {id_: [] for id_ in port_ids}
    if port_ids:
        rows = await conn.execute(
            sa.select(_a).where(_a.c.port_id.in_(port_ids)).order_by(_a.c.port_id, _a.c.position)
        )
        for row in rows:
            found[row.port_id].append(FixedIp(row.subnet_id, row.ip_address))
    return found


class _Picker:
    """Chooses free addresses, remembering those it chose in this transaction."""

    def __init__(self, conn: AsyncConnection, mac: str) -> None:
        self.conn = conn
        self.mac = mac
        self.chosen: set[tuple[str, str]] = set()

    async def _taken(self, subnet_id: str, among: Sequence[str] | None = None) -> set[str]:
        query = sa.select(_a.c.ip_address).where(_a.c.subnet_id == subnet_id)
        if among is not None:
            query = query.where(_a.c.ip_address.in_(among))
        taken = {row.ip_address for row in await self.conn.execute(query)}
        return taken | {ip for sid, ip in self.chosen if sid == subnet_id}

    async def free(self, subnet: Subnet) -> str | None:
        """A free address of the subnet's pools, or None when there is none."""
        if _auto(subnet):
            address = str(ipam.eui64(subnet.net, self.mac))
            return None if address in await self._taken(subnet.id, [address]) else address
        pools = subnet.pools
        if sum(int(b) - int(a) + 1 for a, b in pools) > ipam.RANDOM_THRESHOLD:
            for _ in range(4):
                candidates = [str(c) for c in ipam.random_candidates(pools, _SAMPLE)]
                taken = await self._taken(subnet.id, candidates)
                for candidate in candidates:
                    if candidate not in taken:
                        return candidate
            return None
        found = ipam.first_free(pools, await self._taken(subnet.id))
        return None if found is None else str(found)

    async def claim(self, subnet: Subnet, address: str) -> FixedIp:
        if address in await self._taken(subnet.id, [address]):
            raise IpAddressAlreadyAllocated(ip=address, subnet_id=subnet.id)
        self.chosen.add((subnet.id, address))
        return FixedIp(subnet.id, address)

    async def any_of(self, candidates: Sequence[Subnet]) -> FixedIp | None:
        for subnet in candidates:
            address = await self.free(subnet)
            if address is not None:  # free() saw it untaken: no second look
                self.chosen.add((subnet.id, address))
                return FixedIp(subnet.id, address)
        return None


async def _default(picker: _Picker, network_id: str, subnets_: Sequence[Subnet]) -> list[FixedIp]:
    chosen: list[FixedIp] = []
    v4 = [s for s in subnets_ if s.ip_version == 4]
    v6_stateful = [s for s in subnets_ if s.ip_version == 6 and not _auto(s)]
    for group in (v4, v6_stateful):
        if group:
            fixed = await picker.any_of(group)
            if fixed is None:
                raise IpAddressGenerationFailure(network_id=network_id)
            chosen.append(fixed)
    for subnet in subnets_:
        if _auto(subnet):
            chosen.append(await picker.claim(subnet, str(ipam.eui64(subnet.net, picker.mac))))
    return chosen


async def _subnet_for(
    conn: AsyncConnection,
    network_id: str,
    subnets_: Sequence[Subnet],
    entry: Mapping[str, Any],
    address: ipam.Address | None,
) -> Subnet:
    by_id = {s.id: s for s in subnets_}
    if "subnet_id" in entry:
        subnet = by_id.get(entry["subnet_id"])
        if subnet is None:
            exists = (
                await conn.execute(
                    sa.select(m.subnets.c.id).where(m.subnets.c.id == entry["subnet_id"])
                )
            ).first()
            if exists is None:
                raise SubnetNotFound(id=entry["subnet_id"])
            raise InvalidInput(
                f"Failed to create port on network {network_id}, because "
                f"fixed_ips included invalid subnet {entry['subnet_id']}"
            )
        if address is not None and not ipam.usable(subnet.net, address):
            raise InvalidIpForSubnet(ip_address=str(address))
        return subnet
    assert address is not None
    for subnet in subnets_:
        if ipam.usable(subnet.net, address):
            return subnet
    raise InvalidIpForNetwork(ip_address=str(address))


async def _requested(
    picker: _Picker,
    network_id: str,
    subnets_: Sequence[Subnet],
    entries: Sequence[Mapping[str, Any]],
    current: Sequence[FixedIp],
) -> list[FixedIp]:
    if len(entries) > MAX_FIXED_IPS:
        raise HTTPBadRequest("Exceeded maximum amount of fixed ips per port.")
    kept = list(current)
    chosen: list[FixedIp] = []
    for entry in entries:
        address = (
            ipam.parse_address(entry["ip_address"], "fixed_ips") if "ip_address" in entry else None
        )
        subnet = await _subnet_for(picker.conn, network_id, subnets_, entry, address)
        mine = [
            f
            for f in kept
            if f.subnet_id == subnet.id and (address is None or f.ip_address == str(address))
        ]
        if mine:  # an address the port already holds stays
            kept.remove(mine[0])
            chosen.append(await picker.claim(subnet, mine[0].ip_address))
        elif address is not None:
            if _auto(subnet):
                raise InvalidInput(
                    f"IPv6 address {address} cannot be directly assigned to a "
                    f"port on subnet {subnet.id} as the subnet is configured "
                    "for automatic addresses"
                )
            chosen.append(await picker.claim(subnet, str(address)))
        else:
            fixed = await picker.any_of([subnet])
            if fixed is None:
                raise IpAddressGenerationFailure(
                    f"No more IP addresses available for subnet {subnet.id}."
                )
            chosen.append(fixed)
    return chosen


async def assign(
    conn: AsyncConnection,
    *,
    network_id: str,
    port_id: str,
    mac: str,
    requested: Sequence[Mapping[str, Any]] | None,
    current: Sequence[FixedIp] | None = None,
) -> list[FixedIp]:
    """Give the port the addresses ``requested`` (None: the defaults), keeping those of
    ``current`` (its addresses now; None for a new port) that are asked for again, and
    record them."""
    subnets_ = await subnets.for_network(conn, network_id, lock=True)
    if current is not None:
        await conn.execute(sa.delete(_a).where(_a.c.port_id == port_id))
    picker = _Picker(conn, mac)
    if requested is None:
        chosen = await _default(picker, network_id, subnets_)
    else:
        chosen = await _requested(picker, network_id, subnets_, requested, current or ())
    if chosen:
        await conn.execute(
            sa.insert(_a),
            [
                {
                    "subnet_id": f.subnet_id,
                    "ip_address": f.ip_address,
                    "network_id": network_id,
                    "port_id": port_id,
                    "position": i,
                }
                for i, f in enumerate(chosen)
            ],
        )
    return chosen
