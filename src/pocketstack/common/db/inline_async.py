"""Async connections to an inline SQLite database that call SQLAlchemy directly.

SQLAlchemy's async connection runs every call (connect, begin, each statement, commit,
close) in a greenlet of its own, so that a driver may await inside it, and closes through a
task of its own. The inline driver (``inline_sqlite``) awaits only to wait for another
connection's lock, so here each call first runs straight from the caller's coroutine; the
rare call that meets a lock held elsewhere (or a full pool) is run again the greenlet way,
where the waits sleep on the loop.

Taking the write lock and committing are waited for here, before SQLAlchemy hears of them:
``BEGIN IMMEDIATE`` (on engines that take the write lock up front) and ``COMMIT`` run on the
driver's connection, tried until the lock is free, up to ``inline_sqlite.WAIT_S``.
SQLAlchemy's own begin and commit then find the transaction begun or ended.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction
from sqlalchemy.util.concurrency import greenlet_spawn

from pocketstack.common.db import inline_sqlite
from pocketstack.common.db.inline_sqlite import (
    FIRST_PAUSE_S,
    LONGEST_PAUSE_S,
    is_busy,
)

__all__ = ["InlineAsyncConnection", "InlineAsyncEngine", "InlineAsyncTransaction"]

T = TypeVar("T")


def _must_wait(error: BaseException, *, for_pool: bool) -> bool:
    """What the direct call could not do without waiting: a lock held by another
    connection (refused before anything was done), or, ``for_pool``, a pool with no
    connection free (it awaits its queue)."""
    if isinstance(error, sa.exc.MissingGreenlet):
        return for_pool
    if isinstance(error, sa.exc.OperationalError):
        return isinstance(error.orig, sqlite3.OperationalError) and is_busy(error.orig)
    return isinstance(error, sqlite3.OperationalError) and is_busy(error)


async def _direct_or_waiting(call: Callable[..., T], *args: Any, for_pool: bool = False,
                             **kwargs: Any) -> T:
    try:
        return call(*args, **kwargs)
    except Exception as error:
        if not _must_wait(error, for_pool=for_pool):
            raise
    return await greenlet_spawn(call, *args, **kwargs)


async def _on_driver(connection: Connection, sql: str) -> None:
    """``BEGIN IMMEDIATE`` or ``COMMIT`` on the driver's connection, tried again while
    another connection holds the lock, sleeping on the loop; errors wrapped as
    SQLAlchemy's. A commit with no transaction open does nothing."""
    sqlite = cast(sqlite3.Connection, connection.connection.driver_connection)
    call: Callable[[], object] = (sqlite.commit if sql == "COMMIT"
                                  else lambda: sqlite.execute(sql))
    pause = FIRST_PAUSE_S
    deadline = time.monotonic() + inline_sqlite.WAIT_S
    while True:
        try:
            call()
            return
        except sqlite3.Error as error:
            if not (isinstance(error, sqlite3.OperationalError) and is_busy(error)
                    and time.monotonic() < deadline):
                raise sa.exc.DBAPIError.instance(sql, (), error, sqlite3.Error) from error
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE_S)


async def _begin(connection: InlineAsyncConnection) -> sa.RootTransaction:
    """SQLAlchemy's transaction on ``connection``, its ``BEGIN IMMEDIATE`` (an
    ``immediate`` engine) waited for on the loop first."""
    sync = connection._proxied
    if connection.immediate:
        await _on_driver(sync, "BEGIN IMMEDIATE")
    try:
        return sync.begin()
    except BaseException:
        sync.connection.dbapi_connection.rollback()  # type: ignore[union-attr]
        raise


async def _commit(sync: Connection, undo: Callable[[BaseException], object]) -> None:
    """``COMMIT`` on the driver, waited for on the loop; ``undo(error)`` (a rollback) when
    it fails or the wait is cancelled."""
    try:
        await _on_driver(sync, "COMMIT")
    except BaseException as error:
        undo(error)
        raise


class InlineAsyncTransaction(AsyncTransaction):
    """A (root) transaction whose ``BEGIN IMMEDIATE`` and ``COMMIT`` wait on the loop;
    savepoints (``begin_nested``) keep SQLAlchemy's own."""

    __slots__ = ()

    async def start(self, is_ctxmanager: bool = False) -> AsyncTransaction:
        connection = self.connection
        assert isinstance(connection, InlineAsyncConnection)
        self.sync_transaction = self._assign_proxied(await _begin(connection))
        if is_ctxmanager:
            self.sync_transaction.__enter__()
        return self

    async def commit(self) -> None:
        if self.is_active:
            await _commit(self.connection._proxied, lambda _: self._proxied.rollback())
        self._proxied.commit()

    async def rollback(self) -> None:
        self._proxied.rollback()

    async def close(self) -> None:
        self._proxied.close()

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        if type_ is None and self.is_active:
            await _commit(self.connection._proxied, lambda error: self._proxied.__exit__(
                type(error), error, error.__traceback__))
        self._proxied.__exit__(type_, value, traceback)


class InlineAsyncConnection(AsyncConnection):
    """``AsyncConnection`` whose calls go straight to SQLAlchemy (module docstring)."""

    __slots__ = ()

    @property
    def immediate(self) -> bool:
        engine = self.engine
        return isinstance(engine, InlineAsyncEngine) and engine.immediate

    async def start(self, is_ctxmanager: bool = False) -> AsyncConnection:
        if self.sync_connection:
            raise sa.exc.InvalidRequestError("connection is already started")
        self.sync_connection = self._assign_proxied(
            await _direct_or_waiting(self.sync_engine.connect, for_pool=True))
        return self

    def begin(self) -> AsyncTransaction:
        assert self._proxied
        return InlineAsyncTransaction(self)

    async def _autobegin(self) -> None:
        """SQLAlchemy begins a transaction before a statement when none is open: its
        ``BEGIN IMMEDIATE`` is waited for here first."""
        if self.immediate and self._proxied._transaction is None:
            await _begin(self)

    async def execute(self, statement: Any, parameters: Any = None, *,
                      execution_options: Any = None) -> Any:
        await self._autobegin()
        return await _direct_or_waiting(self._proxied.execute, statement, parameters,
                                        execution_options=execution_options)

    async def exec_driver_sql(self, statement: str, parameters: Any = None,
                              execution_options: Any = None) -> Any:
        await self._autobegin()
        return await _direct_or_waiting(self._proxied.exec_driver_sql, statement,
                                        parameters, execution_options)

    async def commit(self) -> None:
        sync = self._proxied
        if sync._transaction is not None and sync._transaction.is_active:
            await _commit(sync, lambda _: sync.rollback())
        sync.commit()

    async def rollback(self) -> None:
        self._proxied.rollback()

    async def close(self) -> None:
        self._proxied.close()

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        self._proxied.close()  # nothing here awaits: a cancel cannot stop it half-way


class InlineAsyncEngine(AsyncEngine):
    """An async engine on an inline SQLite database (``inline_sqlite``) whose connections
    are :class:`InlineAsyncConnection`; ``immediate`` when its transactions take the
    write lock up front."""

    __slots__ = ("immediate",)
    _connection_cls = InlineAsyncConnection

    def __init__(self, sync_engine: sa.Engine, *, immediate: bool = False) -> None:
        super().__init__(sync_engine)
        self.immediate = immediate
