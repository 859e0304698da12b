"""Build the bus a URL names: ``memory://<name>`` or ``amqp://user:pass@host:port/vhost``."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import aio_pika

from pocketstack.common.bus.base import Bus, BusUnavailable
from pocketstack.common.bus.inprocess import InProcessBus
from pocketstack.common.bus.rabbitmq import RabbitMQBus


def make_bus(url: str) -> Bus:
    """An unstarted bus for ``url``; every call builds a new, independent one."""
    parts = urlsplit(url)
    if parts.scheme == "memory":
        return InProcessBus(parts.netloc or "default")
    if parts.scheme in ("amqp", "amqps"):
        return RabbitMQBus(url)
    raise ValueError(f"unknown bus URL scheme {parts.scheme!r} in {parts.scheme}://...")


async def probe_bus(url: str, *, timeout: float) -> None:  # noqa: ASYNC109
    """Connect to ``url`` afresh and hang up; ``BusUnavailable`` when that fails or takes
    longer than ``timeout`` seconds (an in-process bus is always there)."""
    if urlsplit(url).scheme == "memory":
        return
    try:
        async with asyncio.timeout(timeout):
            connection = await aio_pika.connect(url, timeout=timeout)
            await connection.close()
    except (TimeoutError, OSError, aio_pika.exceptions.AMQPError) as exc:
        raise BusUnavailable(f"{type(exc).__name__}: {exc}") from exc
