"""Host aggregates in the API database: hosts, metadata, and the availability zone each host
is in (an aggregate's ``availability_zone`` metadata; a host is in one zone at most)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.db.api_models import (
    aggregate_hosts,
    aggregate_metadata,
    aggregates,
    host_mappings,
)
from pocketstack.compute.objects.instances import now

__all__ = [
    "AZ_KEY",
    "DEFAULT_ZONE",
    "AggregateConflict",
    "AggregateInvalid",
    "AggregateNotFound",
    "add_host",
    "create_aggregate",
    "delete_aggregate",
    "get_aggregate",
    "host_zones",
    "list_aggregates",
    "remove_host",
    "set_metadata",
    "update_aggregate",
]

AZ_KEY = "availability_zone"
DEFAULT_ZONE = "nova"  # [DEFAULT] default_availability_zone


class AggregateNotFound(LookupError):
    """404 in Nova's words."""


class AggregateConflict(Exception):
    """409 in Nova's words."""


class AggregateInvalid(ValueError):
    """400 in Nova's words."""


async def host_zones(conn: AsyncConnection, *, besides: int | None = None) -> dict[str, str]:
    """host -> its availability zone, for the hosts in an aggregate with a zone (hosts absent
    here are in ``DEFAULT_ZONE``); ``besides``: leave that aggregate out."""
    query = (sa.select(aggregate_hosts.c.host, aggregate_metadata.c.value)
             .join(aggregate_metadata,
                   aggregate_metadata.c.aggregate_id == aggregate_hosts.c.aggregate_id)
             .where(aggregate_metadata.c.key == AZ_KEY))
    if besides is not None:
        query = query.where(aggregate_hosts.c.aggregate_id != besides)
    return {host: zone for host, zone in await conn.execute(query)}


