"""Cell health: scatter-gather marks a cell down when it cannot be reached, answers for a
known-down cell at once, and the probe brings it back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from pocketstack.compute.cells.health import CellDown, is_unreachable
from pocketstack.compute.cells.probe import probe_cell
from pocketstack.compute.cells.registry import CellHandle, CellMapping, open_cell
from pocketstack.compute.cells.scatter import scatter_gather


@pytest.fixture
async def cell() -> AsyncIterator[CellHandle]:
    handle = open_cell(CellMapping(1, "c1", "cell1", "none:///", "sqlite+aiosqlite://",
                                   False))
    yield handle
    await handle.close()


async def test_an_unreachable_cell_is_marked_down_and_not_asked_again(cell: CellHandle) -> None:
    calls = 0

    async def refused(_: CellHandle) -> int:
        nonlocal calls
        calls += 1
        raise ConnectionRefusedError("connection refused")

    first = (await scatter_gather([cell], refused, timeout=1.0))[cell.uuid]
    assert first.down and not first.ok
    assert cell.health.is_down and "ConnectionRefusedError" in cell.health.reason

    second = (await scatter_gather([cell], refused, timeout=1.0))[cell.uuid]
    assert isinstance(second.error, CellDown) and second.down
    assert calls == 1, "a known-down cell is not asked"


async def test_a_slow_cell_times_out_then_costs_nothing(cell: CellHandle) -> None:
    async def hangs(_: CellHandle) -> int:
        await asyncio.sleep(30)
        return 1

    started = time.monotonic()
    first = (await scatter_gather([cell], hangs, timeout=0.2))[cell.uuid]
    assert first.timed_out and first.down
    assert time.monotonic() - started < 1.0
    started = time.monotonic()
    second = (await scatter_gather([cell], hangs, timeout=0.2))[cell.uuid]
    assert second.down and time.monotonic() - started < 0.05


async def test_an_answer_that_is_an_error_does_not_mark_the_cell_down(
        cell: CellHandle) -> None:
    async def missing(_: CellHandle) -> int:
        raise LookupError("instance not found")

    result = (await scatter_gather([cell], missing, timeout=1.0))[cell.uuid]
    assert isinstance(result.error, LookupError) and not result.down
    assert not cell.health.is_down


async def test_the_probe_brings_a_reachable_cell_back(cell: CellHandle) -> None:
    cell.health.mark_down("db", "blackholed")
    before = cell.health.since
    assert await probe_cell(cell, timeout=1.0)
    assert not cell.health.is_down and cell.health.reason == ""
    assert cell.health.since >= before


def test_locks_are_not_unreachability() -> None:
    import sqlalchemy.exc

    locked = sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("database is locked"))
    refused = sqlalchemy.exc.OperationalError("SELECT 1", {}, OSError("Connect call failed"))
    assert not is_unreachable(locked)
    assert is_unreachable(refused)
