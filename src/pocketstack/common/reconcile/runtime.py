"""Run one reconciler: a work queue, N workers and a periodic resync.

The reconciler is level-triggered: its work item is a record's id, and every ``reconcile(key)``
reads the record's whole current state and takes the next idempotent step. The runtime adds
what makes that safe and live:

- start: every unsettled key is queued (resume after a restart), then the workers start;
- ``nudge(key)``: a request wrote a record and wants it looked at soon;
- single flight: the queue never hands one key to two workers at once;
- outcomes: ``Done`` forgets, ``Requeue`` looks again later, ``TemporaryError`` (or an
  exception) retries with per-key exponential backoff, ``PermanentError`` calls
  ``on_permanent_error`` once and stops;
- resync: every ``resync_interval`` seconds unsettled keys the queue has lost track of are
  queued again, so a lost nudge is only a delay;
- stop: stop taking work, let in-flight reconciles finish up to a timeout, cancel the rest.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from pocketstack.common.reconcile.outcomes import (
    Done,
    ExponentialBackoff,
    Outcome,
    PermanentError,
    Requeue,
    TemporaryError,
)
from pocketstack.common.reconcile.queue import QueueShutDown, WorkQueue
from pocketstack.common.reconcile.tasks import GuardedTasks

__all__ = ["Reconciler", "ReconcilerRuntime", "RuntimeStats"]


class Reconciler(Protocol):
    """What a runtime drives: one per kind of record (``ServerReconciler``, ...)."""

    name: str

    async def reconcile(self, key: str) -> Outcome:
        """Read the whole current state of record ``key`` and take the next idempotent step."""
        ...

    async def list_unsettled(self) -> Sequence[str]:
        """Keys of records that are not settled (at start and on every resync)."""
        ...

    async def on_permanent_error(self, key: str, reason: str) -> None:
        """Record ``key`` as ERROR with ``reason``."""
        ...


@dataclass
class RuntimeStats:
    """Counters for tests and metrics."""

    reconciles: int = 0
    done: int = 0
    requeued: int = 0
    temporary_errors: int = 0  # includes exceptions
    permanent_errors: int = 0
    exceptions: int = 0
    resyncs: int = 0
    resync_errors: int = 0


class ReconcilerRuntime:
    """Drives one ``Reconciler`` with ``workers`` concurrent workers over one ``WorkQueue``."""

    def __init__(
        self,
        reconciler: Reconciler,
        *,
        workers: int = 2,
        resync_interval: float = 30.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 60.0,
        backoff_jitter: float = 0.0,
        stop_grace: float = 10.0,
        logger: logging.Logger | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, not {workers}")
        if resync_interval <= 0:
            raise ValueError(f"resync_interval must be > 0, not {resync_interval}")
        self.reconciler = reconciler
        self.workers = workers
        self.resync_interval = resync_interval
        self.stop_grace = stop_grace
        self.stats = RuntimeStats()
        self.queue = WorkQueue(
            backoff=ExponentialBackoff(base=backoff_base, cap=backoff_cap, jitter=backoff_jitter),
            rng=rng,
        )
        self._log = logger or logging.getLogger(f"pocketstack.reconcile.{reconciler.name}")
        self._tasks = GuardedTasks(logger=self._log)
        self._resync_task: asyncio.Task[None] | None = None
        self._started = False
        self._stopped = False

    @property
    def running(self) -> bool:
        return self._started and not self._stopped

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Queue every unsettled key (resume), then start the workers and the resync loop.

        If listing the unsettled keys fails the error propagates and nothing is started.
        """
        if self._started:
            raise RuntimeError(f"reconciler runtime {self.reconciler.name!r} already started")
        await self.resync()
        self._started = True
        name = self.reconciler.name
        for number in range(self.workers):
            self._tasks.spawn(self._work(), name=f"reconcile-{name}-worker-{number}")
        self._resync_task = self._tasks.spawn(
            self._resync_forever(), name=f"reconcile-{name}-resync", finishable=False
        )
        self._log.info("reconciler %s started with %d workers", name, self.workers)

    async def stop(self, *, grace: float | None = None) -> None:
        """Stop taking work; wait up to ``grace`` seconds (default ``stop_grace``) for in-flight
        reconciles to finish, then cancel what is left. Safe to call more than once."""
        if self._stopped:
            return
        self._stopped = True
        if self._resync_task is not None:
            self._resync_task.cancel()
        self.queue.shutdown()
        wait = self.stop_grace if grace is None else grace
        if not await self._tasks.join(within=wait):
            self._log.warning(
                "reconciler %s: in-flight reconciles did not finish within %.1fs; cancelling",
                self.reconciler.name,
                wait,
            )
        await self._tasks.close()
        self._log.info("reconciler %s stopped", self.reconciler.name)

    async def __aenter__(self) -> ReconcilerRuntime:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- feeding the queue ----------------------------------------------------------------

    def nudge(self, key: str) -> None:
        """Ask for ``key`` to be reconciled soon (de-duplicated, never run twice at once)."""
        self.queue.add(key)

    async def resync(self) -> int:
        """Queue every unsettled key the queue does not already track; return how many."""
        keys = await self.reconciler.list_unsettled()
        self.stats.resyncs += 1
        return sum(1 for key in keys if self.queue.add_if_absent(key))

    async def _resync_forever(self) -> None:
        while True:
            await asyncio.sleep(self.resync_interval)
            try:
                added = await self.resync()
            except Exception:
                self.stats.resync_errors += 1
                self._log.exception("reconciler %s: resync failed", self.reconciler.name)
            else:
                if added:
                    self._log.debug("reconciler %s: resync queued %d", self.reconciler.name, added)

    # -- working --------------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            try:
                key = await self.queue.get()
            except QueueShutDown:
                return
            try:
                await self._reconcile_one(key)
            finally:
                self.queue.done(key)

    async def _reconcile_one(self, key: str) -> None:
        name = self.reconciler.name
        self.stats.reconciles += 1
        outcome: Outcome
        try:
            result: object = await self.reconciler.reconcile(key)
            if not isinstance(result, Done | Requeue | TemporaryError | PermanentError):
                raise TypeError(f"reconcile returned {result!r}, not an Outcome")
            outcome = result
        except Exception as exc:
            self.stats.exceptions += 1
            self._log.exception("reconciler %s: reconcile of %s raised", name, key)
            outcome = TemporaryError(f"{type(exc).__name__}: {exc}")
        await self._apply(key, outcome)

    async def _apply(self, key: str, outcome: Outcome) -> None:
        name = self.reconciler.name
        match outcome:
            case Done():
                self.stats.done += 1
                self.queue.forget(key)
            case Requeue(after=after):
                self.stats.requeued += 1
                self.queue.forget(key)
                self.queue.add_after(key, after)
            case TemporaryError(reason=reason):
                self.stats.temporary_errors += 1
                delay = self.queue.add_rate_limited(key)
                self._log.warning(
                    "reconciler %s: %s failed (%s); retry %d in %.2fs",
                    name,
                    key,
                    reason,
                    self.queue.failures(key),
                    delay,
                )
            case PermanentError(reason=reason):
                self.stats.permanent_errors += 1
                self._log.error("reconciler %s: %s failed for good: %s", name, key, reason)
                try:
                    await self.reconciler.on_permanent_error(key, reason)
                except Exception:
                    self._log.exception(
                        "reconciler %s: recording ERROR for %s failed; will retry", name, key
                    )
                    self.queue.add_rate_limited(key)
                else:
                    self.queue.forget(key)
