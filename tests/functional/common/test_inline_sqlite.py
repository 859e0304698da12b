"""SQLite through the async engines runs in the loop's thread, straight from the calling
coroutine, and a wait for a lock that another connection holds (or for a connection of a
full pool) sleeps on the loop (the loop keeps serving) up to the busy timeout, as SQLite's
own wait would."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util.concurrency import in_greenlet

from pocketstack.common.db import begin_write, create_engine_for, inline_sqlite
from pocketstack.common.db.engines import INLINE_POOL_SIZE
from pocketstack.common.db.inline_async import InlineAsyncEngine

_log = sa.Table("log", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("writer", sa.Integer, nullable=False))


async def _ticks_while(work: asyncio.Future[object] | asyncio.Task[object]) -> int:
    """How many times the loop ran another task while ``work`` was running."""
    ticks = 0
    while not work.done():
        await asyncio.sleep(0.01)
        ticks += 1
    await work
    return ticks


@contextlib.asynccontextmanager
async def _logged(path: Path, **options: Any) -> AsyncIterator[AsyncEngine]:
    """An inline engine (``immediate``) on ``path`` with the log table, disposed after."""
    engine = create_engine_for(f"sqlite+aiosqlite:///{path}", immediate=True, **options)
    try:
        async with begin_write(engine) as conn:
            await conn.run_sync(_log.metadata.create_all)
        yield engine
    finally:
        await engine.dispose()


def _locked_elsewhere(path: Path) -> sqlite3.Connection:
    """Another connection (as another process would) holding the write lock of ``path``."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def _writers(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(_log.c.writer).order_by(_log.c.id)))
                    .scalars())


async def test_statements_run_without_a_thread_per_connection(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite+aiosqlite:///{tmp_path / 'i.sqlite'}", immediate=True)
    try:
        before = threading.active_count()
        async with begin_write(engine) as conn:
            await conn.run_sync(_log.metadata.create_all)
            await conn.execute(sa.insert(_log), [{"writer": n} for n in range(3)])
            driver: object = (await conn.get_raw_connection()).dbapi_connection
            assert isinstance(driver, inline_sqlite.InlineConnection)
        async with engine.connect() as conn:
            assert (await conn.scalar(sa.select(sa.func.count()).select_from(_log))) == 3
            result = await conn.execute(sa.update(_log).where(_log.c.writer > 0)
                                        .values(writer=9))
            assert result.rowcount == 2
            await conn.rollback()
        assert threading.active_count() == before
    finally:
        await engine.dispose()


async def test_a_writer_waits_for_another_connections_lock_on_the_loop(
        tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    async with _logged(path) as engine:
        other = _locked_elsewhere(path)
        other.execute("INSERT INTO log (writer) VALUES (1)")

        async def write() -> None:
            async with begin_write(engine) as conn:
                await conn.execute(sa.insert(_log).values(writer=2))

        started = time.monotonic()
        writing = asyncio.ensure_future(write())
        asyncio.get_running_loop().call_later(0.3, other.execute, "COMMIT")
        ticks = await _ticks_while(writing)
        assert 0.25 < time.monotonic() - started < 5
        assert ticks >= 10  # the loop ran other work while the writer waited
        assert await _writers(engine) == [1, 2]
        other.close()


async def test_a_lock_held_past_the_busy_timeout_is_database_is_locked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inline_sqlite, "WAIT_S", 0.2)
    path = tmp_path / "i.sqlite"
    async with _logged(path) as engine:
        other = _locked_elsewhere(path)
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError, match="database is locked"):
            async with begin_write(engine) as conn:
                await conn.execute(sa.insert(_log).values(writer=2))
        assert 0.15 < time.monotonic() - started < 3
        other.execute("ROLLBACK")
        other.close()
        async with begin_write(engine) as conn:  # the pool's connection still works
            await conn.execute(sa.insert(_log).values(writer=3))


