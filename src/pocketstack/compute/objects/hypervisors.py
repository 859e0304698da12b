"""Hypervisors: the compute nodes of every cell (cell0 has none) with the service that runs
each, and the servers on them; totals for the statistics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from pocketstack.compute.cells import CellHandle
from pocketstack.compute.cells.scatter import scatter_gather
from pocketstack.compute.db.cell_models import compute_nodes, instances, services

__all__ = ["STAT_FIELDS", "gather_nodes", "servers_on", "statistics"]

STAT_FIELDS = ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
               "local_gb_used", "running_vms")


async def _cell_nodes(cell: CellHandle) -> list[dict[str, Any]]:
    service = services.alias("service")
    query = (sa.select(compute_nodes, service.c.uuid.label("service_uuid"),
                       service.c.id.label("service_row_id"),
                       service.c.disabled, service.c.disabled_reason, service.c.forced_down,
                       service.c.last_seen_up, service.c.updated_at.label("service_updated_at"),
                       service.c.created_at.label("service_created_at"))
             .join(service, service.c.id == compute_nodes.c.service_id)
             .where(compute_nodes.c.deleted == 0, service.c.deleted == 0))
    async with cell.reading() as conn:
        rows = (await conn.execute(query)).mappings()
        return [{**row, "cell_uuid": cell.uuid} for row in rows]


async def gather_nodes(cells: Sequence[CellHandle], *, within: float,
                       pattern: str | None = None) -> list[dict[str, Any]]:
    """Every cell's compute nodes by hypervisor hostname (then uuid); ``pattern`` keeps the
    ones whose hostname contains it. A cell that fails or is late is skipped."""
    results = await scatter_gather(cells, _cell_nodes, timeout=within)
    nodes = [node for result in results.values() if result.ok for node in result.unwrap()]
    if pattern is not None:
        nodes = [n for n in nodes if pattern.lower() in n["hypervisor_hostname"].lower()]
    return sorted(nodes, key=lambda n: (n["hypervisor_hostname"], n["uuid"]))


async def servers_on(cell: CellHandle, host: str, node: str) -> list[dict[str, str]]:
    """The live servers on ``host``/``node``: [{"name", "uuid"}]."""
    async with cell.reading() as conn:
        rows = await conn.execute(
            sa.select(instances.c.display_name, instances.c.uuid)
            .where(instances.c.host == host, instances.c.node == node,
                   instances.c.deleted == 0).order_by(instances.c.uuid))
        return [{"name": name or "", "uuid": uuid} for name, uuid in rows]


def statistics(nodes: Sequence[dict[str, Any]]) -> dict[str, int]:
    """The sums Nova's ``/os-hypervisors/statistics`` shows."""
    totals = {field: sum(int(n[field]) for n in nodes) for field in STAT_FIELDS}
    totals["count"] = len(nodes)
    totals["free_ram_mb"] = totals["memory_mb"] - totals["memory_mb_used"]
    totals["free_disk_gb"] = totals["local_gb"] - totals["local_gb_used"]
    totals["current_workload"] = 0
    totals["disk_available_least"] = totals["free_disk_gb"]
    return totals
