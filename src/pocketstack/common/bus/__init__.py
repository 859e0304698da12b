"""The message bus compute uses between its API level, its cells and their hosts.

``make_bus(url)`` builds one; ``Bus`` is the protocol every transport follows.
"""

from __future__ import annotations

from pocketstack.common.bus.base import (
    Bus,
    BusError,
    BusUnavailable,
    CallTimeout,
    Handler,
    RemoteError,
    Subscription,
)
from pocketstack.common.bus.factory import make_bus, probe_bus
from pocketstack.common.bus.inprocess import InProcessBus
from pocketstack.common.bus.rabbitmq import RabbitMQBus

__all__ = [
    "Bus",
    "BusError",
    "BusUnavailable",
    "CallTimeout",
    "Handler",
    "InProcessBus",
    "RabbitMQBus",
    "RemoteError",
    "Subscription",
    "make_bus",
    "probe_bus",
]
