"""Networks: who sees them (own project, shared, external; admin all), CRUD, their subnets."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.network.db import models as m
from pocketstack.network.objects import tags
from pocketstack.network.objects.common import (
    Standard,
    Viewer,
    bump_revision,
    new_id,
    standard_values,
)
from pocketstack.network.objects.errors import (
    AvailabilityZoneNotFound,
    NetworkInUse,
    NetworkNotFound,
)
from pocketstack.network.objects.listing import (
    Attributes,
    ListQuery,
    fetch_page,
    standard_columns,
    timestamps,
)

__all__ = [
    "AUTO_DELETED_OWNERS",
    "AVAILABILITY_ZONES",
    "DEFAULT_MTU",
    "Network",
    "create",
    "delete",
    "get",
    "list_",
    "owner",
    "update",
    "visible",
]

_n = m.networks

DEFAULT_MTU = 1500
AVAILABILITY_ZONES = ("nova",)
# Ports the network service owns itself: removed with their network rather than blocking it.
AUTO_DELETED_OWNERS = ("network:dhcp",)

# API attribute -> column, for what a request may set.
_WRITABLE = {
    "name": "name",
    "description": "description",
    "admin_state_up": "admin_state_up",
    "shared": "shared",
    "router:external": "external",
    "mtu": "mtu",
    "port_security_enabled": "port_security_enabled",
    "availability_zone_hints": "availability_zone_hints",
}

ATTRIBUTES = Attributes(
    _n,
    {
        **standard_columns(_n),
        "admin_state_up": _n.c.admin_state_up,
        "shared": _n.c.shared,
        "router:external": _n.c.external,
        "mtu": _n.c.mtu,
        "status": _n.c.status,
        "port_security_enabled": _n.c.port_security_enabled,
    },
    sort_only=timestamps(_n),
)


@dataclasses.dataclass(frozen=True, slots=True)
class Network:
    id: str
    project_id: str
    name: str
    admin_state_up: bool
    shared: bool
    external: bool
    mtu: int
    port_security_enabled: bool
    availability_zone_hints: tuple[str, ...]
    status: str
    subnets: tuple[str, ...]
    standard: Standard


def visible(viewer: Viewer) -> sa.ColumnElement[bool]:
    if viewer.admin:
        return sa.true()
    return sa.or_(_n.c.project_id == viewer.project_id, _n.c.shared, _n.c.external)


async def _hydrate(conn: AsyncConnection, rows: Sequence[Any]) -> list[Network]:
    ids = [row.id for row in rows]
    subnet_ids: dict[str, list[str]] = defaultdict(list)
    if ids:
        found = await conn.execute(
            sa.select(m.subnets.c.network_id, m.subnets.c.id)
            .where(m.subnets.c.network_id.in_(ids))
            .order_by(m.subnets.c.created_at, m.subnets.c.id)
        )
        for net_id, subnet_id in found:
            subnet_ids[net_id].append(subnet_id)
    tagged = await tags.load(conn, ids)
    return [
        Network(
            row.id,
            row.project_id,
            row.name,
            bool(row.admin_state_up),
            bool(row.shared),
            bool(row.external),
            int(row.mtu),
            bool(row.port_security_enabled),
            tuple(row.availability_zone_hints or ()),
            row.status,
            tuple(subnet_ids[row.id]),
            Standard.from_row(row, tagged[row.id]),
        )
        for row in rows
    ]


async def get(conn: AsyncConnection, viewer: Viewer, id_: str) -> Network:
    row = (await conn.execute(sa.select(_n).where(_n.c.id == id_, visible(viewer)))).first()
    if row is None:
        raise NetworkNotFound(id=id_)
    return (await _hydrate(conn, [row]))[0]


async def owner(conn: AsyncConnection, id_: str) -> str:
    """The project owning the network (whoever asks; for policy targets)."""
    row = (await conn.execute(sa.select(_n.c.project_id).where(_n.c.id == id_))).first()
    if row is None:
        raise NetworkNotFound(id=id_)
    return str(row.project_id)


async def list_(conn: AsyncConnection, viewer: Viewer, query: ListQuery) -> list[Network]:
    rows = await fetch_page(
        conn,
        sa.select(_n).where(visible(viewer)),
        ATTRIBUTES,
        query,
        lambda id_: NetworkNotFound(id=id_),
    )
    return await _hydrate(conn, rows)


def _check_zones(hints: Iterable[str]) -> None:
    for name in hints:
        if name not in AVAILABILITY_ZONES:
            raise AvailabilityZoneNotFound(name=name)


def _columns(attrs: Mapping[str, Any]) -> dict[str, Any]:
    return {column: attrs[name] for name, column in _WRITABLE.items() if name in attrs}


async def create(
    conn: AsyncConnection, viewer: Viewer, project_id: str, attrs: Mapping[str, Any]
) -> Network:
    _check_zones(attrs.get("availability_zone_hints", ()))
    id_ = new_id()
    values: dict[str, Any] = {
        "name": "",
        "admin_state_up": True,
        "shared": False,
        "external": False,
        "mtu": DEFAULT_MTU,
        "port_security_enabled": True,
        "availability_zone_hints": [],
        **_columns(attrs),
    }
    standard = standard_values(values.pop("description", ""))
    await conn.execute(
        sa.insert(_n).values(id=id_, project_id=project_id, status="ACTIVE", **values, **standard)
    )
    await tags.create(conn, "networks", id_, attrs.get("tags", ()))
    return await get(conn, viewer, id_)


async def update(
    conn: AsyncConnection, viewer: Viewer, id_: str, attrs: Mapping[str, Any]
) -> Network:
    await get(conn, viewer, id_)
    _check_zones(attrs.get("availability_zone_hints", ()))
    await bump_revision(conn, _n, id_, _columns(attrs))
    return await get(conn, viewer, id_)


async def delete(conn: AsyncConnection, viewer: Viewer, id_: str) -> None:
    """Delete the network and its subnets; 409 while ports other than its own are on it."""
    await get(conn, viewer, id_)
    in_use = (
        await conn.execute(
            sa.select(m.ports.c.id)
            .where(m.ports.c.network_id == id_, m.ports.c.device_owner.not_in(AUTO_DELETED_OWNERS))
            .limit(1)
        )
    ).first()
    if in_use is not None:
        raise NetworkInUse(id=id_)
    owned = [
        row.id
        for row in await conn.execute(
            sa.select(m.subnets.c.id)
            .where(m.subnets.c.network_id == id_)
            .union_all(sa.select(m.ports.c.id).where(m.ports.c.network_id == id_))
        )
    ]
    await conn.execute(sa.delete(m.ports).where(m.ports.c.network_id == id_))
    await conn.execute(sa.delete(m.subnets).where(m.subnets.c.network_id == id_))
    await conn.execute(sa.delete(_n).where(_n.c.id == id_))
    await tags.remove_all(conn, [id_, *owned])
