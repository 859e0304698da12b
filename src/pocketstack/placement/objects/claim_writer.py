"""Group commit for claims: the requests waiting are settled together, in one transaction.

Every PUT or POST /allocations hands its claims (one request, all or nothing) to the
service's :class:`ClaimWriter` and waits. One writer task takes whatever is waiting, up to
``max_batch`` requests in arrival order, and settles it with :func:`.claims.apply_batch` in
one write transaction: a handful of statements for the batch instead of a handful for each
claim. Each request still gets its own answer (its 400 or 409, or success) and the others
go on without it. While a batch is in the database the next one gathers, so batches grow
with the load and a lone claim waits for nobody.

A request naming a consumer that an earlier waiting request names waits for the next batch
(so claims on one consumer are settled in arrival order). A batch whose transaction fails
(a database error, a conflict that outlasted the retries of :meth:`Placement.write_sync`, a
consumer written meanwhile by another process) is settled again one request at a time, so
one request cannot fail the others. Correctness across processes is the transaction's
(provider row locks, ``BEGIN IMMEDIATE`` on SQLite), not the writer's: this one only orders
this process's claims.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

import sqlalchemy as sa

from pocketstack.common.reconcile.tasks import spawn_guarded
from pocketstack.placement.objects.claims import Claim, apply_batch

__all__ = ["ClaimWriter", "Write"]

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_BATCH = 64  # requests in one transaction
STOP_WAIT = 10.0  # seconds stop() lets the writer finish what is waiting


class Write(Protocol):
    """:meth:`Placement.write_sync`: ``work`` in one write transaction, retried on conflicts."""

    def __call__(self, work: Callable[[sa.Connection], T]) -> Awaitable[T]: ...


class WriterStopped(RuntimeError):
    """The service stopped before the claim was settled."""


@dataclasses.dataclass(slots=True)
class _Request:
    claims: Sequence[Claim]
    answer: asyncio.Future[None]

    def settle(self, outcome: BaseException | None) -> None:
        if self.answer.done():  # the caller gave up waiting
            return
        if outcome is None:
            self.answer.set_result(None)
        else:
            self.answer.set_exception(outcome)


class ClaimWriter:
    """Claims settled by one writer task; :meth:`submit` until :meth:`stop`."""

    def __init__(self, write: Write, *, max_batch: int = MAX_BATCH) -> None:
        self._write = write
        self.max_batch = max_batch
        self._waiting: collections.deque[_Request] = collections.deque()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.batches = 0  # transactions run (for tests and the curious)
        self.requests = 0  # requests settled in them

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = spawn_guarded(self._run(), name="placement-claim-writer", logger=log)

    async def stop(self) -> None:
        """Settle what is waiting (up to :data:`STOP_WAIT` seconds), then end the task;
        claims submitted from now on are made by their caller, one transaction each."""
        task = self._task
        if task is None:
            return
        self._stopping = True
        self._wakeup.set()
        _, pending = await asyncio.wait({task}, timeout=STOP_WAIT)
        if pending:
            task.cancel()
            await asyncio.wait({task})
        self._task = None
        log.info("claim writer: %d requests in %d transactions", self.requests, self.batches)

    async def submit(self, claims: Sequence[Claim]) -> None:
        """Make the claims (all or nothing); raise the request's domain error if it fails."""
        if self._task is None or self._task.done() or self._stopping:
            [outcome] = await self._write(lambda conn: apply_batch(conn, [claims]))
            if outcome is not None:
                raise outcome
            return
        request = _Request(claims, asyncio.get_running_loop().create_future())
        self._waiting.append(request)
        self._wakeup.set()
        await request.answer

    async def _run(self) -> None:
        try:
            while self._waiting or not self._stopping:
                if not self._waiting:
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                batch = self._take()  # empty only if every waiting caller gave up
                try:
                    if batch:
                        await self._settle(batch)
                except Exception as error:  # a bug: its batch fails, the writer goes on
                    log.exception("claim writer: a batch of %d failed", len(batch))
                    for request in batch:
                        request.settle(error)
        finally:  # also when cancelled: nobody may wait forever
            while self._waiting:
                self._waiting.popleft().settle(WriterStopped("placement is stopping"))

    def _take(self) -> list[_Request]:
        """Up to ``max_batch`` waiting requests, in order, no consumer named twice; a request
        naming a consumer an earlier one names stays for a later batch."""
        batch: list[_Request] = []
        later: list[_Request] = []
        named: set[str] = set()
        while self._waiting and len(batch) < self.max_batch:
            request = self._waiting.popleft()
            if request.answer.done():  # cancelled while waiting
                continue
            consumers = {c.consumer for c in request.claims}
            (later if consumers & named else batch).append(request)
            named |= consumers
        self._waiting.extendleft(reversed(later))
        return batch

    async def _settle(self, batch: list[_Request]) -> None:
        """Settle the batch in one transaction; if that fails, one request at a time."""
        self.batches += 1
        self.requests += len(batch)
        try:
            outcomes = await self._write(lambda conn: apply_batch(conn, [r.claims for r in batch]))
        except asyncio.CancelledError:
            for request in batch:
                request.settle(WriterStopped("placement is stopping"))
            raise
        except Exception as error:
            if len(batch) == 1:
                batch[0].settle(error)
                return
            log.info("a batch of %d claims failed (%r); one by one now", len(batch), error)
            for request in batch:
                await self._settle([request])
            return
        for request, outcome in zip(batch, outcomes, strict=True):
            request.settle(outcome)
