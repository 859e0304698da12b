"""Writers of one SQLite database in this process go one after another, in arrival order,
instead of polling SQLite's lock; one kept waiting past the busy timeout goes on to SQLite."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from pocketstack.common.db import begin_write, create_engine_for
from pocketstack.common.db import engines as engines_module

_log = sa.Table("log", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("writer", sa.Integer, nullable=False))


async def test_writers_commit_in_arrival_order(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite+aiosqlite:///{tmp_path / 'w.sqlite'}", immediate=True)
    try:
        async with begin_write(engine) as conn:
            await conn.run_sync(_log.metadata.create_all)

        async def writer(number: int) -> None:
            async with begin_write(engine) as conn:
                await asyncio.sleep(0.005)  # hold the transaction across an await
                await conn.execute(sa.insert(_log).values(writer=number))

        tasks = []
        for number in range(20):
            tasks.append(asyncio.create_task(writer(number)))
            await asyncio.sleep(0)  # each one queues before the next arrives
        await asyncio.gather(*tasks)
        async with engine.connect() as conn:
            order = (await conn.execute(sa.select(_log.c.writer).order_by(_log.c.id))).scalars()
            assert list(order) == list(range(20))
    finally:
        await engine.dispose()


async def test_a_writer_waits_no_longer_than_the_busy_timeout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines_module, "BUSY_TIMEOUT_S", 0.2)
    engine = create_engine_for(f"sqlite+aiosqlite:///{tmp_path / 'w.sqlite'}", immediate=True)
    try:
        lock = getattr(engine.sync_engine, engines_module._WRITE_LOCK)
        await lock.acquire()  # a writer of this process that never finishes
        started = time.monotonic()
        async with begin_write(engine) as conn:  # SQLite itself is free: it goes on
            await conn.run_sync(_log.metadata.create_all)
        assert 0.15 < time.monotonic() - started < 5
        lock.release()
        async with begin_write(engine) as conn:
            await conn.execute(sa.insert(_log).values(writer=1))
    finally:
        await engine.dispose()
