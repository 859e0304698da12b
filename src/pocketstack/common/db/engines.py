"""Async SQLAlchemy engines, one per named database, built in the lifespan and passed along."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool
from sqlalchemy.util.concurrency import await_, in_greenlet

from pocketstack.common.db.inline_async import InlineAsyncEngine
from pocketstack.common.db.inline_sqlite import InlineConnection, InlineDBAPI

__all__ = ["DatabaseRegistry", "begin_write", "create_engine_for", "create_sync_sqlite_engine"]

BUSY_TIMEOUT_S = 10.0  # SQLite's busy_timeout below, in seconds
INLINE_POOL_SIZE = 15  # idle connections an inline SQLite engine keeps (SQLAlchemy's: 5)
_WRITE_LOCK = "_pocketstack_write_lock"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    wait_ms = getattr(dbapi_connection, "busy_timeout_ms", int(BUSY_TIMEOUT_S * 1000))
    cursor.execute(f"PRAGMA busy_timeout={wait_ms}")
    cursor.close()


def _sqlite_manual_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves


def _sqlite_begin_immediate(conn: Any) -> None:
    # On the driver's connection (a whole SQLAlchemy execution for it costs more than it),
    # its errors wrapped as SQLAlchemy's would be ("database is locked" is transient).
    # An inline connection (``inline_async``) has begun it already, waiting on the loop.
    if conn.connection.driver_connection.in_transaction:
        return
    try:
        conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:
        raise sa.exc.DBAPIError.instance("BEGIN IMMEDIATE", (), error, sqlite3.Error) from error


def _terminate(dbapi_connection: Any) -> None:
    """Terminate a connection: an inline one (``inline_sqlite``) is closed; an aiosqlite
    one is closed and its thread waited for.

    SQLAlchemy's own terminate runs the close in a shielded task and, when the caller is
    cancelled, stops the thread at once; the shielded close, queued behind the stop, then
    waits for a thread that is gone and hangs the loop's shutdown. Here the close is awaited
    in the caller: cancelled, ``aiosqlite``'s ``close()`` still stops the thread and waits for
    it in its ``finally``. A connection whose thread is already stopping is left to it.
    """
    if isinstance(dbapi_connection, InlineConnection):
        dbapi_connection.terminate()
        return
    inner = dbapi_connection._connection
    if in_greenlet() and inner._running:
        await_(inner.close())
    else:
        dbapi_connection._terminate_force_close()


def create_engine_for(url: str, *, immediate: bool = False, **options: Any) -> AsyncEngine:
    """An engine for ``url``; SQLite files get their directory, WAL and foreign keys.

    ``immediate``: on SQLite every transaction starts with ``BEGIN IMMEDIATE`` (takes the
    write lock up front), for read-decide-write transactions that must not deadlock on the
    upgrade from a read lock. Other engines ignore it (they lock rows).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        on_file = bool(parsed.database) and parsed.database != ":memory:"
        if on_file:
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        inline = parsed.get_driver_name() == "aiosqlite" and "module" not in options
        if inline:  # run in the loop's thread: inline_sqlite, inline_async
            options["module"] = InlineDBAPI(aiosqlite)
        if options.pop("null_pool", False):
            options["poolclass"] = NullPool
        elif inline and on_file:  # keep what a burst opens: a connection costs 5 statements
            options.setdefault("pool_size", INLINE_POOL_SIZE)
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if engine.dialect.has_terminate:
            setattr(engine.dialect, "do_terminate", _terminate)  # noqa: B010
        if immediate:
            event.listen(engine.sync_engine, "connect", _sqlite_manual_transactions)
            event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
            setattr(engine.sync_engine, _WRITE_LOCK, asyncio.Lock())
        return InlineAsyncEngine(engine.sync_engine, immediate=immediate) if inline else engine
    options.setdefault("pool_pre_ping", True)
    if parsed.get_backend_name() == "mysql":
        options.setdefault("pool_recycle", 3600)
    return create_async_engine(url, **options)


@asynccontextmanager
async def begin_write(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One write transaction on ``engine``; on an ``immediate`` SQLite engine, after the
    other writers of this process.

    SQLite lets one writer in at a time and makes the others poll with growing sleeps; a
    burst of writers starves some past the busy timeout ("database is locked"). Queued on an
    asyncio lock instead, they go one after another. A writer that waited the whole busy
    timeout goes on to SQLite's own wait, as it would without the lock (another process, or
    two databases locked in opposite orders, never hangs here).
    """
    lock: asyncio.Lock | None = getattr(engine.sync_engine, _WRITE_LOCK, None)
    held = False
    if lock is not None:
        try:
            async with asyncio.timeout(BUSY_TIMEOUT_S):
                await lock.acquire()
            held = True
        except TimeoutError:
            pass
    try:
        async with engine.begin() as conn:
            yield conn
    finally:
        if held and lock is not None:
            lock.release()


def create_sync_sqlite_engine(url: str, *, immediate: bool = False) -> sa.Engine:
    """A synchronous (pysqlite) engine on the SQLite file of ``url``, with the pragmas and
    ``immediate`` transactions of :func:`create_engine_for`.

    For work that runs a whole transaction in one worker thread (each statement through
    aiosqlite is a round trip between threads); its connections may move between threads
    but are used by one at a time (the pool's).
    """
    parsed = make_url(url).set(drivername="sqlite+pysqlite")
    engine = sa.create_engine(parsed, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    if immediate:
        event.listen(engine, "connect", _sqlite_manual_transactions)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


@dataclasses.dataclass
class _Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


class DatabaseRegistry:
    """Named databases (``identity``, later ``placement``, ``compute_api``, cells...)."""

    def __init__(self) -> None:
        self._databases: dict[str, _Database] = {}

    def add(self, name: str, url: str, **options: Any) -> AsyncEngine:
        if name in self._databases:
            raise ValueError(f"database {name!r} is already registered")
        engine = create_engine_for(url, **options)
        self._databases[name] = _Database(
            engine, async_sessionmaker(engine, expire_on_commit=False)
        )
        return engine

    def engine(self, name: str) -> AsyncEngine:
        return self._databases[name].engine

    def sessions(self, name: str) -> async_sessionmaker[AsyncSession]:
        return self._databases[name].sessions

    def names(self) -> list[str]:
        return list(self._databases)

    async def dispose(self) -> None:
        for database in self._databases.values():
            await database.engine.dispose()
        self._databases.clear()
