"""Compute quotas (§3): limits and usage.

Limits resolve as Nova's DB driver: a project's own row, else the ``default`` quota class's,
else ``[quota]``; a user's own row, else the project's. Usage is never stored, it is counted:

- legacy (``[quota] count_usage_from_placement = false``): instances, cores and RAM summed
  over every cell; a cell that is down counts 0 — a project can go over quota meanwhile;
- placement: instances from the instance mappings, cores and RAM from placement's usages —
  exact while a cell is down; ERROR servers in cell0 (no allocation) count as instances
  only; a server awaiting resize confirmation counts both flavors.

Server groups and key pairs are counted in the API database in both modes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.common.db import ReadWrite
from pocketstack.common.settings import QuotaSettings
from pocketstack.compute.cells import CellHandle
from pocketstack.compute.cells.scatter import scatter_gather
from pocketstack.compute.db.api_models import (
    instance_mappings,
    project_user_quotas,
    quota_classes,
    quotas,
)
from pocketstack.compute.db.cell_models import instances
from pocketstack.compute.objects.instances import now
from pocketstack.placement.client import PlacementClient

__all__ = [
    "COUNTED",
    "DEFAULT_CLASS",
    "RESOURCES",
    "OverQuota",
    "Usage",
    "check",
    "class_limits",
    "count",
    "count_legacy",
    "count_placement",
    "defaults",
    "delete_limits",
    "headroom_of",
    "limits_and_user_rows",
    "project_limits",
    "set_class_limits",
    "set_limits",
    "user_limits",
    "user_rows",
]

DEFAULT_CLASS = "default"
# Every resource Nova's DB driver knows, in its order; the last four are deprecated (-1).
RESOURCES = ("instances", "cores", "ram", "metadata_items", "key_pairs", "server_groups",
             "server_group_members", "injected_files", "injected_file_content_bytes",
             "injected_file_path_bytes", "fixed_ips", "floating_ips", "security_groups",
             "security_group_rules")
COUNTED = ("instances", "cores", "ram")  # counted per project (and user) on every boot


class OverQuota(Exception):
    """Nova's ``Quota exceeded for ...`` (403)."""

    def __init__(self, overs: Sequence[str], requested: Mapping[str, int],
                 used: Mapping[str, int], limits: Mapping[str, int]) -> None:
        names = sorted(overs)
        super().__init__(
            f"Quota exceeded for {', '.join(names)}: Requested "
            f"{', '.join(str(requested[n]) for n in names)}, but already used "
            f"{', '.join(str(used[n]) for n in names)} of "
            f"{', '.join(str(limits[n]) for n in names)} {', '.join(names)}")
        self.overs = names


@dataclasses.dataclass(frozen=True)
class Usage:
    instances: int = 0
    cores: int = 0
    ram: int = 0

    def of(self, resource: str) -> int:
        return int(getattr(self, resource))

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.instances + other.instances, self.cores + other.cores,
                     self.ram + other.ram)


def defaults(settings: QuotaSettings) -> dict[str, int]:
    """``[quota]``'s values by API key (-1: unlimited)."""
    return {"instances": settings.instances, "cores": settings.cores, "ram": settings.ram,
            "metadata_items": settings.metadata_items, "key_pairs": settings.key_pairs,
            "server_groups": settings.server_groups,
            "server_group_members": settings.server_group_members,
            "injected_files": settings.injected_files,
            "injected_file_content_bytes": settings.injected_file_content_bytes,
            "injected_file_path_bytes": settings.injected_file_path_length,
            "fixed_ips": -1, "floating_ips": -1, "security_groups": -1,
            "security_group_rules": -1}


# -- limits -----------------------------------------------------------------------------

