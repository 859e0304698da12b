"""SQLite for the async engines, run in the event loop's own thread.

aiosqlite gives each connection a thread and sends every call there and back: a cursor,
an execute, a fetch, a close, a commit are each a round trip between threads (two context
switches and a wake-up of the loop), which costs far more than the statements themselves
on the small rows a control plane writes. Here the same calls go straight to ``sqlite3``
in the calling thread, from inside SQLAlchemy's greenlet.

What may not block the loop is SQLite's wait for a lock held by another connection: these
connections set ``busy_timeout`` to 0 and wait here instead, by sleeping on the loop
between tries, up to :data:`WAIT_S` (what ``busy_timeout`` would have waited). A
statement that SQLite refuses without waiting (a deferred transaction whose snapshot is
stale) fails at once, as it does with its own busy handler.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any, TypeVar

from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi
from sqlalchemy.engine import AdaptedConnection
from sqlalchemy.util.concurrency import await_, in_greenlet

__all__ = ["FIRST_PAUSE_S", "LONGEST_PAUSE_S", "WAIT_S", "InlineConnection", "InlineDBAPI",
           "is_busy", "waiting_for_locks"]

WAIT_S = 10.0
# SQLITE_BUSY, _LOCKED, _BUSY_RECOVERY, _LOCKED_SHAREDCACHE, _BUSY_TIMEOUT (not
# _BUSY_SNAPSHOT: a stale read snapshot that waiting cannot mend)
_BUSY_CODES = frozenset({5, 6, 261, 262, 773})
FIRST_PAUSE_S = 0.0005
LONGEST_PAUSE_S = 0.02

T = TypeVar("T")


async def _nothing() -> None:
    return None


def is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return "database is locked" in str(error)
    return code in _BUSY_CODES


def waiting_for_locks(call: Callable[[], T]) -> T:
    """``call()``, tried again while another connection holds the lock it needs; the loop
    runs between tries. Outside a greenlet (garbage collection) it is tried once."""
    pause = FIRST_PAUSE_S
    deadline: float | None = None
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not is_busy(error) or not in_greenlet():
                raise
            now = time.monotonic()
            deadline = deadline if deadline is not None else now + WAIT_S
            if now >= deadline:
                raise
        await_(asyncio.sleep(pause))
        pause = min(pause * 2, LONGEST_PAUSE_S)


class InlineCursor:
    """A ``sqlite3`` cursor whose rows are read at execute, as SQLAlchemy's async cursors
    hold them (a result may be read after its greenlet has returned)."""

    server_side = False
    __slots__ = ("_cursor", "_description", "_rows")

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._cursor = connection.cursor()
        self._rows: collections.deque[Any] = collections.deque()
        self._description: Any = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    def execute(self, operation: str, parameters: Sequence[Any] | None = None) -> Any:
        if in_greenlet():  # SQLAlchemy's async engine checks that its greenlet awaited
            await_(_nothing())
        cursor = self._cursor
        waiting_for_locks(lambda: cursor.execute(operation, parameters or ()))
        self._description = cursor.description
        if self._description is not None:
            self._rows = collections.deque(waiting_for_locks(cursor.fetchall))
        return self

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> Any:
        if in_greenlet():
            await_(_nothing())
        cursor = self._cursor
        waiting_for_locks(lambda: cursor.executemany(operation, seq_of_parameters))
        self._description = cursor.description
        return self

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def __iter__(self) -> Iterator[Any]:
        while self._rows:
            yield self._rows.popleft()

    def close(self) -> None:
        self._rows.clear()
        self._cursor.close()

    async def _async_soft_close(self) -> None:
        """SQLAlchemy's async result is done with the cursor; its rows stay readable."""
        self._cursor.close()

    def setinputsizes(self, *sizes: Any) -> None:
        pass

    def setoutputsize(self, *args: Any) -> None:
        pass


class InlineConnection(AdaptedConnection):
    """The DBAPI connection SQLAlchemy's async engine holds: ``sqlite3`` underneath."""

    busy_timeout_ms = 0  # SQLite must not wait in the loop's thread: waiting_for_locks does
    __slots__ = ("_sqlite", "dbapi")

    def __init__(self, dbapi: InlineDBAPI, connection: sqlite3.Connection) -> None:
        self.dbapi = dbapi
        self._sqlite = connection
        self._connection = connection  # type: ignore[assignment]  # driver_connection

    @property
    def isolation_level(self) -> str | None:
        return self._sqlite.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._sqlite.isolation_level = value  # type: ignore[assignment]

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._sqlite.create_function(*args, **kwargs)

    def cursor(self, server_side: bool = False) -> InlineCursor:
        return InlineCursor(self._sqlite)

    def execute(self, operation: str, parameters: Sequence[Any] | None = None) -> Any:
        return self.cursor().execute(operation, parameters)

    def commit(self) -> None:
        waiting_for_locks(self._sqlite.commit)

    def rollback(self) -> None:
        self._sqlite.rollback()

    def close(self) -> None:
        self._sqlite.close()

    def terminate(self) -> None:
        self._sqlite.close()


class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite dialect, handed this as its DBAPI (``module=``), connects
    through :class:`InlineConnection`; the rest (errors, versions) is ``sqlite3``'s."""

    def __init__(self, aiosqlite: ModuleType) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *args: Any, **kwargs: Any) -> InlineConnection:  # type: ignore[override]
        kwargs.pop("async_creator_fn", None)
        kwargs["check_same_thread"] = False  # the pool may close it from another thread
        connection = waiting_for_locks(lambda: sqlite3.connect(*args, **kwargs))
        return InlineConnection(self, connection)