async def _details(conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [row["id"] for row in rows]
    hosts: dict[int, list[str]] = {i: [] for i in ids}
    metadata: dict[int, dict[str, str]] = {i: {} for i in ids}
    for agg_id, host in await conn.execute(sa.select(
            aggregate_hosts.c.aggregate_id, aggregate_hosts.c.host)
            .where(aggregate_hosts.c.aggregate_id.in_(ids)).order_by(aggregate_hosts.c.host)):
        hosts[agg_id].append(host)
    for agg_id, key, value in await conn.execute(sa.select(
            aggregate_metadata.c.aggregate_id, aggregate_metadata.c.key,
            aggregate_metadata.c.value).where(aggregate_metadata.c.aggregate_id.in_(ids))):
        metadata[agg_id][key] = value
    return [{**row, "hosts": hosts[row["id"]], "metadata": metadata[row["id"]],
             "availability_zone": metadata[row["id"]].get(AZ_KEY)} for row in rows]


async def list_aggregates(conn: AsyncConnection) -> list[dict[str, Any]]:
    rows = (await conn.execute(sa.select(aggregates).order_by(aggregates.c.id))).mappings()
    return await _details(conn, [dict(row) for row in rows])


async def get_aggregate(conn: AsyncConnection, aggregate_id: str) -> dict[str, Any]:
    row = None
    if aggregate_id.isdigit():
        row = (await conn.execute(sa.select(aggregates).where(
            aggregates.c.id == int(aggregate_id)))).mappings().first()
    if row is None:
        raise AggregateNotFound(f"Aggregate {aggregate_id} could not be found.")
    return (await _details(conn, [dict(row)]))[0]


async def _check_name(conn: AsyncConnection, name: str, own_id: int | None = None) -> None:
    taken = (await conn.execute(sa.select(aggregates.c.id).where(aggregates.c.name == name))
             ).scalar()
    if taken is not None and taken != own_id:
        raise AggregateConflict(f"Aggregate {name} already exists.")


async def _check_zone(conn: AsyncConnection, agg: dict[str, Any], zone: str | None,
                      hosts: list[str], action: str) -> None:
    """A host is in one zone at most: no host of ``hosts`` may be in another zone already."""
    if zone is None:
        return
    if zone == "internal":
        raise AggregateInvalid(f"Cannot {action}. Reason: Aggregate availability zone "
                               "'internal' is reserved for internal services.")
    zones = await host_zones(conn, besides=agg["id"])
    others = sorted({zones[h] for h in hosts if h in zones and zones[h] != zone})
    if others:
        raise AggregateInvalid(
            f"Cannot {action}. Reason: One or more hosts already in availability zone(s) "
            f"{others!r}.")


async def create_aggregate(conn: AsyncConnection, name: str, zone: str | None) -> dict[str, Any]:
    await _check_name(conn, name)
    new_uuid = str(uuid.uuid4())
    await conn.execute(sa.insert(aggregates).values(uuid=new_uuid, name=name, created_at=now()))
    agg_id = (await conn.execute(sa.select(aggregates.c.id).where(
        aggregates.c.uuid == new_uuid))).scalar_one()
    if zone is not None:
        await conn.execute(sa.insert(aggregate_metadata).values(
            aggregate_id=agg_id, key=AZ_KEY, value=zone, created_at=now()))
    return await get_aggregate(conn, str(agg_id))


async def set_metadata(conn: AsyncConnection, aggregate_id: str,
                       changes: dict[str, str | None]) -> dict[str, Any]:
    """Merge ``changes`` into the metadata (None deletes a key)."""
    agg = await get_aggregate(conn, aggregate_id)
    if AZ_KEY in changes:
        await _check_zone(conn, agg, changes[AZ_KEY], agg["hosts"],
                          f"update aggregate {agg['id']}")
    for key, value in changes.items():
        await conn.execute(sa.delete(aggregate_metadata).where(
            aggregate_metadata.c.aggregate_id == agg["id"], aggregate_metadata.c.key == key))
        if value is not None:
            await conn.execute(sa.insert(aggregate_metadata).values(
                aggregate_id=agg["id"], key=key, value=value, created_at=now()))
    await conn.execute(sa.update(aggregates).where(aggregates.c.id == agg["id"])
                       .values(updated_at=now()))
    return await get_aggregate(conn, aggregate_id)


async def update_aggregate(conn: AsyncConnection, aggregate_id: str, name: str | None,
                           zone: str | None, *, zone_given: bool) -> dict[str, Any]:
    agg = await get_aggregate(conn, aggregate_id)
    if name is not None:
        await _check_name(conn, name, agg["id"])
        await conn.execute(sa.update(aggregates).where(aggregates.c.id == agg["id"])
                           .values(name=name, updated_at=now()))
    if zone_given:
        await set_metadata(conn, aggregate_id, {AZ_KEY: zone})
    return await get_aggregate(conn, aggregate_id)


async def delete_aggregate(conn: AsyncConnection, aggregate_id: str) -> None:
    agg = await get_aggregate(conn, aggregate_id)
    if agg["hosts"]:
        raise AggregateInvalid(f"Cannot perform action 'delete' on aggregate {agg['id']}. "
                               "Reason: Host aggregate is not empty.")
    await conn.execute(sa.delete(aggregate_metadata).where(
        aggregate_metadata.c.aggregate_id == agg["id"]))
    await conn.execute(sa.delete(aggregates).where(aggregates.c.id == agg["id"]))


async def add_host(conn: AsyncConnection, aggregate_id: str, host: str) -> dict[str, Any]:
    agg = await get_aggregate(conn, aggregate_id)
    mapped = (await conn.execute(sa.select(host_mappings.c.id).where(
        host_mappings.c.host == host))).first()
    if mapped is None:
        raise AggregateNotFound(f"Compute host {host} could not be found.")
    if host in agg["hosts"]:
        raise AggregateConflict(f"Aggregate {agg['id']} already has host {host}.")
    try:
        await _check_zone(conn, agg, agg["availability_zone"], [host],
                          f"add host to aggregate {agg['id']}")
    except AggregateInvalid as error:
        raise AggregateConflict(str(error)) from None
    await conn.execute(sa.insert(aggregate_hosts).values(
        aggregate_id=agg["id"], host=host, created_at=now()))
    return await get_aggregate(conn, aggregate_id)


async def remove_host(conn: AsyncConnection, aggregate_id: str, host: str) -> dict[str, Any]:
    agg = await get_aggregate(conn, aggregate_id)
    if host not in agg["hosts"]:
        raise AggregateNotFound(f"Cannot remove host {host} in aggregate {agg['id']}")
    await conn.execute(sa.delete(aggregate_hosts).where(
        aggregate_hosts.c.aggregate_id == agg["id"], aggregate_hosts.c.host == host))
    return await get_aggregate(conn, aggregate_id)