async def class_limits(conn: AsyncConnection, settings: QuotaSettings) -> dict[str, int]:
    """The ``default`` class: its rows over ``[quota]``."""
    limits = defaults(settings)
    for resource, hard_limit in await conn.execute(
            sa.select(quota_classes.c.resource, quota_classes.c.hard_limit)
            .where(quota_classes.c.class_name == DEFAULT_CLASS)):
        if resource in limits:
            limits[resource] = hard_limit
    return limits


async def project_limits(conn: AsyncConnection, settings: QuotaSettings,
                         project_id: str) -> dict[str, int]:
    limits = await class_limits(conn, settings)
    for resource, hard_limit in await conn.execute(
            sa.select(quotas.c.resource, quotas.c.hard_limit)
            .where(quotas.c.project_id == project_id)):
        if resource in limits:
            limits[resource] = hard_limit
    return limits


# Built once: every boot reads it (level 0 the defaults, 1 the project's, 2 the user's).
_LIMITS_AND_USER_ROWS = sa.union_all(
    sa.select(sa.literal(0).label("level"), quota_classes.c.resource, quota_classes.c.hard_limit)
    .where(quota_classes.c.class_name == DEFAULT_CLASS),
    sa.select(sa.literal(1).label("level"), quotas.c.resource, quotas.c.hard_limit)
    .where(quotas.c.project_id == sa.bindparam("project_id")),
    sa.select(sa.literal(2).label("level"), project_user_quotas.c.resource,
              project_user_quotas.c.hard_limit)
    .where(project_user_quotas.c.project_id == sa.bindparam("project_id"),
           project_user_quotas.c.user_id == sa.bindparam("user_id")))


async def limits_and_user_rows(conn: AsyncConnection, settings: QuotaSettings,
                               project_id: str, user_id: str
                               ) -> tuple[dict[str, int], dict[str, int]]:
    """The project's limits and the user's own rows, in one query (what a boot checks)."""
    limits, own = defaults(settings), {}
    rows = await conn.execute(_LIMITS_AND_USER_ROWS, {"project_id": project_id,
                                                      "user_id": user_id})
    for level, resource, hard_limit in sorted(tuple(row) for row in rows):
        if resource not in limits:
            continue
        if level < 2:
            limits[resource] = hard_limit
        else:
            own[resource] = hard_limit
    return limits, own


async def user_rows(conn: AsyncConnection, project_id: str, user_id: str) -> dict[str, int]:
    rows = await conn.execute(
        sa.select(project_user_quotas.c.resource, project_user_quotas.c.hard_limit).where(
            project_user_quotas.c.project_id == project_id,
            project_user_quotas.c.user_id == user_id))
    return {resource: hard_limit for resource, hard_limit in rows}


async def user_limits(conn: AsyncConnection, settings: QuotaSettings, project_id: str,
                      user_id: str) -> dict[str, int]:
    limits = await project_limits(conn, settings, project_id)
    limits.update({k: v for k, v in (await user_rows(conn, project_id, user_id)).items()
                   if k in limits})
    return limits


async def _upsert(conn: AsyncConnection, table: sa.Table, keys: Mapping[str, str],
                  values: Mapping[str, int]) -> None:
    stamp = now()
    for resource, hard_limit in values.items():
        where = [table.c[k] == v for k, v in keys.items()] + [table.c.resource == resource]
        updated = await conn.execute(sa.update(table).where(*where).values(
            hard_limit=hard_limit, updated_at=stamp))
        if not updated.rowcount:
            await conn.execute(sa.insert(table).values(
                **keys, resource=resource, hard_limit=hard_limit, created_at=stamp))


async def set_limits(conn: AsyncConnection, project_id: str, values: Mapping[str, int], *,
                     user_id: str | None = None) -> None:
    if user_id is None:
        await _upsert(conn, quotas, {"project_id": project_id}, values)
    else:
        await _upsert(conn, project_user_quotas,
                      {"project_id": project_id, "user_id": user_id}, values)


async def set_class_limits(conn: AsyncConnection, values: Mapping[str, int]) -> None:
    await _upsert(conn, quota_classes, {"class_name": DEFAULT_CLASS}, values)


