"""The RabbitMQ bus: aio-pika over one vhost (one cell, or the API level).

Topology, all in the URL's vhost, so two buses on two vhosts share nothing:

- ``topic`` and ``topic.server``: durable queues on the default exchange. Casts are
  persistent; calls are transient and expire with their timeout. Every server of a topic
  consumes ``topic`` (competing consumers), and its own ``topic.server``.
- ``topic_fanout``: a fanout exchange; each subscriber binds an exclusive, auto-deleted
  queue to it, so a fanout reaches the subscribers of the moment.
- replies: one exclusive, server-named queue per bus, consumed without acks; the
  correlation id in the envelope finds the waiting call.

Each ``serve`` gets its own channel with a prefetch limit. A message is acked only after
its handler has finished (and its reply is sent), so a consumer that dies mid-message
leaves it unacked and the broker redelivers it to another.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError

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

TRANSPORT_ERRORS = (AMQPError, ChannelInvalidStateError, OSError)


class RabbitMQSubscription:
    """One ``serve``: its channel, its consumers and the handlers now running."""

    def __init__(
        self,
        channel: AbstractChannel,
        handler: Handler,
        on_cancel: Callable[[RabbitMQSubscription], None],
    ) -> None:
        self._channel = channel
        self._handler = handler
        self._on_cancel = on_cancel
        self._consumers: list[tuple[AbstractQueue, str]] = []
        self._handling: set[asyncio.Task[None]] = set()
        self._stopped = False

    async def consume(self, queues: Iterable[AbstractQueue]) -> None:
        for queue in queues:
            self._consumers.append((queue, await queue.consume(self._on_message)))

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        if self._stopped:
            return  # left unacked: the broker redelivers it once the channel closes
        task = asyncio.create_task(self._handle(message))
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)
        task.add_done_callback(log_if_crashed)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = Envelope.decode(message.body)
        except BusError:
            log.exception("rejecting a malformed message")
            await message.reject(requeue=False)
            return
        reply = await dispatch(self._handler, envelope)
        if reply is not None and envelope.reply_to is not None:
            await self._channel.default_exchange.publish(
                aio_pika.Message(reply, content_type="application/json"),
                routing_key=envelope.reply_to,
                mandatory=False,
            )
        await message.ack()

    async def abandon(self) -> None:
        """Stop handling without touching the channel: unacked messages stay unacked."""
        self._stopped = True
        self._on_cancel(self)
        tasks = list(self._handling)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def cancel(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            for queue, consumer_tag in self._consumers:
                await queue.cancel(consumer_tag)
        except TRANSPORT_ERRORS as exc:
            log.warning("cancelling consumers failed: %s", exc)
        await self.abandon()
        try:
            await self._channel.close()  # the broker requeues whatever is still unacked
        except TRANSPORT_ERRORS as exc:
            log.warning("closing a consumer channel failed: %s", exc)


class RabbitMQBus:
    """A ``Bus`` on RabbitMQ; ``url`` names the vhost, e.g. ``amqp://u:p@host:5672/cell1``."""

    def __init__(self, url: str, *, prefetch: int = 16, connect_timeout: float = 10.0) -> None:
        self.url = url
        self._prefetch = prefetch
        self._connect_timeout = connect_timeout
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._reply_to = ""
        self._declared: set[str] = set()
        self._fanout_exchanges: dict[str, AbstractExchange] = {}
        self._subscriptions: set[RabbitMQSubscription] = set()
        self._pending = PendingCalls()
        self._closed = False

    def __repr__(self) -> str:
        parts = urlsplit(self.url)
        return f"RabbitMQBus('{parts.scheme}://{parts.hostname}:{parts.port}{parts.path}')"

    async def start(self) -> None:
        if self._closed:
            raise BusUnavailable(f"{self!r} is closed")
        if self._connection is not None:
            return
        try:
            self._connection = await aio_pika.connect_robust(
                self.url, timeout=self._connect_timeout
            )
            self._channel = await self._connection.channel()
            replies = await self._channel.declare_queue(exclusive=True, auto_delete=True)
            await replies.consume(self._on_reply, no_ack=True)
        except TRANSPORT_ERRORS as exc:
            connection, self._connection, self._channel = self._connection, None, None
            if connection is not None:
                await connection.close()
            raise BusUnavailable(f"{self!r}: {exc}") from exc
        self._reply_to = replies.name

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for subscription in list(self._subscriptions):
            await subscription.abandon()
        self._pending.fail_all(BusUnavailable(f"{self!r} closed"))
        if self._connection is not None:
            await self._connection.close()

    async def serve(
        self, topic: str, handler: Handler, *, server: str | None = None
    ) -> RabbitMQSubscription:
        connection = self._require_open()[0]
        channel: AbstractChannel | None = None
        try:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self._prefetch)
            names = [topic] if server is None else [topic, queue_name(topic, server)]
            queues = [await channel.declare_queue(name, durable=True) for name in names]
            exchange = await self._declare_fanout(channel, topic)
            fanout_queue = await channel.declare_queue(exclusive=True, auto_delete=True)
            await fanout_queue.bind(exchange)
            subscription = RabbitMQSubscription(channel, handler, self._subscriptions.discard)
            await subscription.consume([*queues, fanout_queue])
        except TRANSPORT_ERRORS as exc:
            if channel is not None and not channel.is_closed:
                await channel.close()
            raise BusUnavailable(f"{self!r}: cannot serve {topic!r}: {exc}") from exc
        self._subscriptions.add(subscription)
        return subscription

    async def cast(
        self, topic: str, method: str, payload: dict[str, Any], *, server: str | None = None
    ) -> None:
        name = queue_name(topic, server)
        message = aio_pika.Message(
            Envelope(method, payload).encode(),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await self._publish_to_queue(name, message)

    async def call(
        self,
        topic: str,
        method: str,
        payload: dict[str, Any],
        *,
        server: str | None = None,
        timeout: float,  # noqa: ASYNC109 - also the message expiry, not just a wait
    ) -> Any:
        name = queue_name(topic, server)

        async def send(correlation_id: str) -> None:
            envelope = Envelope(method, payload, self._reply_to, correlation_id)
            message = aio_pika.Message(
                envelope.encode(), content_type="application/json", expiration=timeout
            )
            await self._publish_to_queue(name, message)

        return await self._pending.call(send, timeout)

    async def fanout(self, topic: str, method: str, payload: dict[str, Any]) -> None:
        channel = self._require_open()[1]
        message = aio_pika.Message(
            Envelope(method, payload).encode(), content_type="application/json"
        )
        try:
            exchange = self._fanout_exchanges.get(topic)
            if exchange is None:
                exchange = await self._declare_fanout(channel, topic)
                self._fanout_exchanges[topic] = exchange
            await exchange.publish(message, routing_key="", mandatory=False)
        except TRANSPORT_ERRORS as exc:
            raise BusUnavailable(f"{self!r}: fanout to {topic!r} failed: {exc}") from exc

    async def _publish_to_queue(self, name: str, message: aio_pika.Message) -> None:
        channel = self._require_open()[1]
        try:
            if name not in self._declared:
                await channel.declare_queue(name, durable=True)
                self._declared.add(name)
            await channel.default_exchange.publish(message, routing_key=name)
        except TRANSPORT_ERRORS as exc:
            raise BusUnavailable(f"{self!r}: publishing to {name!r} failed: {exc}") from exc

    @staticmethod
    async def _declare_fanout(channel: AbstractChannel, topic: str) -> AbstractExchange:
        return await channel.declare_exchange(
            f"{topic}_fanout", aio_pika.ExchangeType.FANOUT, durable=True
        )

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        self._pending.resolve(message.body)

    def _require_open(self) -> tuple[AbstractRobustConnection, AbstractChannel]:
        if self._closed or self._connection is None or self._channel is None:
            raise BusUnavailable(f"{self!r} is not started or already closed")
        return self._connection, self._channel
