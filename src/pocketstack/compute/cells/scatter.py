"""Scatter-gather over cells: one task per cell, each under a timeout, each in its own
database session; a typed result per cell, so a failing cell is data, not an exception."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from pocketstack.compute.cells.registry import CellHandle

__all__ = ["CellResult", "scatter_gather"]

T = TypeVar("T")


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

    def unwrap(self) -> T:
        """The value; the cell's error (or ``TimeoutError``) raised again otherwise."""
        if self.timed_out:
            raise TimeoutError(f"cell {self.cell.name} did not answer in time")
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


async def _one(cell: CellHandle, work: Callable[[CellHandle], Awaitable[T]],
               timeout: float) -> CellResult[T]:  # noqa: ASYNC109 - per cell
    try:
        async with asyncio.timeout(timeout):
            return CellResult(cell, value=await work(cell))
    except TimeoutError:
        return CellResult(cell, timed_out=True)
    except Exception as error:  # a cell's failure is its result
        return CellResult(cell, error=error)


async def scatter_gather(cells: Sequence[CellHandle],
                         work: Callable[[CellHandle], Awaitable[T]], *,
                         timeout: float) -> dict[str, CellResult[T]]:  # noqa: ASYNC109
    """Run ``work(cell)`` on every cell at once; results by cell uuid, in ``cells`` order."""
    results = await asyncio.gather(*(_one(cell, work, timeout) for cell in cells))
    return {result.cell.uuid: result for result in results}
