"""The placement service's parts, built once in the lifespan and handed to every handler."""

from __future__ import annotations

import asyncio
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
from pocketstack.placement.objects.errors import ConcurrentUpdate
from pocketstack.placement.objects.provider_cache import ProviderCache
from pocketstack.placement.policies import RULES

__all__ = ["Placement"]

T = TypeVar("T")

WRITE_ATTEMPTS = 5
_RETRY_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock
_RETRY_MYSQL_ERRORS = frozenset({1205, 1213})  # lock wait timeout, deadlock


def _worth_retrying(error: DBAPIError) -> bool:
    """A conflict with another transaction (not bad input): running again may succeed."""
    if isinstance(error, IntegrityError):  # a racing insert of the same unique row
        return True
    orig = error.orig
    if getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    args = getattr(orig, "args", ())
    if args and args[0] in _RETRY_MYSQL_ERRORS:
        return True
    return "database is locked" in str(orig)


@dataclasses.dataclass
class Placement:
    settings: Settings
    engine: AsyncEngine  # reads
    writer: AsyncEngine  # read-decide-write transactions (BEGIN IMMEDIATE on SQLite)
    enforcer: Enforcer
    cache: ProviderCache  # every provider in memory, for GET /allocation_candidates

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine) -> Placement:
        url = settings.database_url("placement")
        options: dict[str, Any] = {}
        if make_url(url).get_backend_name() != "sqlite":
            # Row locks then fresh reads: a capacity check made after the provider's row
            # lock must see every committed allocation (MariaDB defaults to REPEATABLE READ).
            options["isolation_level"] = "READ COMMITTED"
        writer = create_engine_for(url, immediate=True, **options)
        return cls(
            settings=settings,
            engine=engine,
            writer=writer,
            enforcer=Enforcer(RULES),
            cache=ProviderCache(),
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
        async with self.writer.begin() as conn:
            yield conn

    async def write(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """``work`` in one write transaction, run again (a bounded number of times) when the
        database reports a deadlock, a serialization failure or a racing insert; a conflict
        that outlasts the attempts is a :class:`ConcurrentUpdate` (409)."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                async with self.writing() as conn:
                    return await work(conn)
            except DBAPIError as error:
                if not _worth_retrying(error):
                    raise
                await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))
        raise ConcurrentUpdate(
            "Another thread concurrently updated the data. Please retry your update"
        )
