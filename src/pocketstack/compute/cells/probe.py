"""The health probe: every ``[cells] recheck_interval`` seconds each cell marked down is
asked again (a ``SELECT 1`` on its database under ``[cells] timeout``); one that answers is
marked up, and the next request reads it in full again."""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa

from pocketstack.compute.cells.health import is_unreachable
from pocketstack.compute.cells.registry import CellHandle, CellRegistry

__all__ = ["probe_cell", "recheck_forever"]

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


async def recheck_forever(cells: CellRegistry, *, interval: float,
                          timeout: float) -> None:  # noqa: ASYNC109 - per probe
    """Probe the down cells every ``interval`` seconds, all at once."""
    while True:
        await asyncio.sleep(interval)
        down = [cell for cell in cells.all() if cell.health.part_down("db")]
        if down:
            await asyncio.gather(*(probe_cell(cell, timeout=timeout) for cell in down),
                                 return_exceptions=True)
