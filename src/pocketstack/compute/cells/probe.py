"""The health probe: every ``[cells] recheck_interval`` seconds each cell marked down is
asked again under ``[cells] timeout`` — a ``SELECT 1`` on its database, a fresh connection
to its bus — and a part that answers is marked up (the next request reads it in full)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import sqlalchemy as sa

from pocketstack.common.bus import BusUnavailable, probe_bus
from pocketstack.compute.cells.health import is_unreachable
from pocketstack.compute.cells.registry import CellHandle, CellRegistry

__all__ = ["BusUrl", "probe_cell", "probe_cell_bus", "recheck_forever"]

BusUrl = Callable[[CellHandle], Awaitable[str]]

log = logging.getLogger("pocketstack.compute.cells")


async def probe_cell(cell: CellHandle, *, timeout: float) -> bool:  # noqa: ASYNC109
    """Whether the cell's database answers now; its health is updated either way."""
    try:
        async with asyncio.timeout(timeout):
            async with cell.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
    except Exception as error:
        if not is_unreachable(error):
            raise
        cell.health.mark_down("db", f"{type(error).__name__}: {error}" if not isinstance(
            error, TimeoutError) else f"no answer within {timeout:g} s")
        return False
    if cell.health.mark_up("db"):
        log.warning("cell %s (%s) is up again", cell.name, cell.uuid)
    return True


async def probe_cell_bus(cell: CellHandle, url: str, *,
                         timeout: float) -> bool:  # noqa: ASYNC109
    """Whether the cell's bus takes a connection now; its health is updated either way."""
    try:
        await probe_bus(url, timeout=timeout)
    except BusUnavailable as error:
        cell.health.mark_down("bus", str(error))
        return False
    if cell.health.mark_up("bus"):
        log.warning("the bus of cell %s (%s) is up again", cell.name, cell.uuid)
    return True


async def recheck_forever(cells: CellRegistry, bus_url: BusUrl, *, interval: float,
                          timeout: float) -> None:  # noqa: ASYNC109 - per probe
    """Probe the down parts of the cells every ``interval`` seconds, all at once."""
    while True:
        await asyncio.sleep(interval)
        probes = [probe_cell(cell, timeout=timeout) for cell in cells.all()
                  if cell.health.part_down("db")]
        probes += [probe_cell_bus(cell, await bus_url(cell), timeout=timeout)
                   for cell in cells.all() if cell.health.part_down("bus")]
        if probes:
            await asyncio.gather(*probes, return_exceptions=True)
