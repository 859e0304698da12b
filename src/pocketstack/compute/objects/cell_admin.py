"""Cell administration, the ``nova-manage cell_v2`` equivalents, on the API database.

Each function takes an open API-database connection (a transaction for writes) and raises
:class:`CellAdminError` with the exit code upstream's command answers with.
"""

from __future__ import annotations

import datetime
import uuid as uuidlib
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.cells.registry import (
    CELL0_NAME,
    CELL0_TRANSPORT,
    CELL0_UUID,
    CellHandle,
    CellMapping,
    read_mappings,
)
from pocketstack.compute.db.api_models import cell_mappings, host_mappings
from pocketstack.compute.db.cell_models import compute_nodes

__all__ = [
    "CellAdminError",
    "create_cell",
    "discover_hosts",
    "find_cell",
    "list_cells",
    "map_cell0",
]


class CellAdminError(Exception):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


async def list_cells(api: AsyncConnection) -> list[CellMapping]:
    return await read_mappings(api)


async def find_cell(api: AsyncConnection, cell_uuid: str) -> CellMapping:
    for mapping in await read_mappings(api):
        if mapping.uuid == cell_uuid:
            return mapping
    raise CellAdminError(f"Cell with uuid {cell_uuid} was not found.", 1)


async def map_cell0(api: AsyncConnection, database_connection: str) -> CellMapping:
    """The cell0 mapping, created if missing (exit 0 either way, as upstream)."""
    for mapping in await read_mappings(api):
        if mapping.is_cell0:
            return mapping
    await api.execute(sa.insert(cell_mappings).values(
        uuid=CELL0_UUID, name=CELL0_NAME, transport_url=CELL0_TRANSPORT,
        database_connection=database_connection, disabled=False, created_at=_now()))
    return await find_cell(api, CELL0_UUID)


async def create_cell(api: AsyncConnection, *, name: str | None, transport_url: str,
                      database_connection: str, disabled: bool = False) -> CellMapping:
    """A new cell mapping; exit 1 without URLs, 2 when another cell has the same pair."""
    if not transport_url:
        raise CellAdminError("Must specify --transport-url if [DEFAULT]/transport_url is not "
                             "set in the configuration file.", 1)
    if not database_connection:
        raise CellAdminError("Must specify --database_connection if [database]/connection is "
                             "not set in the configuration file.", 1)
    for mapping in await read_mappings(api):
        if (mapping.transport_url == transport_url
                and mapping.database_connection == database_connection):
            raise CellAdminError("The specified transport_url and/or database_connection "
                                 "combination already exists for another cell with uuid "
                                 f"{mapping.uuid}.", 2)
    cell_uuid = str(uuidlib.uuid4())
    await api.execute(sa.insert(cell_mappings).values(
        uuid=cell_uuid, name=name, transport_url=transport_url,
        database_connection=database_connection, disabled=disabled, created_at=_now()))
    return await find_cell(api, cell_uuid)


async def discover_hosts(api: AsyncConnection, cells: Sequence[CellHandle]) -> list[str]:
    """Map every compute node of ``cells`` not yet mapped; the hosts newly mapped.

    A host already mapped to another cell is a collision (exit 2, safe to retry).
    """
    found: list[str] = []
    for cell in cells:
        if cell.mapping.is_cell0:
            continue
        async with cell.writing() as conn:
            rows = (await conn.execute(sa.select(compute_nodes.c.id, compute_nodes.c.host).where(
                compute_nodes.c.mapped == 0, compute_nodes.c.deleted == 0))).all()
            for row in rows:
                existing = (await api.execute(sa.select(host_mappings.c.cell_id).where(
                    host_mappings.c.host == row.host))).first()
                if existing is None:
                    await api.execute(sa.insert(host_mappings).values(
                        cell_id=cell.mapping.id, host=row.host, created_at=_now()))
                    found.append(row.host)
                elif existing.cell_id != cell.mapping.id:
                    raise CellAdminError(f"Host {row.host} is already mapped to another cell.",
                                         2)
                await conn.execute(sa.update(compute_nodes).where(
                    compute_nodes.c.id == row.id).values(mapped=1))
    return found
