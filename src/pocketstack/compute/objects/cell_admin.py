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
from pocketstack.compute.db.api_models import cell_mappings, host_mappings, instance_mappings
from pocketstack.compute.db.cell_models import compute_nodes, instances

__all__ = [
    "CellAdminError",
    "create_cell",
    "delete_cell",
    "delete_host",
    "discover_hosts",
    "find_cell",
    "has_unmapped_hosts",
    "list_cells",
    "list_hosts",
    "map_cell0",
    "update_cell",
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


async def has_unmapped_hosts(cells: Sequence[CellHandle]) -> bool:
    """Whether a compute node of ``cells`` awaits its host mapping (reads only: the periodic
    discovery takes no write lock while there is nothing to map)."""
    for cell in cells:
        if cell.mapping.is_cell0:
            continue
        async with cell.reading() as conn:
            if (await conn.execute(sa.select(compute_nodes.c.id).where(
                    compute_nodes.c.mapped == 0, compute_nodes.c.deleted == 0).limit(1))
                    ).first() is not None:
                return True
    return False


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


async def update_cell(api: AsyncConnection, cell_uuid: str, *, name: str | None = None,
                      transport_url: str | None = None, database_connection: str | None = None,
                      disable: bool = False, enable: bool = False) -> CellMapping:
    """Change a mapping: exit 1 unknown cell, 3 URLs of another cell, 4 both enable and
    disable, 5 (en/dis)abling cell0."""
    if enable and disable:
        raise CellAdminError("Cell cannot be disabled and enabled at the same time.", 4)
    mapping = await find_cell(api, cell_uuid)
    if (enable or disable) and mapping.is_cell0:
        raise CellAdminError("Cell0 cannot be disabled or enabled.", 5)
    transport = transport_url or mapping.transport_url
    database = database_connection or mapping.database_connection
    for other in await read_mappings(api):
        if other.uuid != cell_uuid and (other.transport_url, other.database_connection) == (
                transport, database):
            raise CellAdminError("The specified transport_url and/or database_connection "
                                 f"combination already exists for another cell with uuid "
                                 f"{other.uuid}.", 3)
    values: dict[str, object] = {"transport_url": transport, "database_connection": database,
                                 "updated_at": _now()}
    if name is not None:
        values["name"] = name
    if enable or disable:
        values["disabled"] = disable
    await api.execute(sa.update(cell_mappings).where(cell_mappings.c.uuid == cell_uuid)
                      .values(**values))
    return await find_cell(api, cell_uuid)


async def list_hosts(api: AsyncConnection, cell_uuid: str | None = None
                     ) -> list[tuple[CellMapping, str]]:
    """(cell, host) for every host mapping, of one cell when given (exit 1: unknown)."""
    cells = {m.id: m for m in await read_mappings(api)}
    query = sa.select(host_mappings.c.cell_id, host_mappings.c.host).order_by(
        host_mappings.c.host)
    if cell_uuid is not None:
        query = query.where(host_mappings.c.cell_id == (await find_cell(api, cell_uuid)).id)
    return [(cells[row.cell_id], row.host) for row in await api.execute(query)]


async def _live_instances(cell: CellHandle, host: str | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(instances).where(instances.c.deleted == 0)
    if host is not None:
        query = query.where(instances.c.host == host)
    async with cell.reading() as conn:
        return int((await conn.execute(query)).scalar_one())


async def delete_cell(api: AsyncConnection, cell: CellHandle | None, cell_uuid: str, *,
                      force: bool = False) -> None:
    """Delete an empty cell mapping. Exit 1 unknown, 2 hosts mapped (no ``force``), 3 live
    instances, 4 only deleted instances' mappings remain (no ``force``). ``force`` also
    deletes the host mappings (un-marking the compute nodes) and those instance mappings."""
    mapping = await find_cell(api, cell_uuid)
    hosts = (await api.execute(sa.select(host_mappings.c.host).where(
        host_mappings.c.cell_id == mapping.id))).all()
    if hosts and not force:
        raise CellAdminError("There are existing hosts mapped to cell with uuid "
                             f"{cell_uuid}.", 2)
    if cell is not None and await _live_instances(cell):
        raise CellAdminError(f"There are existing instances mapped to cell with uuid "
                             f"{cell_uuid}.", 3)
    mapped = (await api.execute(sa.select(sa.func.count()).select_from(instance_mappings).where(
        instance_mappings.c.cell_id == mapping.id))).scalar_one()
    if mapped and not force:
        raise CellAdminError("There are instance mappings to cell with uuid "
                             f"{cell_uuid}, but all instances have been deleted in the cell.",
                             4)
    await api.execute(sa.delete(instance_mappings).where(
        instance_mappings.c.cell_id == mapping.id))
    await api.execute(sa.delete(host_mappings).where(host_mappings.c.cell_id == mapping.id))
    if hosts and cell is not None:
        async with cell.writing() as conn:
            await conn.execute(sa.update(compute_nodes).where(
                compute_nodes.c.host.in_([h.host for h in hosts])).values(mapped=0))
    await api.execute(sa.delete(cell_mappings).where(cell_mappings.c.id == mapping.id))


async def delete_host(api: AsyncConnection, cell: CellHandle | None, cell_uuid: str,
                      host: str) -> None:
    """Delete a host mapping. Exit 1 unknown cell, 2 unknown host, 3 host in another cell,
    4 host has instances."""
    mapping = await find_cell(api, cell_uuid)
    row = (await api.execute(sa.select(host_mappings.c.cell_id).where(
        host_mappings.c.host == host))).first()
    if row is None:
        raise CellAdminError(f"The host {host} could not be found.", 2)
    if row.cell_id != mapping.id:
        raise CellAdminError(f"The host {host} was not found in the cell {cell_uuid}.", 3)
    if cell is not None and await _live_instances(cell, host):
        raise CellAdminError(f"There are instances on the host {host}.", 4)
    await api.execute(sa.delete(host_mappings).where(host_mappings.c.host == host))
    if cell is not None:
        async with cell.writing() as conn:
            await conn.execute(sa.update(compute_nodes).where(compute_nodes.c.host == host)
                               .values(mapped=0))
