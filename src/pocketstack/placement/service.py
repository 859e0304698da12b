"""The placement service's parts, built once in the lifespan and handed to every handler."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pocketstack.common.db import (
    ReadWrite,
    create_engine_for,
    create_sync_sqlite_engine,
    is_transient,
)
from pocketstack.common.policy import Enforcer
from pocketstack.common.settings import Settings
from pocketstack.placement.objects.claim_writer import ClaimWriter
from pocketstack.placement.objects.errors import ConcurrentUpdate
from pocketstack.placement.objects.provider_cache import ProviderCache
from pocketstack.placement.policies import RULES

__all__ = ["Placement"]

T = TypeVar("T")

WRITE_ATTEMPTS = 5

@dataclasses.dataclass
class Placement(ReadWrite):
    settings: Settings
    engine: AsyncEngine  # reads
    writer: AsyncEngine  # read-decide-write transactions (BEGIN IMMEDIATE on SQLite)
    enforcer: Enforcer
    cache: ProviderCache  # every provider in memory, for GET /allocation_candidates
    # SQLite files: write_sync's transactions, each run whole in one worker thread
    sync_writer: sa.Engine | None = None
    # PUT/POST /allocations: the claims waiting are made together (started by open_service)
    claims: ClaimWriter = dataclasses.field(init=False)
    _thread: ThreadPoolExecutor = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.claims = ClaimWriter(self.write_sync)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="placement-writer")

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine) -> Placement:
        url = settings.database_url("placement")
        options: dict[str, Any] = {}
        parsed = make_url(url)
        sync_writer = None
        if parsed.get_backend_name() != "sqlite":
            # Row locks then fresh reads: a capacity check made after the provider's row
            # lock must see every committed allocation (MariaDB defaults to REPEATABLE READ).
            options["isolation_level"] = "READ COMMITTED"
        elif parsed.database not in (None, "", ":memory:"):
            sync_writer = create_sync_sqlite_engine(url, immediate=True)
        writer = create_engine_for(url, immediate=True, **options)
        return cls(
            settings=settings,
            engine=engine,
            writer=writer,
            enforcer=Enforcer(RULES),
            cache=ProviderCache(),
            sync_writer=sync_writer,
        )

    async def close(self) -> None:
        await self.claims.stop()
        self._thread.shutdown(wait=True)  # idle: the claim writer has stopped
        if self.sync_writer is not None:
            self.sync_writer.dispose()
        await self.writer.dispose()

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """One transaction that commits on success and rolls back on any error."""
        async with self.writer.begin() as conn:
            yield conn

    async def write(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """``work`` in one write transaction, run again (a bounded number of times) when the
        database reports a deadlock, a serialization failure or a racing insert; a conflict
        that outlasts the attempts is a :class:`ConcurrentUpdate` (409)."""

        async def once() -> T:
            async with self.writing() as conn:
                return await work(conn)

        return await _retrying(once)

    async def write_sync(self, work: Callable[[sa.Connection], T]) -> T:
        """As :meth:`write`, for ``work`` written as synchronous SQLAlchemy Core.

        On a SQLite file the whole transaction runs in one worker thread on a pysqlite
        connection (one hop between threads instead of several for each statement through
        aiosqlite); elsewhere through ``run_sync`` on the async connection. A caller
        cancelled while the thread runs does not stop the transaction.
        """
        engine = self.sync_writer
        if engine is None:

            async def once() -> T:
                async with self.writing() as conn:
                    return await conn.run_sync(work)

        else:

            def transaction() -> T:
                with engine.begin() as conn:
                    return work(conn)

            async def once() -> T:
                return await asyncio.get_running_loop().run_in_executor(self._thread, transaction)

        return await _retrying(once)


async def _retrying(attempt: Callable[[], Awaitable[T]]) -> T:
    """``attempt()`` until it succeeds, fails for good, or :data:`WRITE_ATTEMPTS` are spent."""
    for n in range(WRITE_ATTEMPTS):
        try:
            return await attempt()
        except DBAPIError as error:
            if not is_transient(error):
                raise
            await asyncio.sleep(random.uniform(0, 0.005 * (n + 1)))
    raise ConcurrentUpdate("Another thread concurrently updated the data. Please retry your update")
