"""Cell mappings, and a handle on each cell: its database engines and its bus URL.

The registry is built in the lifespan and refreshed from ``cell_mappings`` (at start, after a
``pocketstack cell`` change is noticed, on demand); it is the process's one place that opens
cell databases. Nothing here is global: two registries (two processes, two tests) share
nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pocketstack.common.db import ReadWrite, create_engine_for, upgrade
from pocketstack.compute.cells.faults import CellFaults
from pocketstack.compute.cells.health import CellHealth
from pocketstack.compute.db import CELL_MIGRATIONS
from pocketstack.compute.db.api_models import cell_mappings

__all__ = ["CELL0_NAME", "CELL0_UUID", "CellHandle", "CellMapping", "CellNotFound", "CellRegistry"]

CELL0_UUID = "00000000-0000-0000-0000-000000000000"
CELL0_NAME = "cell0"
CELL0_TRANSPORT = "none:///"


class CellNotFound(LookupError):
    """No cell mapping has that uuid (or id)."""


@dataclasses.dataclass(frozen=True)
class CellMapping:
    id: int
    uuid: str
    name: str
    transport_url: str
    database_connection: str
    disabled: bool

    @property
    def is_cell0(self) -> bool:
        return self.uuid == CELL0_UUID

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> CellMapping:
        return cls(row.id, row.uuid, row.name or "", row.transport_url,
                   row.database_connection, bool(row.disabled))


@dataclasses.dataclass
class CellHandle(ReadWrite):
    """One cell as this process reaches it: reads on ``engine``, writes on ``writer``
    (``reading()`` and ``writing()`` as every service's), and whether it is reachable."""

    mapping: CellMapping
    engine: AsyncEngine
    writer: AsyncEngine
    health: CellHealth = dataclasses.field(default_factory=CellHealth)
    # Reads that timed out, cancelled and still unwinding (closed with the cell).
    stragglers: set[asyncio.Task[Any]] = dataclasses.field(default_factory=set)

    @property
    def uuid(self) -> str:
        return self.mapping.uuid

    @property
    def name(self) -> str:
        return self.mapping.name

    async def close(self) -> None:
        stragglers = list(self.stragglers)
        for task in stragglers:
            task.cancel()
        await asyncio.gather(*stragglers, return_exceptions=True)
        await self.engine.dispose()
        await self.writer.dispose()


def open_cell(mapping: CellMapping, url: str | None = None) -> CellHandle:
    """The cell's engines on ``url`` (its mapping's database, or a proxy in front of it)."""
    url = url or mapping.database_connection
    options: dict[str, Any] = {}
    if make_url(url).get_backend_name() != "sqlite":
        options["isolation_level"] = "READ COMMITTED"
    return CellHandle(mapping, create_engine_for(url),
                      create_engine_for(url, immediate=True, **options))


async def read_mappings(conn: AsyncConnection) -> list[CellMapping]:
    rows = await conn.execute(sa.select(cell_mappings).order_by(cell_mappings.c.name))
    return [CellMapping.from_row(row) for row in rows]


class CellRegistry:
    """The cells of this deployment, cell0 first then by name, each opened once."""

    def __init__(self, faults: CellFaults | None = None) -> None:
        self._cells: dict[str, CellHandle] = {}
        self.faults = faults  # set: networked cells are reached through fault proxies

    async def refresh(self, api: AsyncConnection, *, migrate: bool = False) -> None:
        """Re-read the mappings: open new cells (migrating their databases when asked),
        reopen those whose database moved, close those that were deleted."""
        mappings = {m.uuid: m for m in await read_mappings(api)}
        for uuid, handle in list(self._cells.items()):
            mapping = mappings.get(uuid)
            if mapping is None or mapping.database_connection != (
                    handle.mapping.database_connection):
                del self._cells[uuid]
                await handle.close()
            else:
                handle.mapping = mapping
        for uuid, mapping in mappings.items():
            if uuid not in self._cells:
                url = mapping.database_connection
                if self.faults is not None:
                    url = await self.faults.database_url(uuid, mapping.name, url)
                handle = open_cell(mapping, url)
                if migrate:
                    await upgrade(handle.writer, CELL_MIGRATIONS)
                self._cells[uuid] = handle

    def get(self, uuid: str) -> CellHandle:
        try:
            return self._cells[uuid]
        except KeyError:
            raise CellNotFound(f"Cell {uuid} has no mapping.") from None

    def by_id(self, cell_id: int) -> CellHandle:
        for handle in self._cells.values():
            if handle.mapping.id == cell_id:
                return handle
        raise CellNotFound(f"Cell with id {cell_id} has no mapping.")

    def all(self) -> Sequence[CellHandle]:
        """Every cell, cell0 included (lists and shows scatter over these)."""
        return sorted(self._cells.values(),
                      key=lambda h: (not h.mapping.is_cell0, h.mapping.name, h.uuid))

    def computes(self) -> Sequence[CellHandle]:
        """The cells that can hold hosts (all but cell0), enabled or not."""
        return [h for h in self.all() if not h.mapping.is_cell0]

    def enabled(self) -> Sequence[CellHandle]:
        """The cells the scheduler may place instances in."""
        return [h for h in self.computes() if not h.mapping.disabled]

    def cell0(self) -> CellHandle:
        return self.get(CELL0_UUID)

    async def close(self) -> None:
        """Close every cell; the fault proxies first, so that nothing still waiting on a
        cut connection can hold the shutdown up (their connections are reset)."""
        if self.faults is not None:
            await self.faults.close()
        cells, self._cells = list(self._cells.values()), {}
        for handle in cells:
            await handle.close()
