"""Ports: a MAC unique on the network, fixed IPs from IPAM, security groups, binding.

Who sees a port: its project, the owner of its network, and admin.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.network.db import models as m
from pocketstack.network.objects import allocation, port_checks, port_groups, tags
from pocketstack.network.objects.allocation import FixedIp
from pocketstack.network.objects.common import (
    Standard,
    Viewer,
    bump_revision,
    new_id,
    standard_values,
)
from pocketstack.network.objects.errors import (
    Conflict,
    HTTPBadRequest,
    MacAddressInUse,
    PortNotFound,
    PortSecurityAndIPRequiredForSecurityGroups,
    PortSecurityPortHasSecurityGroup,
)
from pocketstack.network.objects.listing import (
    Attributes,
    ListQuery,
    fetch_page,
    standard_columns,
    timestamps,
)
from pocketstack.network.objects.networks import Network

__all__ = ["Port", "create", "delete", "get", "list_", "update", "visible"]

_p = m.ports
_a = m.ip_allocations
_MAC_ATTEMPTS = 16

_COLUMNS = {  # API attribute -> column, for what a request may set directly
    "name": "name",
    "description": "description",
    "admin_state_up": "admin_state_up",
    "device_id": "device_id",
    "device_owner": "device_owner",
    "port_security_enabled": "port_security_enabled",
    "binding:host_id": "binding_host_id",
    "binding:profile": "binding_profile",
    "binding:vnic_type": "binding_vnic_type",
}


def _fixed_ips_filter(values: Sequence[str]) -> sa.ColumnElement[bool]:
    """``fixed_ips=ip_address=X`` / ``fixed_ips=subnet_id=Y``: one allocation matches all."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or key not in ("ip_address", "subnet_id"):
            raise HTTPBadRequest(f"Invalid input for fixed_ips filter: '{value}'")
        wanted[key].append(item)
    return sa.exists().where(
        _a.c.port_id == _p.c.id, *[_a.c[key].in_(items) for key, items in wanted.items()]
    )


ATTRIBUTES = Attributes(
    _p,
    {
        **standard_columns(_p),
        "network_id": _p.c.network_id,
        "mac_address": _p.c.mac_address,
        "admin_state_up": _p.c.admin_state_up,
        "status": _p.c.status,
        "device_id": _p.c.device_id,
        "device_owner": _p.c.device_owner,
        "port_security_enabled": _p.c.port_security_enabled,
        "binding:host_id": _p.c.binding_host_id,
        "binding:vnic_type": _p.c.binding_vnic_type,
    },
    special={"fixed_ips": _fixed_ips_filter, "security_groups": port_groups.in_groups},
    sort_only=timestamps(_p),
)


@dataclasses.dataclass(frozen=True, slots=True)
class Port:
    id: str
    network_id: str
    project_id: str
    name: str
    mac_address: str
    admin_state_up: bool
    status: str
    device_id: str
    device_owner: str
    port_security_enabled: bool
    binding_host_id: str
    binding_profile: dict[str, Any]
    binding_vnic_type: str
    allowed_address_pairs: tuple[dict[str, str], ...]
    fixed_ips: tuple[FixedIp, ...]
    security_groups: tuple[str, ...]
    standard: Standard


def visible(viewer: Viewer) -> sa.ColumnElement[bool]:
    if viewer.admin:
        return sa.true()
    owned = sa.select(m.networks.c.id).where(m.networks.c.project_id == viewer.project_id)
    return sa.or_(_p.c.project_id == viewer.project_id, _p.c.network_id.in_(owned))


async def _hydrate(conn: AsyncConnection, rows: Sequence[Any]) -> list[Port]:
    ids = [row.id for row in rows]
    fixed = await allocation.load(conn, ids)
    groups = await port_groups.load(conn, ids)
    tagged = await tags.load(conn, ids)
    return [
        Port(
            row.id,
            row.network_id,
            row.project_id,
            row.name,
            row.mac_address,
            bool(row.admin_state_up),
            row.status,
            row.device_id,
            row.device_owner,
            bool(row.port_security_enabled),
            row.binding_host_id,
            dict(row.binding_profile),
            row.binding_vnic_type,
            tuple(row.allowed_address_pairs or ()),
            tuple(fixed[row.id]),
            tuple(groups[row.id]),
            Standard.from_row(row, tagged[row.id]),
        )
        for row in rows
    ]


async def get(conn: AsyncConnection, viewer: Viewer, id_: str) -> Port:
    row = (await conn.execute(sa.select(_p).where(_p.c.id == id_, visible(viewer)))).first()
    if row is None:
        raise PortNotFound(id=id_)
    return (await _hydrate(conn, [row]))[0]