async def delete_limits(conn: AsyncConnection, project_id: str, *,
                        user_id: str | None = None) -> None:
    """Back to the defaults: the user's rows, or the project's and all its users'."""
    await conn.execute(sa.delete(project_user_quotas).where(
        project_user_quotas.c.project_id == project_id,
        *([project_user_quotas.c.user_id == user_id] if user_id is not None else [])))
    if user_id is None:
        await conn.execute(sa.delete(quotas).where(quotas.c.project_id == project_id))


# -- usage ------------------------------------------------------------------------------

async def _cell_usage(cell: CellHandle, project_id: str, user_id: str | None) -> Usage:
    query = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(instances.c.vcpus), 0),
                      sa.func.coalesce(sa.func.sum(instances.c.memory_mb), 0)).where(
        instances.c.project_id == project_id, instances.c.deleted == 0,
        sa.or_(instances.c.vm_state != "soft-delete", instances.c.vm_state.is_(None)),
        sa.or_(instances.c.hidden.is_(False), instances.c.hidden.is_(None)))
    if user_id is not None:
        query = query.where(instances.c.user_id == user_id)
    async with cell.reading() as conn:
        count, cores, ram = (await conn.execute(query)).one()
    return Usage(int(count), int(cores), int(ram))


async def count_legacy(cells: Sequence[CellHandle], project_id: str, *,
                       user_id: str | None = None, within: float) -> Usage:
    """Summed over the cells that answer within ``within`` seconds (a down cell: 0)."""

    async def work(cell: CellHandle) -> Usage:
        return await _cell_usage(cell, project_id, user_id)

    results = await scatter_gather(cells, work, timeout=within)
    return sum((r.unwrap() for r in results.values() if r.ok), Usage())


async def count_placement(api: AsyncConnection, placement: PlacementClient, project_id: str,
                          *, user_id: str | None = None) -> Usage:
    """Instances from the live instance mappings, cores and RAM from placement."""
    query = sa.select(sa.func.count()).select_from(instance_mappings).where(
        instance_mappings.c.project_id == project_id,
        sa.or_(instance_mappings.c.queued_for_delete.is_(False),
               instance_mappings.c.queued_for_delete.is_(None)))
    if user_id is not None:
        query = query.where(instance_mappings.c.user_id == user_id)
    count = int((await api.execute(query)).scalar_one())
    used = await placement.usages(project_id, user_id=user_id)
    return Usage(count, int(used.get("VCPU", 0)) + int(used.get("PCPU", 0)),
                 int(used.get("MEMORY_MB", 0)))


async def count(settings: QuotaSettings, api: ReadWrite, cells: Sequence[CellHandle],
                placement: PlacementClient, project_id: str, *, user_id: str | None = None,
                within: float) -> Usage:
    """The project's (user's) instances, cores and RAM, counted as ``[quota]`` says."""
    if settings.count_usage_from_placement:
        async with api.reading() as conn:
            return await count_placement(conn, placement, project_id, user_id=user_id)
    return await count_legacy(cells, project_id, user_id=user_id, within=within)


# -- checks -----------------------------------------------------------------------------

def headroom_of(limits: Mapping[str, int], usage: Usage) -> dict[str, int | None]:
    """What is left of each counted resource (None: unlimited)."""
    return {r: None if limits[r] < 0 else max(limits[r] - usage.of(r), 0) for r in COUNTED}


def check(limits: Mapping[str, int], usage: Usage, deltas: Mapping[str, int]) -> None:
    """``OverQuota`` when adding ``deltas`` to ``usage`` passes a limit (a zero delta checks
    that the usage is within the limit)."""
    overs = [r for r, delta in deltas.items()
             if limits[r] >= 0 and usage.of(r) + delta > limits[r]]
    if overs:
        raise OverQuota(overs, deltas, {r: usage.of(r) for r in deltas}, limits)

