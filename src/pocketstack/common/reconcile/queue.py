"""A work queue of string keys: de-duplicating, single-flight, delaying and rate-limiting.

Modelled on client-go's ``workqueue`` (``Type`` + ``DelayingInterface`` +
``RateLimitingInterface``), for one event loop:

- ``add(key)`` queues a key once however often it is added before a worker takes it.
- ``get()`` hands the next key to a worker and marks it *processing*. A key is never handed out
  twice at once: added while processing, it is marked *dirty* and queued again, once, when the
  worker calls ``done(key)``.
- ``add_after(key, delay)`` queues the key later; a key waiting for two times keeps the earlier.
  A plain ``add`` supersedes a pending delay: the key runs now and its outcome decides what next.
- ``backoff_for(key)`` counts a failure and returns the key's next exponential delay;
  ``add_rate_limited(key)`` schedules the retry with it; ``forget(key)`` clears the history.
- ``shutdown()`` wakes every waiting ``get()`` with ``QueueShutDown``; later adds are ignored.
  Keys still queued are dropped: the records they name are in the database, and the next
  runtime's resync finds them.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from contextlib import suppress

from pocketstack.common.reconcile.outcomes import ExponentialBackoff

__all__ = ["QueueShutDown", "WorkQueue"]


class QueueShutDown(Exception):
    """Raised by ``WorkQueue.get()`` once the queue is shut down."""


class WorkQueue:
    """De-duplicating, single-flight queue of keys with delays and per-key backoff."""

    def __init__(
        self,
        *,
        backoff: ExponentialBackoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._backoff = backoff if backoff is not None else ExponentialBackoff()
        self._rng = rng
        self._ready: deque[str] = deque()
        self._queued: set[str] = set()
        self._processing: set[str] = set()
        self._dirty: set[str] = set()
        self._delayed: dict[str, tuple[float, asyncio.TimerHandle]] = {}
        self._failures: dict[str, int] = {}
        self._getters: deque[asyncio.Future[None]] = deque()
        self._shutting_down = False

    # -- adding ---------------------------------------------------------------------------

    def add(self, key: str) -> None:
        """Queue ``key`` now (once), or mark it dirty if a worker is processing it."""
        if self._shutting_down:
            return
        self._cancel_delay(key)
        if key in self._processing:
            self._dirty.add(key)
        elif key not in self._queued:
            self._ready.append(key)
            self._queued.add(key)
            self._wake_one()

    def add_after(self, key: str, delay: float) -> None:
        """Queue ``key`` after ``delay`` seconds; an earlier pending time for it wins."""
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(key)
            return
        if key in self._queued:
            return  # it runs sooner than that anyway
        loop = asyncio.get_running_loop()
        due = loop.time() + delay
        pending = self._delayed.get(key)
        if pending is not None:
            if pending[0] <= due:
                return
            pending[1].cancel()
        self._delayed[key] = (due, loop.call_at(due, self._delay_elapsed, key))

    def add_if_absent(self, key: str) -> bool:
        """Queue ``key`` unless it is already queued, processing or waiting out a delay.

        This is what a resync wants: it catches keys the queue has lost track of, without
        cutting short a backoff or a requested requeue time. Returns whether it added.
        """
        if self._shutting_down or self.is_tracked(key):
            return False
        self.add(key)
        return True

    def _delay_elapsed(self, key: str) -> None:
        self._delayed.pop(key, None)
        self.add(key)

    def _cancel_delay(self, key: str) -> None:
        pending = self._delayed.pop(key, None)
        if pending is not None:
            pending[1].cancel()

    # -- taking ---------------------------------------------------------------------------

    async def get(self) -> str:
        """Wait for the next key, mark it processing and return it.

        Raises ``QueueShutDown`` once ``shutdown()`` has been called, even if keys remain.
        """
        while True:
            if self._shutting_down:
                raise QueueShutDown
            if self._ready:
                key = self._ready.popleft()
                self._queued.discard(key)
                self._processing.add(key)
                return key
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._getters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                waiter.cancel()
                with suppress(ValueError):
                    self._getters.remove(waiter)
                if self._ready:
                    self._wake_one()  # pass on a wake-up this getter may have consumed
                raise

    def done(self, key: str) -> None:
        """Finish processing ``key``; if it was added meanwhile, queue it again once."""
        if key not in self._processing:
            raise ValueError(f"key {key!r} is not being processed")
        self._processing.discard(key)
        if key in self._dirty:
            self._dirty.discard(key)
            self.add(key)

    def shutdown(self) -> None:
        """Stop handing out keys: waiting and later ``get()`` calls raise ``QueueShutDown``."""
        self._shutting_down = True
        for _, handle in self._delayed.values():
            handle.cancel()
        self._delayed.clear()
        self._dirty.clear()
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                waiter.set_result(None)

    def _wake_one(self) -> None:
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    # -- rate limiting --------------------------------------------------------------------

    def backoff_for(self, key: str) -> float:
        """Count one more consecutive failure of ``key``; return the delay before its retry."""
        failures = self._failures.get(key, 0) + 1
        self._failures[key] = failures
        return self._backoff.delay(failures, self._rng)

    def add_rate_limited(self, key: str) -> float:
        """Schedule a retry of ``key`` after its backoff delay; return that delay."""
        delay = self.backoff_for(key)
        self.add_after(key, delay)
        return delay

    def forget(self, key: str) -> None:
        """Clear ``key``'s failure history (after a success, or once it is given up)."""
        self._failures.pop(key, None)

    def failures(self, key: str) -> int:
        """Consecutive failures counted for ``key`` since it was last forgotten."""
        return self._failures.get(key, 0)

    # -- introspection --------------------------------------------------------------------

    def __len__(self) -> int:
        """Keys ready to be handed out (not counting processing or delayed ones)."""
        return len(self._ready)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    @property
    def processing(self) -> frozenset[str]:
        return frozenset(self._processing)

    @property
    def delayed(self) -> frozenset[str]:
        return frozenset(self._delayed)

    def is_tracked(self, key: str) -> bool:
        """Whether ``key`` is queued, processing or waiting out a delay."""
        return key in self._queued or key in self._processing or key in self._delayed

    def is_dirty(self, key: str) -> bool:
        """Whether ``key`` was added while processing and will run again after ``done``."""
        return key in self._dirty
