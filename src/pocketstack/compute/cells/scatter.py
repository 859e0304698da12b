"""Scatter-gather over cells: one task per cell, each under a timeout, each in its own
database session; a typed result per cell, so a failing cell is data, not an exception.

A cell known to be down (:mod:`cells.health`) is not asked: its result is a
:class:`CellDown` error at once. A cell that times out or cannot be reached is marked down.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from pocketstack.compute.cells.health import CellDown, is_unreachable
from pocketstack.compute.cells.registry import CellHandle

__all__ = ["CellResult", "scatter_gather"]

T = TypeVar("T")

log = logging.getLogger("pocketstack.compute.cells")


@dataclasses.dataclass(frozen=True)
class CellResult(Generic[T]):
    """What one cell answered: a value, an error, or nothing in time."""

    cell: CellHandle
    value: T | None = None
    error: BaseException | None = None
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out

    @property
    def down(self) -> bool:
        """The cell could not be reached (known down, timed out, connection failed)."""
        return self.timed_out or (self.error is not None and is_unreachable(self.error))

    def unwrap(self) -> T:
        """The value; the cell's error (or ``TimeoutError``) raised again otherwise."""
        if self.timed_out:
            raise TimeoutError(f"cell {self.cell.name} did not answer in time")
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


def _marked_down(cell: CellHandle, reason: str) -> None:
    if cell.health.mark_down("db", reason):
        log.warning("cell %s (%s) is down: %s", cell.name, cell.uuid, reason)


async def _one(cell: CellHandle, work: Callable[[CellHandle], Awaitable[T]],
               timeout: float) -> CellResult[T]:  # noqa: ASYNC109 - per cell
    if cell.health.part_down("db"):
        return CellResult(cell, error=CellDown(cell.name, cell.health.reason))

    async def run() -> T:
        return await work(cell)

    # The work runs as its own task: on time-out it is cancelled and left to unwind in the
    # background (giving back a connection to a dead server can itself hang), never waited.
    task = asyncio.get_running_loop().create_task(run(), name=f"cell {cell.name}")
    try:
        done, _ = await asyncio.wait([task], timeout=timeout)
    except asyncio.CancelledError:
        task.cancel()
        cell.stragglers.add(task)
        task.add_done_callback(_forget(cell))
        raise
    if not done:
        task.cancel()
        cell.stragglers.add(task)
        task.add_done_callback(_forget(cell))
        _marked_down(cell, f"no answer within {timeout:g} s")
        return CellResult(cell, timed_out=True)
    error = task.exception()
    if error is None:
        return CellResult(cell, value=task.result())
    if is_unreachable(error):
        _marked_down(cell, f"{type(error).__name__}: {error}")
    return CellResult(cell, error=error)


def _forget(cell: CellHandle) -> Callable[[asyncio.Task[Any]], None]:
    def done(task: asyncio.Task[Any]) -> None:
        cell.stragglers.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: it was already counted as timed out

    return done


async def scatter_gather(cells: Sequence[CellHandle],
                         work: Callable[[CellHandle], Awaitable[T]], *,
                         timeout: float) -> dict[str, CellResult[T]]:  # noqa: ASYNC109
    """Run ``work(cell)`` on every cell at once; results by cell uuid, in ``cells`` order."""
    results = await asyncio.gather(*(_one(cell, work, timeout) for cell in cells))
    return {result.cell.uuid: result for result in results}
