"""Absolute limits of a project: its quota limits (project row, else the ``default`` quota
class, else Nova's defaults) and its usage counted on demand (instances, cores and RAM from
the cells, server groups and key pairs from the API database)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.cells import CellHandle
from pocketstack.compute.cells.scatter import scatter_gather
from pocketstack.compute.db.api_models import quota_classes, quotas
from pocketstack.compute.db.cell_models import instances

__all__ = ["DEFAULT_LIMITS", "Usage", "count_usage", "project_limits"]

# Nova's [quota] defaults; -1 is unlimited.
DEFAULT_LIMITS: dict[str, int] = {
    "instances": 10,
    "cores": 20,
    "ram": 51200,
    "metadata_items": 128,
    "key_pairs": 100,
    "server_groups": 10,
    "server_group_members": 10,
    "injected_files": 5,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
    "floating_ips": 10,
    "security_groups": 10,
    "security_group_rules": 20,
}


@dataclasses.dataclass(frozen=True)
class Usage:
    instances: int = 0
    cores: int = 0
    ram: int = 0


async def project_limits(conn: AsyncConnection, project_id: str) -> dict[str, int]:
    """Each resource's limit for ``project_id``: its own row, else the default class's."""
    limits = dict(DEFAULT_LIMITS)
    for resource, hard_limit in await conn.execute(
            sa.select(quota_classes.c.resource, quota_classes.c.hard_limit)
            .where(quota_classes.c.class_name == "default")):
        limits[resource] = hard_limit
    for resource, hard_limit in await conn.execute(
            sa.select(quotas.c.resource, quotas.c.hard_limit)
            .where(quotas.c.project_id == project_id)):
        limits[resource] = hard_limit
    return limits


async def _cell_usage(cell: CellHandle, project_id: str) -> Usage:
    async with cell.reading() as conn:
        flavors = await conn.execute(sa.select(instances.c.flavor).where(
            instances.c.project_id == project_id, instances.c.deleted == 0,
            sa.or_(instances.c.vm_state != "soft-delete", instances.c.vm_state.is_(None)),
            sa.or_(instances.c.hidden.is_(False), instances.c.hidden.is_(None))))
        sized: list[dict[str, Any]] = [dict(flavor or {}) for (flavor,) in flavors]
    return Usage(len(sized), sum(int(f.get("vcpus", 0)) for f in sized),
                 sum(int(f.get("memory_mb", 0)) for f in sized))


async def count_usage(cells: Sequence[CellHandle], project_id: str, *,
                      within: float) -> Usage:
    """The project's live servers, cores and RAM over all cells (a failed cell counts 0)."""

    async def work(cell: CellHandle) -> Usage:
        return await _cell_usage(cell, project_id)

    results = await scatter_gather(cells, work, timeout=within)
    found = [result.unwrap() for result in results.values() if result.ok]
    return Usage(sum(u.instances for u in found), sum(u.cores for u in found),
                 sum(u.ram for u in found))
