"""Compute services as the cells record them (each host agent's ``services`` row in its cell
database): gathered from every cell, enabled/disabled/forced down, deleted; up or down from
the last heartbeat."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.cells import CellHandle
from pocketstack.compute.cells.scatter import scatter_gather
from pocketstack.compute.db.api_models import aggregate_hosts, host_mappings
from pocketstack.compute.db.cell_models import compute_nodes, instances, services
from pocketstack.compute.objects.instances import now

__all__ = [
    "API_ONLY",
    "ServiceInUse",
    "ServiceNotFound",
    "delete_service",
    "find_service",
    "gather_services",
    "is_up",
    "now",
    "services_by_cell",
    "update_service",
]

API_ONLY = frozenset({"nova-osapi_compute", "nova-metadata"})


class ServiceNotFound(LookupError):
    def __init__(self, service_id: str) -> None:
        super().__init__(f"Service {service_id} could not be found.")


class ServiceInUse(Exception):
    def __init__(self) -> None:
        super().__init__("Unable to delete compute service that is hosting instances. "
                         "Migrate or delete the instances first.")


def is_up(service: dict[str, Any], moment: datetime.datetime, down_time: float) -> bool:
    """Up unless forced down or silent for longer than ``down_time`` seconds."""
    if service["forced_down"]:
        return False
    seen = service["last_seen_up"] or service["updated_at"] or service["created_at"]
    return seen is not None and (moment - seen).total_seconds() <= down_time


async def _cell_services(cell: CellHandle) -> list[dict[str, Any]]:
    async with cell.reading() as conn:
        rows = await conn.execute(sa.select(services).where(services.c.deleted == 0)
                                  .order_by(services.c.host, services.c.binary))
        return [{**row, "cell_uuid": cell.uuid} for row in rows.mappings()]


async def services_by_cell(cells: Sequence[CellHandle], *, within: float
                           ) -> tuple[list[dict[str, Any]], list[CellHandle]]:
    """Every cell's services (API-only ones left out), and the cells that failed or did not
    answer within ``within`` seconds (their services are not in the list)."""
    results = await scatter_gather(cells, _cell_services, timeout=within)
    found = [service for result in results.values() if result.ok
             for service in result.unwrap() if service["binary"] not in API_ONLY]
    return found, [result.cell for result in results.values() if not result.ok]


async def gather_services(cells: Sequence[CellHandle], *,
                          within: float) -> list[dict[str, Any]]:
    """Every cell's services; a cell that fails or is late is skipped."""
    return (await services_by_cell(cells, within=within))[0]


async def find_service(cells: Sequence[CellHandle], service_id: str, *,
                       within: float) -> tuple[CellHandle, dict[str, Any]]:
    for service in await gather_services(cells, within=within):
        if service["uuid"] == service_id or str(service["id"]) == service_id:
            return next(c for c in cells if c.uuid == service["cell_uuid"]), service
    raise ServiceNotFound(service_id)


async def update_service(cell: CellHandle, service_uuid: str,
                         changes: dict[str, Any]) -> dict[str, Any]:
    async with cell.writing() as conn:
        await conn.execute(sa.update(services).where(services.c.uuid == service_uuid)
                           .values(**changes))
        row = (await conn.execute(sa.select(services).where(services.c.uuid == service_uuid))
               ).mappings().one()
    return {**row, "cell_uuid": cell.uuid}


async def delete_service(api: AsyncConnection, cell: CellHandle,
                         service: dict[str, Any]) -> None:
    """Soft-delete the service and its compute nodes; a compute's host leaves its host
    mapping and aggregates. 409 while it hosts instances."""
    moment = now()
    async with cell.writing() as conn:
        if service["binary"] == "nova-compute":
            busy = (await conn.execute(sa.select(sa.func.count()).select_from(instances).where(
                instances.c.host == service["host"], instances.c.deleted == 0))).scalar_one()
            if busy:
                raise ServiceInUse()
            await conn.execute(sa.update(compute_nodes).where(
                compute_nodes.c.service_id == service["id"], compute_nodes.c.deleted == 0)
                .values(deleted=compute_nodes.c.id, deleted_at=moment))
        await conn.execute(sa.update(services).where(services.c.id == service["id"])
                           .values(deleted=services.c.id, deleted_at=moment))
    if service["binary"] == "nova-compute":
        await api.execute(sa.delete(host_mappings).where(host_mappings.c.host == service["host"]))
        await api.execute(sa.delete(aggregate_hosts).where(
            aggregate_hosts.c.host == service["host"]))
