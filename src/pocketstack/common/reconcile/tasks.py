"""Guarded background tasks: they log when they die and never die silently.

After kopf's ``_cogs/aiokits/aiotasks.py``: a bare ``asyncio.create_task`` whose coroutine
raises keeps the exception to itself until someone awaits the task, which for a background
loop is usually never. ``spawn_guarded`` attaches a done-callback that retrieves the outcome
and logs it: an exception with its traceback, an unexpected return as a warning (for tasks
that are meant to run until cancelled), a cancellation at debug level.

``GuardedTasks`` holds a set of such tasks for one owner (a runtime, a lifespan) and cancels
whatever is still running when it is closed, so nothing outlives its owner.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterator
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["GuardedTasks", "spawn_guarded"]

T = TypeVar("T")


def spawn_guarded(
    coro: Coroutine[Any, Any, T],
    *,
    name: str,
    logger: logging.Logger,
    finishable: bool = True,
) -> asyncio.Task[T]:
    """Start ``coro`` as a task whose death is always logged.

    ``finishable=False`` marks a task meant to run until cancelled (a worker loop, a resync
    loop): its returning normally is logged as a warning too.
    """
    task = asyncio.get_running_loop().create_task(coro, name=name)
    task.add_done_callback(lambda t: _log_outcome(t, logger, finishable=finishable))
    return task


def _log_outcome(task: asyncio.Task[Any], logger: logging.Logger, *, finishable: bool) -> None:
    name = task.get_name()
    if task.cancelled():
        logger.debug("task %s was cancelled", name)
        return
    exc = task.exception()  # retrieving it also silences asyncio's "never retrieved" warning
    if exc is not None:
        logger.error("task %s died with %s", name, type(exc).__name__, exc_info=exc)
    elif finishable:
        logger.debug("task %s finished", name)
    else:
        logger.warning("task %s exited unexpectedly", name)


class GuardedTasks:
    """A holder of guarded tasks that cancels all that remain when closed.

    Use it as ``async with GuardedTasks(logger=log) as tasks: tasks.spawn(...)`` or call
    ``close()`` yourself. Finished tasks drop out of the holder on their own.
    """

    def __init__(self, *, logger: logging.Logger) -> None:
        self._logger = logger
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(
        self, coro: Coroutine[Any, Any, T], *, name: str, finishable: bool = True
    ) -> asyncio.Task[T]:
        """Start ``coro`` as a guarded task owned by this holder."""
        if self._closed:
            coro.close()
            raise RuntimeError(f"cannot spawn {name!r}: the task holder is closed")
        task = spawn_guarded(coro, name=name, logger=self._logger, finishable=finishable)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def __len__(self) -> int:
        return len(self._tasks)

    def __iter__(self) -> Iterator[asyncio.Task[Any]]:
        return iter(set(self._tasks))

    async def join(self, within: float | None = None) -> bool:
        """Wait up to ``within`` seconds (None: no limit) for every task to end; return whether
        all did. Tasks still running are left running."""
        if not self._tasks:
            return True
        _, pending = await asyncio.wait(set(self._tasks), timeout=within)
        return not pending

    async def close(self) -> None:
        """Cancel every remaining task and wait until each has ended."""
        self._closed = True
        tasks = set(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            # Outcomes were already logged by each task's guard; only wait here.
            await asyncio.gather(*tasks, return_exceptions=True)

    async def __aenter__(self) -> GuardedTasks:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
