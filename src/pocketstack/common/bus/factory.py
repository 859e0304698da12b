"""Build the bus a URL names: ``memory://<name>`` or ``amqp://user:pass@host:port/vhost``."""

from __future__ import annotations

from urllib.parse import urlsplit

from pocketstack.common.bus.base import Bus
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