async def test_statements_run_straight_from_the_coroutine_without_a_greenlet(
        tmp_path: Path) -> None:
    """Connect, begin, each statement, commit and close of an inline engine run in the
    caller's coroutine (``inline_async``); a SQL function sees no greenlet around it."""
    engine = create_engine_for(f"sqlite+aiosqlite:///{tmp_path / 'i.sqlite'}", immediate=True)
    seen: list[bool] = []

    def _probe() -> int:
        seen.append(in_greenlet())
        return 1

    def _register(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.create_function("probe", 0, _probe)  # type: ignore[attr-defined]

    sa.event.listen(engine.sync_engine, "connect", _register)
    try:
        assert isinstance(engine, InlineAsyncEngine)
        async with begin_write(engine) as conn:
            await conn.run_sync(_log.metadata.create_all)
        async with begin_write(engine) as conn:
            await conn.execute(sa.insert(_log).values(writer=sa.func.probe()))
        async with engine.connect() as conn:
            assert await conn.scalar(sa.select(sa.func.probe())) == 1
            assert (await conn.execute(sa.select(_log.c.writer))).scalars().all() == [1]
        assert seen == [False, False]
    finally:
        await engine.dispose()


async def test_statements_without_begin_take_the_write_lock_waiting_on_the_loop(
        tmp_path: Path) -> None:
    """On an ``immediate`` engine a statement outside ``begin()`` begins the transaction
    itself (BEGIN IMMEDIATE), waiting on the loop for another connection's lock."""
    path = tmp_path / "i.sqlite"
    async with _logged(path) as engine:
        other = _locked_elsewhere(path)

        async def write() -> None:
            async with engine.connect() as conn:
                await conn.execute(sa.insert(_log).values(writer=2))
                await conn.commit()

        writing = asyncio.ensure_future(write())
        await asyncio.sleep(0.2)
        assert not writing.done()
        other.execute("INSERT INTO log (writer) VALUES (1)")
        other.execute("COMMIT")
        await writing
        assert await _writers(engine) == [1, 2]
        other.close()


async def test_a_writer_cancelled_while_waiting_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    async with _logged(path, pool_size=1, max_overflow=0) as engine:
        other = _locked_elsewhere(path)

        async def write() -> None:
            async with begin_write(engine) as conn:
                await conn.execute(sa.insert(_log).values(writer=2))

        writing = asyncio.ensure_future(write())
        await asyncio.sleep(0.1)
        writing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await writing
        other.execute("ROLLBACK")
        other.close()
        async with begin_write(engine) as conn:  # the pool's one connection is free and idle
            await conn.execute(sa.insert(_log).values(writer=3))
        assert await _writers(engine) == [3]


async def test_a_connection_waits_on_the_loop_for_a_full_pool(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite+aiosqlite:///{tmp_path / 'i.sqlite'}",
                               pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as first:
            await first.execute(sa.select(sa.literal(1)))

            async def second() -> int:
                async with engine.connect() as conn:
                    return int(await conn.scalar(sa.select(sa.literal(2))) or 0)

            waiting = asyncio.ensure_future(second())
            await asyncio.sleep(0.05)
            assert not waiting.done()
        assert await waiting == 2
    finally:
        await engine.dispose()


async def test_a_failed_statement_keeps_the_transaction(tmp_path: Path) -> None:
    """An error (not a lock) rolls back only when the block ends with it, as before."""
    async with _logged(tmp_path / "i.sqlite") as engine:
        with pytest.raises(sa.exc.IntegrityError):
            async with begin_write(engine) as conn:
                await conn.execute(sa.insert(_log).values(id=1, writer=1))
                await conn.execute(sa.insert(_log).values(id=1, writer=2))
        async with begin_write(engine) as conn:
            await conn.execute(sa.insert(_log).values(id=1, writer=1))
            with pytest.raises(sa.exc.IntegrityError):
                await conn.execute(sa.insert(_log).values(id=1, writer=2))
            await conn.execute(sa.insert(_log).values(id=2, writer=2))
        assert await _writers(engine) == [1, 2]


async def test_connections_a_burst_opened_are_kept_for_the_next(tmp_path: Path) -> None:
    """An inline engine keeps up to ``INLINE_POOL_SIZE`` idle connections: a second burst
    as wide as the first opens none (each new one costs its pragmas)."""
    engine = create_engine_for(f"sqlite+aiosqlite:///{tmp_path / 'i.sqlite'}")
    opened: list[object] = []
    sa.event.listen(engine.sync_engine, "connect", lambda conn, _: opened.append(conn))

    async def burst() -> None:
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(INLINE_POOL_SIZE):
                conn = await stack.enter_async_context(engine.connect())
                await conn.execute(sa.select(sa.literal(1)))

    try:
        await burst()
        assert len(opened) == INLINE_POOL_SIZE
        await burst()
        assert len(opened) == INLINE_POOL_SIZE
    finally:
        await engine.dispose()