async def list_(conn: AsyncConnection, viewer: Viewer, query: ListQuery) -> list[Port]:
    rows = await fetch_page(
        conn,
        sa.select(_p).where(visible(viewer)),
        ATTRIBUTES,
        query,
        lambda id_: PortNotFound(id=id_),
    )
    return await _hydrate(conn, rows)


async def _mac(conn: AsyncConnection, network_id: str, asked: str | None) -> str:
    async def used(mac: str) -> bool:
        return (
            await conn.execute(
                sa.select(_p.c.id).where(_p.c.network_id == network_id, _p.c.mac_address == mac)
            )
        ).first() is not None

    if asked is not None:
        mac = port_checks.valid_mac(asked)
        if await used(mac):
            raise MacAddressInUse(network_id=network_id, mac=mac)
        return mac
    for _ in range(_MAC_ATTEMPTS):
        mac = port_checks.random_mac()
        if not await used(mac):
            return mac
    raise Conflict("Unable to generate a unique MAC address for the port.")


async def create(
    conn: AsyncConnection,
    viewer: Viewer,
    network: Network,
    project_id: str,
    attrs: Mapping[str, Any],
) -> Port:
    id_ = new_id()
    mac = await _mac(conn, network.id, attrs.get("mac_address"))
    port_security = attrs.get("port_security_enabled", network.port_security_enabled)
    columns = {column: attrs[name] for name, column in _COLUMNS.items() if name in attrs}
    values: dict[str, Any] = {
        "name": "",
        "admin_state_up": True,
        "device_id": "",
        "device_owner": "",
        "binding_host_id": "",
        "binding_profile": {},
        "binding_vnic_type": "normal",
        **columns,
        "port_security_enabled": port_security,
        "allowed_address_pairs": port_checks.address_pairs(
            attrs.get("allowed_address_pairs", ()), mac, port_security
        ),
    }
    values["status"] = port_checks.status(values["binding_host_id"], values["admin_state_up"])
    standard = standard_values(values.pop("description", ""))
    await conn.execute(
        sa.insert(_p).values(
            id=id_,
            network_id=network.id,
            project_id=project_id,
            mac_address=mac,
            **values,
            **standard,
        )
    )
    await allocation.assign(
        conn, network_id=network.id, port_id=id_, mac=mac, requested=attrs.get("fixed_ips")
    )
    groups = await port_groups.for_new_port(
        conn, project_id, values["device_owner"], port_security, attrs
    )
    if groups and not port_security:
        raise PortSecurityAndIPRequiredForSecurityGroups()
    await port_groups.bind(conn, viewer, id_, groups)
    await tags.create(conn, "ports", id_, attrs.get("tags", ()))
    return await get(conn, viewer, id_)


async def update(conn: AsyncConnection, viewer: Viewer, id_: str, attrs: Mapping[str, Any]) -> Port:
    port = await get(conn, viewer, id_)
    changes = {column: attrs[name] for name, column in _COLUMNS.items() if name in attrs}
    mac = port.mac_address
    if "mac_address" in attrs and attrs["mac_address"] != port.mac_address:
        if port.binding_host_id:
            raise Conflict(
                f"Unable to complete operation on port {id_}, port is already "
                f"bound, port type: ovs, old_mac {mac}, new_mac "
                f"{attrs['mac_address']}."
            )
        mac = changes["mac_address"] = await _mac(conn, port.network_id, attrs["mac_address"])
    port_security = changes.get("port_security_enabled", port.port_security_enabled)
    groups = list(attrs.get("security_groups", port.security_groups))
    if groups and not port_security:
        raise PortSecurityPortHasSecurityGroup()
    pairs = attrs.get("allowed_address_pairs", port.allowed_address_pairs)
    changes["allowed_address_pairs"] = port_checks.address_pairs(pairs, mac, port_security)
    if "fixed_ips" in attrs:
        await allocation.assign(
            conn,
            network_id=port.network_id,
            port_id=id_,
            mac=mac,
            requested=attrs["fixed_ips"],
            current=port.fixed_ips,
        )
    if "security_groups" in attrs:
        await port_groups.bind(conn, viewer, id_, groups)
    changes["status"] = port_checks.status(
        changes.get("binding_host_id", port.binding_host_id),
        changes.get("admin_state_up", port.admin_state_up),
    )
    await bump_revision(conn, _p, id_, changes)
    return await get(conn, viewer, id_)


async def delete(conn: AsyncConnection, viewer: Viewer, id_: str) -> None:
    await get(conn, viewer, id_)
    await conn.execute(sa.delete(_p).where(_p.c.id == id_))
    await tags.remove_all(conn, [id_])
