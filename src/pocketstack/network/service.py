"""The network service's parts, built once in the lifespan and handed to every handler."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pocketstack.common.db import create_engine_for
from pocketstack.common.policy import Enforcer
from pocketstack.common.settings import Settings
from pocketstack.network.objects.errors import Conflict
from pocketstack.network.policies import RULES

__all__ = ["Network"]

T = TypeVar("T")

WRITE_ATTEMPTS = 10
_RETRY_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock
_RETRY_MYSQL_ERRORS = frozenset({1205, 1213})  # lock wait timeout, deadlock


def _worth_retrying(error: DBAPIError) -> bool:
    """A conflict with another transaction (not bad input): running again may succeed."""
    if isinstance(error, IntegrityError):  # a racing insert of the same address or MAC
        return True
    orig = error.orig
    if getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    args = getattr(orig, "args", ())
    if args and args[0] in _RETRY_MYSQL_ERRORS:
        return True
    return "database is locked" in str(orig)


@dataclasses.dataclass
class Network:
    settings: Settings
    engine: AsyncEngine  # reads
    writer: AsyncEngine  # read-decide-write transactions (BEGIN IMMEDIATE on SQLite)
    enforcer: Enforcer
    # SQLite takes one writer at a time: queue this process's writers here, in order,
    # rather than in SQLite's busy loop. None on engines that lock rows.
    write_lock: asyncio.Lock | None

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine) -> Network:
        url = settings.database_url("network")
        options: dict[str, Any] = {}
        sqlite = make_url(url).get_backend_name() == "sqlite"
        if not sqlite:
            # Row locks then fresh reads: the addresses taken must be read after the
            # subnet's row lock (MariaDB defaults to REPEATABLE READ).
            options["isolation_level"] = "READ COMMITTED"
        writer = create_engine_for(url, immediate=True, **options)
        return cls(
            settings=settings,
            engine=engine,
            writer=writer,
            enforcer=Enforcer(RULES),
            write_lock=asyncio.Lock() if sqlite else None,
        )

    async def close(self) -> None:
        await self.writer.dispose()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """One transaction that commits on success and rolls back on any error."""
        async with self.write_lock or contextlib.nullcontext(), self.writer.begin() as conn:
            yield conn

    async def write(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """``work`` in one write transaction, run again (a bounded number of times) when the
        database reports a racing insert (the same address, MAC or default group), a
        deadlock or a serialization failure."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                async with self.writing() as conn:
                    return await work(conn)
            except DBAPIError as error:
                if not _worth_retrying(error):
                    raise
                await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))
        raise Conflict("Another transaction concurrently updated the data. Please retry.")
