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
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pocketstack.common.db import ReadWrite, create_engine_for, is_transient
from pocketstack.common.policy import Enforcer
from pocketstack.common.settings import Settings
from pocketstack.network.objects.errors import Conflict
from pocketstack.network.policies import RULES

__all__ = ["Network"]

T = TypeVar("T")

WRITE_ATTEMPTS = 10

@dataclasses.dataclass
class Network(ReadWrite):
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
                if not is_transient(error):
                    raise
                await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))
        raise Conflict("Another transaction concurrently updated the data. Please retry.")
