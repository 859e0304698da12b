"""The in-process bus: asyncio queues inside one event loop (the all-in-one deployment).

Each ``InProcessBus`` is a world of its own, the in-process twin of one RabbitMQ vhost:
two instances never see each other's messages, so share the instance to share the bus.
Messages are encoded exactly as on the wire, so a payload that RabbitMQ would refuse
(not JSON-serialisable) fails here too.

Like a durable queue, a topic's queue exists from the first message or subscriber, so a
cast sent before anyone serves the topic waits for them. A handler cancelled mid-message
(its subscription or the bus closed) puts the message back, as an unacked message is
redelivered by the broker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from pocketstack.common.bus.base import (
    BusError,
    BusUnavailable,
    Envelope,
    Handler,
    PendingCalls,
    dispatch,
    log_if_crashed,
    queue_name,
)

log = logging.getLogger(__name__)


class InProcessSubscription:
    """One ``serve``: a consumer loop per queue, at most ``prefetch`` handlers at once."""

    def __init__(
        self,
        handler: Handler,
        queues: Iterable[asyncio.Queue[bytes]],
        *,
        prefetch: int,
        reply: Callable[[bytes], None],
        on_cancel: Callable[[InProcessSubscription], None],
    ) -> None:
        self._handler = handler
        self._reply = reply
        self._on_cancel = on_cancel
        self._slots = asyncio.Semaphore(prefetch)
        self._handling: set[asyncio.Task[None]] = set()
        self._consumers = [asyncio.create_task(self._consume(queue)) for queue in queues]
        for task in self._consumers:
            task.add_done_callback(log_if_crashed)
        self._cancelled = False

    async def _consume(self, queue: asyncio.Queue[bytes]) -> None:
        while True:
            await self._slots.acquire()
            data = await queue.get()
            task = asyncio.create_task(self._handle(queue, data))
            self._handling.add(task)
            task.add_done_callback(self._handling.discard)
            task.add_done_callback(log_if_crashed)

    async def _handle(self, queue: asyncio.Queue[bytes], data: bytes) -> None:
        try:
            envelope = Envelope.decode(data)
            reply = await dispatch(self._handler, envelope)
        except BusError:
            log.exception("dropping a malformed message")
            return
        except asyncio.CancelledError:
            queue.put_nowait(data)
            raise
        finally:
            self._slots.release()
        if reply is not None:
            self._reply(reply)

    async def cancel(self) -> None:
        if self._cancelled:
            return
        self._cancelled = True
        self._on_cancel(self)
        tasks = [*self._consumers, *self._handling]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class InProcessBus:
    """A ``Bus`` on asyncio queues; ``name`` is for logs only and shares nothing."""

    def __init__(self, name: str = "default", *, prefetch: int = 16) -> None:
        self.name = name
        self._prefetch = prefetch
        self._queues: dict[str, asyncio.Queue[bytes]] = {}
        self._fanouts: dict[str, set[asyncio.Queue[bytes]]] = {}
        self._subscriptions: set[InProcessSubscription] = set()
        self._pending = PendingCalls()
        self._started = False
        self._closed = False

    def __repr__(self) -> str:
        return f"InProcessBus({self.name!r})"

    async def start(self) -> None:
        if self._closed:
            raise BusUnavailable(f"{self!r} is closed")
        self._started = True

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for subscription in list(self._subscriptions):
            await subscription.cancel()
        self._pending.fail_all(BusUnavailable(f"{self!r} closed"))

    async def serve(
        self, topic: str, handler: Handler, *, server: str | None = None
    ) -> InProcessSubscription:
        self._check_open()
        fanout_queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._fanouts.setdefault(topic, set()).add(fanout_queue)
        queues = [self._queue(topic), fanout_queue]
        if server is not None:
            queues.append(self._queue(queue_name(topic, server)))

        def forget(subscription: InProcessSubscription) -> None:
            self._subscriptions.discard(subscription)
            self._fanouts[topic].discard(fanout_queue)

        subscription = InProcessSubscription(
            handler,
            queues,
            prefetch=self._prefetch,
            reply=self._pending.resolve,
            on_cancel=forget,
        )
        self._subscriptions.add(subscription)
        return subscription

    async def cast(
        self, topic: str, method: str, payload: dict[str, Any], *, server: str | None = None
    ) -> None:
        self._check_open()
        self._queue(queue_name(topic, server)).put_nowait(Envelope(method, payload).encode())

    async def call(
        self,
        topic: str,
        method: str,
        payload: dict[str, Any],
        *,
        server: str | None = None,
        timeout: float,  # noqa: ASYNC109 - the Bus protocol's call timeout
    ) -> Any:
        self._check_open()
        queue = self._queue(queue_name(topic, server))

        async def send(correlation_id: str) -> None:
            envelope = Envelope(method, payload, f"reply.{self.name}", correlation_id)
            queue.put_nowait(envelope.encode())

        return await self._pending.call(send, timeout)

    async def fanout(self, topic: str, method: str, payload: dict[str, Any]) -> None:
        self._check_open()
        data = Envelope(method, payload).encode()
        for queue in self._fanouts.get(topic, ()):
            queue.put_nowait(data)

    def _queue(self, name: str) -> asyncio.Queue[bytes]:
        return self._queues.setdefault(name, asyncio.Queue())

    def _check_open(self) -> None:
        if not self._started or self._closed:
            raise BusUnavailable(f"{self!r} is not started or already closed")
