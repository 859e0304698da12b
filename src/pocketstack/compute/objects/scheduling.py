"""The scheduler's reads: hosts of the enabled cells, their services and nodes, the
availability zones of their aggregates, and server groups with the hosts of their members.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.cells.registry import CellHandle
from pocketstack.compute.cells.scatter import scatter_gather
from pocketstack.compute.db.api_models import (
    aggregate_hosts,
    aggregate_metadata,
    host_mappings,
    instance_group_members,
    instance_groups,
)
from pocketstack.compute.db.cell_models import compute_nodes, instances, services
from pocketstack.compute.objects.instances import now

__all__ = ["HostState", "group_members", "host_azs", "host_states", "hosts_of"]

DEFAULT_AZ = "nova"


@dataclasses.dataclass
class HostState:
    """One compute node as the scheduler sees it."""

    host: str
    nodename: str
    cell_uuid: str
    uuid: str  # the compute node's resource provider
    disabled: bool
    up: bool
    availability_zone: str
    free_ram_mb: int
    instances: set[str] = dataclasses.field(default_factory=set)


# Built once: every scheduling call reads them.
_HOST_AZS = (
    sa.select(aggregate_hosts.c.host, aggregate_metadata.c.value)
    .join(aggregate_metadata, aggregate_metadata.c.aggregate_id
          == aggregate_hosts.c.aggregate_id)
    .where(aggregate_metadata.c.key == "availability_zone"))
_MAPPED_HOSTS = sa.select(host_mappings.c.host, host_mappings.c.cell_id)
_NODES = (
    sa.select(compute_nodes, services.c.disabled, services.c.forced_down,
              services.c.last_seen_up)
    .join(services, services.c.id == compute_nodes.c.service_id)
    .where(compute_nodes.c.deleted == 0, services.c.deleted == 0))


async def host_azs(api: AsyncConnection) -> dict[str, str]:
    """host -> the availability zone its aggregates name (hosts without one: absent)."""
    return {row.host: row.value for row in await api.execute(_HOST_AZS)}


async def mapped_hosts(api: AsyncConnection) -> dict[str, int]:
    return {row.host: row.cell_id for row in await api.execute(_MAPPED_HOSTS)}


async def host_states(api: AsyncConnection, cells: Sequence[CellHandle], *,
                      down_after: float, timeout: float) -> list[HostState]:  # noqa: ASYNC109
    """The compute nodes of ``cells`` whose host is mapped to that cell; a cell that is down
    (or does not answer within ``timeout``) has none (Nova: its computes are absent)."""
    mapped = await mapped_hosts(api)
    zones = await host_azs(api)
    limit = now() - datetime.timedelta(seconds=down_after)

    async def read(cell: CellHandle) -> list[HostState]:
        async with cell.reading() as conn:
            rows = await conn.execute(_NODES)
            return [_host_state(row, cell, limit, zones) for row in rows.mappings()
                    if mapped.get(row["host"]) == cell.mapping.id]

    results = await scatter_gather(cells, read, timeout=timeout)
    return [host for result in results.values() if result.ok for host in result.unwrap()]


def _host_state(row: sa.RowMapping, cell: CellHandle, limit: datetime.datetime,
                zones: dict[str, str]) -> HostState:
    seen = row["last_seen_up"]
    up = not row["forced_down"] and seen is not None and seen >= limit
    ram = int(row["memory_mb"] * row["ram_allocation_ratio"] - row["memory_mb_used"])
    return HostState(row["host"], row["hypervisor_hostname"], cell.uuid, row["uuid"],
                     bool(row["disabled"]), up, zones.get(row["host"], DEFAULT_AZ), ram)


async def group_members(api: AsyncConnection, group_uuid: str) -> list[str]:
    rows = await api.execute(
        sa.select(instance_group_members.c.instance_uuid)
        .join(instance_groups, instance_groups.c.id == instance_group_members.c.group_id)
        .where(instance_groups.c.uuid == group_uuid))
    return [row.instance_uuid for row in rows]


async def hosts_of(cells: Sequence[CellHandle], instance_uuids: Sequence[str], *,
                   timeout: float) -> dict[str, Any]:  # noqa: ASYNC109 - per cell
    """instance uuid -> its host, for those placed on one (cells that answer)."""
    if not instance_uuids:
        return {}

    async def read(cell: CellHandle) -> dict[str, Any]:
        async with cell.reading() as conn:
            rows = await conn.execute(sa.select(instances.c.uuid, instances.c.host).where(
                instances.c.uuid.in_(list(instance_uuids)), instances.c.deleted == 0,
                instances.c.host.is_not(None)))
            return {row.uuid: row.host for row in rows}

    placed: dict[str, Any] = {}
    for result in (await scatter_gather(cells, read, timeout=timeout)).values():
        if result.ok:
            placed.update(result.unwrap())
    return placed
