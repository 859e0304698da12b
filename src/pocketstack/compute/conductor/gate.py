"""One writer at a time per SQLite database, in this process.

SQLite takes its write lock at ``BEGIN IMMEDIATE`` and makes every other writer poll with
growing sleeps; under a burst of boots most of the time goes to those sleeps (and some give
up after the busy timeout). The conductors queue their own writes on an asyncio lock per
database instead, so SQLite sees them one after another. Server databases (PostgreSQL,
MariaDB) are not gated.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pocketstack.compute.cells.registry import CellHandle
from pocketstack.compute.service import Compute

__all__ = ["WriteGate"]


@dataclasses.dataclass
class WriteGate:
    _locks: dict[int, asyncio.Lock] = dataclasses.field(default_factory=dict)

    @asynccontextmanager
    async def writing(self, writer: AsyncEngine,
                      begin: Callable[[], AbstractAsyncContextManager[AsyncConnection]]
                      ) -> AsyncIterator[AsyncConnection]:
        """``begin()``'s transaction, after the other gated writers of ``writer``."""
        if writer.dialect.name != "sqlite":
            async with begin() as conn:
                yield conn
            return
        lock = self._locks.setdefault(id(writer), asyncio.Lock())
        async with lock, begin() as conn:
            yield conn

    def cell(self, cell: CellHandle) -> AbstractAsyncContextManager[AsyncConnection]:
        return self.writing(cell.writer, cell.writing)

    def api(self, svc: Compute) -> AbstractAsyncContextManager[AsyncConnection]:
        return self.writing(svc.writer, svc.writing)
