"""The bus vocabulary: the ``Bus`` protocol, its errors and the wire envelope.

A message is a JSON object (encoded with orjson)::

    {"method": str, "payload": {...}, "reply_to": str?, "correlation_id": str?}

``reply_to`` and ``correlation_id`` are present on calls only. The handler's answer goes
back to ``reply_to`` as ``{"correlation_id": str, "result": ...}`` or, when the handler
raised, ``{"correlation_id": str, "error": {"exc_type": str, "message": str}}``.

Transports share ``dispatch`` (run a handler, build the reply) and ``PendingCalls``
(the futures of calls waiting for their reply), so both behave the same way.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

log = logging.getLogger(__name__)

Handler = Callable[[str, dict[str, Any]], Awaitable[Any]]
"""Serves one message: ``(method, payload) -> JSON-serialisable result``."""


class BusError(Exception):
    """Base of every error the bus raises."""


class CallTimeout(BusError):
    """No reply arrived within the call's timeout."""


class BusUnavailable(BusError):
    """The transport cannot be reached (connection refused, lost, not started)."""


class RemoteError(BusError):
    """The remote handler raised; carries the name of its exception and its message."""

    def __init__(self, exc_type: str, message: str) -> None:
        super().__init__(f"{exc_type}: {message}")
        self.exc_type = exc_type
        self.message = message


class Subscription(Protocol):
    async def cancel(self) -> None:
        """Stop consuming; handlers still running are cancelled, their messages kept."""


class Bus(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None:
        """Cancel every subscription and release the transport. Idempotent."""

    async def serve(
        self, topic: str, handler: Handler, *, server: str | None = None
    ) -> Subscription:
        """Consume ``topic`` (competing with other servers), its fanouts, and, given
        ``server``, the messages addressed to ``topic.server``."""

    async def cast(
        self, topic: str, method: str, payload: dict[str, Any], *, server: str | None = None
    ) -> None:
        """Send without waiting for the outcome."""

    async def call(
        self,
        topic: str,
        method: str,
        payload: dict[str, Any],
        *,
        server: str | None = None,
        timeout: float,  # noqa: ASYNC109 - also the message expiry, not just a wait
    ) -> Any:
        """Send and wait for the handler's result; ``CallTimeout`` or ``RemoteError``."""

    async def fanout(self, topic: str, method: str, payload: dict[str, Any]) -> None:
        """Deliver to every current subscriber of ``topic``."""


def queue_name(topic: str, server: str | None) -> str:
    """The queue a message for ``topic`` (optionally one ``server`` of it) goes to."""
    return topic if server is None else f"{topic}.{server}"


@dataclass(frozen=True)
class Envelope:
    method: str
    payload: dict[str, Any]
    reply_to: str | None = None
    correlation_id: str | None = None

    def encode(self) -> bytes:
        body: dict[str, Any] = {"method": self.method, "payload": self.payload}
        if self.reply_to is not None:
            body["reply_to"] = self.reply_to
            body["correlation_id"] = self.correlation_id
        return orjson.dumps(body)

    @classmethod
    def decode(cls, data: bytes) -> Envelope:
        try:
            body = orjson.loads(data)
            method, payload = body["method"], body["payload"]
            reply_to, correlation_id = body.get("reply_to"), body.get("correlation_id")
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise BusError(f"malformed message: {exc}") from exc
        if not isinstance(method, str) or not isinstance(payload, dict):
            raise BusError("malformed message: method must be a string, payload an object")
        return cls(method, payload, reply_to, correlation_id)


async def dispatch(handler: Handler, envelope: Envelope) -> bytes | None:
    """Run ``handler`` on one message; return the encoded reply (calls) or ``None`` (casts).

    A handler's exception never escapes: a cast logs it, a call turns it into an error
    reply. Cancellation does escape, so the transport can keep the message.
    """
    try:
        result = await handler(envelope.method, envelope.payload)
        if envelope.reply_to is None:
            return None
        return orjson.dumps({"correlation_id": envelope.correlation_id, "result": result})
    except Exception as exc:
        if envelope.reply_to is None:
            log.exception("cast %r failed", envelope.method)
            return None
        error = {"exc_type": type(exc).__name__, "message": str(exc)}
        return orjson.dumps({"correlation_id": envelope.correlation_id, "error": error})


class PendingCalls:
    """The futures of calls waiting for their reply, keyed by correlation id."""

    def __init__(self) -> None:
        self._futures: dict[str, asyncio.Future[Any]] = {}

    async def call(
        self,
        send: Callable[[str], Awaitable[None]],
        timeout: float,  # noqa: ASYNC109
    ) -> Any:
        """Send with a fresh correlation id, then wait for its reply; both within ``timeout``."""
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._futures[correlation_id] = future
        try:
            async with asyncio.timeout(timeout):
                await send(correlation_id)
                return await future
        except TimeoutError:
            raise CallTimeout(f"no reply within {timeout} s") from None
        finally:
            self._futures.pop(correlation_id, None)

    def resolve(self, data: bytes) -> None:
        """Settle the call a reply belongs to; late or unknown replies are dropped."""
        try:
            reply = orjson.loads(data)
            future = self._futures.get(reply["correlation_id"])
            error = reply.get("error")
            outcome = (
                RemoteError(str(error["exc_type"]), str(error["message"]))
                if error is not None
                else None
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            log.warning("dropping malformed reply: %s", exc)
            return
        if future is None or future.done():
            return
        if outcome is not None:
            future.set_exception(outcome)
        else:
            future.set_result(reply.get("result"))

    def fail_all(self, exc: BusError) -> None:
        for future in self._futures.values():
            if not future.done():
                future.set_exception(exc)
        self._futures.clear()


def log_if_crashed(task: asyncio.Task[Any]) -> None:
    """Done callback for background tasks: they may be cancelled, never die silently."""
    if not task.cancelled() and task.exception() is not None:
        log.error("bus task %s died", task.get_name(), exc_info=task.exception())
