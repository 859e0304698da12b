"""Subnets: who sees them, CRUD with IPAM checks, pools in order, no overlap on a network."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.network.db import models as m
from pocketstack.network.objects import ipam, tags
from pocketstack.network.objects.common import (
    Standard,
    Viewer,
    bump_revision,
    new_id,
    standard_values,
)
from pocketstack.network.objects.errors import InvalidInput, SubnetInUse, SubnetNotFound
from pocketstack.network.objects.listing import (
    Attributes,
    ListQuery,
    fetch_page,
    standard_columns,
    timestamps,
)
from pocketstack.network.objects.networks import AUTO_DELETED_OWNERS
from pocketstack.network.objects.subnet_checks import SubnetPlan, plan_create, plan_update

__all__ = ["Subnet", "create", "delete", "for_network", "get", "list_", "update", "visible"]

_s = m.subnets
_n = m.networks
_p = m.allocation_pools

ATTRIBUTES = Attributes(
    _s,
    {
        **standard_columns(_s),
        "network_id": _s.c.network_id,
        "ip_version": _s.c.ip_version,
        "cidr": _s.c.cidr,
        "gateway_ip": _s.c.gateway_ip,
        "enable_dhcp": _s.c.enable_dhcp,
        "ipv6_ra_mode": _s.c.ipv6_ra_mode,
        "ipv6_address_mode": _s.c.ipv6_address_mode,
    },
    sort_only=timestamps(_s),
)


@dataclasses.dataclass(frozen=True, slots=True)
class Subnet:
    id: str
    network_id: str
    project_id: str
    name: str
    ip_version: int
    cidr: str
    gateway_ip: str | None
    enable_dhcp: bool
    ipv6_ra_mode: str | None
    ipv6_address_mode: str | None
    dns_nameservers: tuple[str, ...]
    host_routes: tuple[dict[str, str], ...]
    allocation_pools: tuple[tuple[str, str], ...]
    standard: Standard

    @property
    def net(self) -> ipam.Net:
        return ipam.parse_cidr(self.cidr, self.ip_version)

    @property
    def pools(self) -> list[ipam.Pool]:
        return [(ipam.address(a), ipam.address(b)) for a, b in self.allocation_pools]


def visible(viewer: Viewer) -> sa.ColumnElement[bool]:
    """Own subnets, and those on networks the caller owns or that are shared or external
    (as Neutron: every project sees a provider network's subnets, e.g. to pick a VIP)."""
    if viewer.admin:
        return sa.true()
    networks = sa.select(_n.c.id).where(
        sa.or_(_n.c.shared, _n.c.external, _n.c.project_id == viewer.project_id))
    return sa.or_(_s.c.project_id == viewer.project_id, _s.c.network_id.in_(networks))


async def _hydrate(
    conn: AsyncConnection, rows: Sequence[Any], *, tagged: bool = True
) -> list[Subnet]:
    ids = [row.id for row in rows]
    pools: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if ids:
        for row in await conn.execute(
            sa.select(_p).where(_p.c.subnet_id.in_(ids)).order_by(_p.c.position)
        ):
            pools[row.subnet_id].append((row.first_ip, row.last_ip))
    found = await tags.load(conn, ids) if tagged else {}
    return [
        Subnet(
            row.id,
            row.network_id,
            row.project_id,
            row.name,
            int(row.ip_version),
            row.cidr,
            row.gateway_ip,
            bool(row.enable_dhcp),
            row.ipv6_ra_mode,
            row.ipv6_address_mode,
            tuple(row.dns_nameservers or ()),
            tuple(row.host_routes or ()),
            tuple(pools[row.id]),
            Standard.from_row(row, found.get(row.id, ())),
        )
        for row in rows
    ]


async def get(conn: AsyncConnection, viewer: Viewer, id_: str) -> Subnet:
    row = (await conn.execute(sa.select(_s).where(_s.c.id == id_, visible(viewer)))).first()
    if row is None:
        raise SubnetNotFound(id=id_)
    return (await _hydrate(conn, [row]))[0]


async def list_(conn: AsyncConnection, viewer: Viewer, query: ListQuery) -> list[Subnet]:
    rows = await fetch_page(
        conn,
        sa.select(_s).where(visible(viewer)),
        ATTRIBUTES,
        query,
        lambda id_: SubnetNotFound(id=id_),
    )
    return await _hydrate(conn, rows)


async def for_network(
    conn: AsyncConnection, network_id: str, *, lock: bool = False
) -> list[Subnet]:
    """The network's subnets in the order they were made (row locks with ``lock``), without
    their tags."""
    statement = (
        sa.select(_s).where(_s.c.network_id == network_id).order_by(_s.c.created_at, _s.c.id)
    )
    if lock:
        statement = statement.with_for_update()
    return await _hydrate(conn, list(await conn.execute(statement)), tagged=False)


async def _store_pools(conn: AsyncConnection, subnet_id: str, plan: SubnetPlan) -> None:
    await conn.execute(sa.delete(_p).where(_p.c.subnet_id == subnet_id))
    if plan.pools:
        await conn.execute(
            sa.insert(_p),
            [
                {"subnet_id": subnet_id, "position": i, "first_ip": first, "last_ip": last}
                for i, (first, last) in enumerate(plan.pools)
            ],
        )


async def create(
    conn: AsyncConnection,
    viewer: Viewer,
    network_id: str,
    project_id: str,
    attrs: Mapping[str, Any],
) -> Subnet:
    plan = plan_create(attrs)
    # The network's row lock: two subnets made at once are checked against each other.
    await conn.execute(sa.select(_n.c.id).where(_n.c.id == network_id).with_for_update())
    net = ipam.parse_cidr(plan.cidr, plan.ip_version)
    for other in await for_network(conn, network_id):
        if other.ip_version == plan.ip_version and other.net.overlaps(net):
            raise InvalidInput(
                f"Requested subnet with cidr: {plan.cidr} for network: "
                f"{network_id} overlaps with another subnet"
            )
    id_ = new_id()
    values = dict(plan.values)
    standard = standard_values(values.pop("description", ""))
    await conn.execute(
        sa.insert(_s).values(
            id=id_,
            network_id=network_id,
            project_id=project_id,
            ip_version=plan.ip_version,
            cidr=plan.cidr,
            gateway_ip=plan.gateway_ip,
            **values,
            **standard,
        )
    )
    await _store_pools(conn, id_, plan)
    await tags.create(conn, "subnets", id_, attrs.get("tags", ()))
    return await get(conn, viewer, id_)


async def update(
    conn: AsyncConnection, viewer: Viewer, id_: str, attrs: Mapping[str, Any]
) -> Subnet:
    subnet = await get(conn, viewer, id_)
    row = (await conn.execute(sa.select(_s).where(_s.c.id == id_).with_for_update())).one()
    plan = plan_update(row, subnet.allocation_pools, attrs)
    if "allocation_pools" in attrs:
        await _store_pools(conn, id_, plan)
    await bump_revision(conn, _s, id_, plan.values)
    return await get(conn, viewer, id_)


async def delete(conn: AsyncConnection, viewer: Viewer, id_: str) -> None:
    """Delete the subnet; 409 while a port other than the network's own has an IP on it."""
    await get(conn, viewer, id_)
    a, ports = m.ip_allocations, m.ports
    in_use = (
        await conn.execute(
            sa.select(a.c.port_id)
            .join(ports, ports.c.id == a.c.port_id)
            .where(a.c.subnet_id == id_, ports.c.device_owner.not_in(AUTO_DELETED_OWNERS))
            .limit(1)
        )
    ).first()
    if in_use is not None:
        raise SubnetInUse(id=id_)
    await conn.execute(sa.delete(_s).where(_s.c.id == id_))
    await tags.remove_all(conn, [id_])
