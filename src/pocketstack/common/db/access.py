"""How a service reaches its database: a read engine, a write engine, transient failures.

``ReadWrite`` is mixed into each service's container (which declares ``engine``, for reads,
and ``writer``, whose transactions start with ``BEGIN IMMEDIATE`` on SQLite), so every
service opens connections the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pocketstack.common.db.engines import begin_write

__all__ = ["ReadWrite", "is_transient"]

_RETRY_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock
_RETRY_MYSQL_ERRORS = frozenset({1205, 1213})  # lock wait timeout, deadlock


def is_transient(error: DBAPIError) -> bool:
    """A conflict with another transaction (not bad input): running again may succeed.

    A racing insert of the same unique row, a deadlock, a serialization failure, a lock wait
    timeout, or SQLite's "database is locked".
    """
    if isinstance(error, IntegrityError):
        return True
    orig = error.orig
    if getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    args = getattr(orig, "args", ())
    if args and args[0] in _RETRY_MYSQL_ERRORS:
        return True
    return "database is locked" in str(orig)


class ReadWrite:
    """``reading()``, ``writing()`` and ``close()`` over the container's two engines."""

    engine: AsyncEngine
    writer: AsyncEngine

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """One transaction that commits on success and rolls back on any error (on SQLite,
        after this process's other writers of the database)."""
        async with begin_write(self.writer) as conn:
            yield conn

    async def close(self) -> None:
        await self.writer.dispose()
