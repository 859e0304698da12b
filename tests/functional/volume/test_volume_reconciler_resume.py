"""Kill-safety: volumes left ``creating`` or ``deleting`` are finished after a restart.

Each "process" is a VolumeService over the same SQLite file and data dir, with its own
engines and reconciler runtime. The first one is stopped while a backing file is being made
(the step is cancelled, as when the process dies); the second one's start-up resync finds
the unsettled volumes (``list_unsettled``) and finishes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import cloud_settings

from pocketstack.common.db import create_engine_for, upgrade
from pocketstack.common.settings import Settings
from pocketstack.volume.app import start_reconciler
from pocketstack.volume.db import MIGRATIONS
from pocketstack.volume.drivers import SparseFileBackend, VolumeBackend
from pocketstack.volume.drivers.base import BackendError
from pocketstack.volume.objects import types, volumes
from pocketstack.volume.objects.errors import NotFound
from pocketstack.volume.objects.rows import Volume
from pocketstack.volume.service import VolumeService

GIB = 1024**3


class HangingBackend(SparseFileBackend):
    """Sparse files, but making ``hang_on``'s file never finishes (the process dies there)."""

    def __init__(self, root: Path, hang_on: str | None = None) -> None:
        super().__init__(root)
        self.hang_on = hang_on
        self.hanging = asyncio.Event()

    async def ensure(self, volume_id: str, size_gib: int) -> None:
        if volume_id == self.hang_on:
            self.hanging.set()
            await asyncio.Event().wait()
        await super().ensure(volume_id, size_gib)


class FullDisk(SparseFileBackend):
    async def ensure(self, volume_id: str, size_gib: int) -> None:
        raise BackendError("No space left on device")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return cloud_settings(tmp_path)


@asynccontextmanager
async def process(
    settings: Settings, backend: VolumeBackend, *, reconcile: bool = True
) -> AsyncIterator[VolumeService]:
    """One volume-service process: engines, the default type, the reconciler if asked."""
    async with AsyncExitStack() as stack:
        engine = create_engine_for(settings.database_url("volume"))
        stack.push_async_callback(engine.dispose)
        await upgrade(engine, MIGRATIONS)
        svc = VolumeService.build(settings, engine, backend)
        stack.push_async_callback(svc.close)
        async with svc.writing() as conn:
            await types.ensure_default(conn)
        if reconcile:
            await start_reconciler(svc, stack, resync_interval=0.2)
        yield svc


async def create(svc: VolumeService, name: str, size: int = 1) -> Volume:
    """What POST /volumes does: record ``creating``, nudge, answer."""
    async with svc.writing() as conn:
        volume = await volumes.create(
            conn,
            project_id="p",
            user_id="u",
            name=name,
            description=None,
            size=size,
            volume_type=await types.get_default(conn),
            availability_zone="nova",
            metadata={},
        )
    svc.nudge(volume.id)
    return volume


async def mark_deleting(svc: VolumeService, volume_id: str) -> None:
    """What DELETE /volumes/{id} records before it answers 202."""
    async with svc.writing() as conn:
        await volumes.begin_delete(conn, await volumes.lock(conn, volume_id, None), force=False)


async def status_of(svc: VolumeService, volume_id: str) -> str | None:
    async with svc.reading() as conn:
        try:
            return (await volumes.get(conn, volume_id, None)).status
        except NotFound:
            return None


async def eventually(svc: VolumeService, volume_id: str, status: str | None) -> None:
    for _ in range(500):
        if await status_of(svc, volume_id) == status:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{volume_id} is {await status_of(svc, volume_id)}, not {status}")


async def test_a_volume_cut_off_while_creating_is_finished_after_restart(
    settings: Settings,
) -> None:
    root = settings.data_dir / "volumes"
    first_backend = HangingBackend(root)
    async with process(settings, first_backend) as first:
        done = await create(first, "done")
        await eventually(first, done.id, "available")
        first_backend.hang_on = (cut := await create(first, "cut")).id
        await asyncio.wait_for(first_backend.hanging.wait(), timeout=5)
        assert first.runtime is not None
        await first.runtime.stop(grace=0.05)  # the step is cancelled mid-way
        assert await status_of(first, cut.id) == "creating"
        assert not (root / f"{cut.id}.img").exists()
        async with first.reading() as conn:
            assert await volumes.list_unsettled(conn) == [cut.id]

    async with process(settings, SparseFileBackend(root)) as second:
        await eventually(second, cut.id, "available")
        assert (root / f"{cut.id}.img").stat().st_size == GIB
        assert await status_of(second, done.id) == "available"


async def test_a_volume_left_deleting_is_removed_after_restart(settings: Settings) -> None:
    root = settings.data_dir / "volumes"
    async with process(settings, SparseFileBackend(root)) as first:
        volume = await create(first, "doomed")
        await eventually(first, volume.id, "available")
    # DELETE was answered (the volume is ``deleting``), then the process died.
    async with process(settings, SparseFileBackend(root), reconcile=False) as dying:
        await mark_deleting(dying, volume.id)
    assert (root / f"{volume.id}.img").exists()

    async with process(settings, SparseFileBackend(root)) as second:
        await eventually(second, volume.id, None)
    assert not (root / f"{volume.id}.img").exists()


async def test_storage_that_refuses_for_good_puts_the_volume_in_error(settings: Settings) -> None:
    async with process(settings, FullDisk(settings.data_dir / "volumes")) as svc:
        volume = await create(svc, "too-big", size=10)
        await eventually(svc, volume.id, "error")
        async with svc.reading() as conn:
            found: Any = await volumes.get(conn, volume.id, None)
        assert found.status_reason == "No space left on device"
        async with svc.reading() as conn:
            assert await volumes.list_unsettled(conn) == []
