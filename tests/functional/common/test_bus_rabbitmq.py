"""The RabbitMQ bus against a real broker: vhost isolation, calls, fanout, redelivery.

Each run creates two fresh vhosts with ``rabbitmqctl`` (shared by the tests of this
module) and deletes them afterwards; every test uses its own topic names.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from pocketstack.common.bus import BusUnavailable, CallTimeout, RabbitMQBus, RemoteError

pytestmark = pytest.mark.rabbitmq

WAIT = 5.0
Received = asyncio.Queue[tuple[str, dict[str, Any]]]
OpenBus = Callable[[str], Awaitable[RabbitMQBus]]


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=30)


class Vhosts:
    """Two vhosts, made on first use (after the broker is known to be reachable)."""

    def __init__(self) -> None:
        run = uuid.uuid4().hex[:8]
        self.names = (f"pocketstack-test-{run}-a", f"pocketstack-test-{run}-b")
        self.created: list[str] = []

    def ensure(self) -> tuple[str, str]:
        if not self.created:
            if shutil.which("rabbitmqctl") is None:
                pytest.skip("rabbitmqctl is needed to create test vhosts")
            for name in self.names:
                rabbitmqctl("add_vhost", name)
                self.created.append(name)
                rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        return self.names

    def delete(self) -> None:
        for name in self.created:
            rabbitmqctl("delete_vhost", name)


@pytest.fixture(scope="module")
def vhosts() -> Iterator[Vhosts]:
    vhosts = Vhosts()
    yield vhosts
    vhosts.delete()


@pytest.fixture
def urls(rabbitmq_url: str, vhosts: Vhosts) -> tuple[str, str]:
    """The bus URLs of vhost A and vhost B."""
    a, b = vhosts.ensure()
    return rabbitmq_url + a, rabbitmq_url + b


@pytest.fixture
async def open_bus() -> AsyncIterator[OpenBus]:
    """Start buses for a test; whatever the test leaves open is closed afterwards."""
    buses: list[RabbitMQBus] = []

    async def start(url: str) -> RabbitMQBus:
        bus = RabbitMQBus(url)
        buses.append(bus)
        await bus.start()
        return bus

    yield start
    for bus in buses:
        await bus.close()


@pytest.fixture
def topic() -> str:
    return f"topic-{uuid.uuid4().hex[:8]}"


def recorder(received: Received, result: Any = None) -> Any:
    async def handler(method: str, payload: dict[str, Any]) -> Any:
        received.put_nowait((method, payload))
        return result

    return handler


async def next_message(received: Received) -> tuple[str, dict[str, Any]]:
    return await asyncio.wait_for(received.get(), WAIT)


async def test_vhosts_are_isolated(urls: tuple[str, str], open_bus: OpenBus, topic: str) -> None:
    a, b = await open_bus(urls[0]), await open_bus(urls[1])
    in_a: Received = asyncio.Queue()
    in_b: Received = asyncio.Queue()
    await a.serve(topic, recorder(in_a), server="host1")
    await b.serve(topic, recorder(in_b), server="host1")

    await a.cast(topic, "build", {"n": 1})
    await a.cast(topic, "reboot", {"n": 2}, server="host1")
    await a.fanout(topic, "refresh", {"n": 3})

    got = sorted([await next_message(in_a) for _ in range(3)])
    assert got == [("build", {"n": 1}), ("reboot", {"n": 2}), ("refresh", {"n": 3})]
    await asyncio.sleep(0.3)
    assert in_b.empty()


async def test_call_round_trip(urls: tuple[str, str], open_bus: OpenBus, topic: str) -> None:
    server, client = await open_bus(urls[0]), await open_bus(urls[0])

    async def add(method: str, payload: dict[str, Any]) -> Any:
        return {"method": method, "sum": payload["a"] + payload["b"]}

    await server.serve(topic, add, server="host1")
    assert await client.call(topic, "add", {"a": 2, "b": 3}, timeout=WAIT) == {
        "method": "add",
        "sum": 5,
    }
    result = await client.call(topic, "add", {"a": 1, "b": 1}, server="host1", timeout=WAIT)
    assert result == {"method": "add", "sum": 2}


async def test_handler_exception_becomes_remote_error(
    urls: tuple[str, str], open_bus: OpenBus, topic: str
) -> None:
    server, client = await open_bus(urls[0]), await open_bus(urls[0])

    async def broken(method: str, payload: dict[str, Any]) -> Any:
        raise ValueError("no valid host")

    await server.serve(topic, broken)
    with pytest.raises(RemoteError) as caught:
        await client.call(topic, "schedule", {}, timeout=WAIT)
    assert (caught.value.exc_type, caught.value.message) == ("ValueError", "no valid host")


async def test_call_timeout_is_typed(urls: tuple[str, str], open_bus: OpenBus, topic: str) -> None:
    client = await open_bus(urls[0])
    with pytest.raises(CallTimeout):
        await client.call(topic, "ping", {}, timeout=0.3)


async def test_fanout_reaches_every_subscriber(
    urls: tuple[str, str], open_bus: OpenBus, topic: str
) -> None:
    queues: list[Received] = [asyncio.Queue() for _ in range(3)]
    for received in queues:
        bus = await open_bus(urls[0])
        await bus.serve(topic, recorder(received))

    sender = await open_bus(urls[0])
    await sender.fanout(topic, "update_hosts", {"host": "h1"})

    for received in queues:
        assert await next_message(received) == ("update_hosts", {"host": "h1"})


async def test_consumer_dying_mid_message_loses_nothing(
    urls: tuple[str, str], open_bus: OpenBus, topic: str
) -> None:
    doomed = await open_bus(urls[0])
    started = asyncio.Event()

    async def stuck(method: str, payload: dict[str, Any]) -> Any:
        started.set()
        await asyncio.Event().wait()

    await doomed.serve(topic, stuck)
    sender = await open_bus(urls[0])
    await sender.cast(topic, "build", {"uuid": "abc"})
    await asyncio.wait_for(started.wait(), WAIT)

    await doomed.close()  # dies before its handler finished, so before the ack

    survivor = await open_bus(urls[0])
    received: Received = asyncio.Queue()
    await survivor.serve(topic, recorder(received))
    assert await next_message(received) == ("build", {"uuid": "abc"})


async def test_cancelled_subscription_gives_its_message_back(
    urls: tuple[str, str], open_bus: OpenBus, topic: str
) -> None:
    bus = await open_bus(urls[0])
    started = asyncio.Event()

    async def stuck(method: str, payload: dict[str, Any]) -> Any:
        started.set()
        await asyncio.Event().wait()

    subscription = await bus.serve(topic, stuck)
    await bus.cast(topic, "build", {"uuid": "abc"})
    await asyncio.wait_for(started.wait(), WAIT)
    await subscription.cancel()

    received: Received = asyncio.Queue()
    await bus.serve(topic, recorder(received))
    assert await next_message(received) == ("build", {"uuid": "abc"})


async def test_each_cast_goes_to_one_server(
    urls: tuple[str, str], open_bus: OpenBus, topic: str
) -> None:
    received: Received = asyncio.Queue()
    for _ in range(2):
        bus = await open_bus(urls[0])
        await bus.serve(topic, recorder(received))

    sender = await open_bus(urls[0])
    for n in range(10):
        await sender.cast(topic, "build", {"n": n})

    got = sorted([(await next_message(received))[1]["n"] for _ in range(10)])
    assert got == list(range(10))
    await asyncio.sleep(0.2)
    assert received.empty()


async def test_cast_persists_until_a_server_comes(
    urls: tuple[str, str], open_bus: OpenBus, topic: str
) -> None:
    sender = await open_bus(urls[0])
    await sender.cast(topic, "build", {"n": 1}, server="host9")

    server = await open_bus(urls[0])
    received: Received = asyncio.Queue()
    await server.serve(topic, recorder(received), server="host9")
    assert await next_message(received) == ("build", {"n": 1})


async def test_unreachable_broker_is_bus_unavailable() -> None:
    bus = RabbitMQBus("amqp://guest:guest@127.0.0.1:1/", connect_timeout=2.0)
    with pytest.raises(BusUnavailable):
        await bus.start()
    await bus.close()
