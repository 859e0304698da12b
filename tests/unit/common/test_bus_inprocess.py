"""The in-process bus: cast, call, fanout, server addressing, isolation, clean close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from pocketstack.common.bus import (
    BusUnavailable,
    CallTimeout,
    InProcessBus,
    RabbitMQBus,
    RemoteError,
    make_bus,
)

WAIT = 2.0
Received = asyncio.Queue[tuple[str, dict[str, Any]]]


@pytest.fixture
async def bus() -> AsyncIterator[InProcessBus]:
    bus = InProcessBus("test")
    await bus.start()
    yield bus
    await bus.close()


def recorder(received: Received, result: Any = None) -> Any:
    async def handler(method: str, payload: dict[str, Any]) -> Any:
        received.put_nowait((method, payload))
        return result

    return handler


async def next_message(received: Received) -> tuple[str, dict[str, Any]]:
    return await asyncio.wait_for(received.get(), WAIT)


async def test_cast_reaches_one_server(bus: InProcessBus) -> None:
    first: Received = asyncio.Queue()
    second: Received = asyncio.Queue()
    await bus.serve("compute", recorder(first))
    await bus.serve("compute", recorder(second))

    await bus.cast("compute", "build", {"uuid": "abc"})
    await asyncio.sleep(0.05)

    got = [first.get_nowait() for _ in range(first.qsize())]
    got += [second.get_nowait() for _ in range(second.qsize())]
    assert got == [("build", {"uuid": "abc"})]


async def test_cast_before_serve_waits_for_a_server(bus: InProcessBus) -> None:
    received: Received = asyncio.Queue()
    await bus.cast("compute", "build", {"n": 1})
    await bus.serve("compute", recorder(received))
    assert await next_message(received) == ("build", {"n": 1})


async def test_call_returns_the_handler_result(bus: InProcessBus) -> None:
    async def add(method: str, payload: dict[str, Any]) -> Any:
        return {"method": method, "sum": payload["a"] + payload["b"]}

    await bus.serve("math", add)
    result = await bus.call("math", "add", {"a": 2, "b": 3}, timeout=WAIT)
    assert result == {"method": "add", "sum": 5}


async def test_call_without_a_server_times_out(bus: InProcessBus) -> None:
    with pytest.raises(CallTimeout):
        await bus.call("nobody", "ping", {}, timeout=0.1)


async def test_call_to_a_slow_handler_times_out(bus: InProcessBus) -> None:
    async def slow(method: str, payload: dict[str, Any]) -> Any:
        await asyncio.sleep(10)

    await bus.serve("slow", slow)
    with pytest.raises(CallTimeout):
        await bus.call("slow", "wait", {}, timeout=0.1)


async def test_handler_exception_becomes_remote_error(bus: InProcessBus) -> None:
    async def broken(method: str, payload: dict[str, Any]) -> Any:
        raise KeyError("flavor")

    await bus.serve("broken", broken)
    with pytest.raises(RemoteError) as caught:
        await bus.call("broken", "boom", {}, timeout=WAIT)
    assert caught.value.exc_type == "KeyError"
    assert "flavor" in caught.value.message

    # the consumer survived the failure
    with pytest.raises(RemoteError):
        await bus.call("broken", "boom", {}, timeout=WAIT)


async def test_failed_cast_is_logged_and_the_consumer_goes_on(
    bus: InProcessBus, caplog: pytest.LogCaptureFixture
) -> None:
    received: Received = asyncio.Queue()

    async def fails_once(method: str, payload: dict[str, Any]) -> Any:
        if method == "bad":
            raise RuntimeError("disk full")
        received.put_nowait((method, payload))

    await bus.serve("compute", fails_once)
    await bus.cast("compute", "bad", {})
    await bus.cast("compute", "good", {})
    assert await next_message(received) == ("good", {})
    assert "cast 'bad' failed" in caplog.text


async def test_fanout_reaches_every_subscriber(bus: InProcessBus) -> None:
    queues: list[Received] = [asyncio.Queue() for _ in range(3)]
    for received in queues:
        await bus.serve("scheduler", recorder(received))

    await bus.fanout("scheduler", "update_hosts", {"host": "h1"})

    for received in queues:
        assert await next_message(received) == ("update_hosts", {"host": "h1"})


async def test_fanout_skips_cancelled_subscribers(bus: InProcessBus) -> None:
    kept: Received = asyncio.Queue()
    dropped: Received = asyncio.Queue()
    await bus.serve("scheduler", recorder(kept))
    subscription = await bus.serve("scheduler", recorder(dropped))
    await subscription.cancel()

    await bus.fanout("scheduler", "update_hosts", {})
    assert await next_message(kept) == ("update_hosts", {})
    assert dropped.empty()


async def test_server_addressed_messages_reach_that_server_only(bus: InProcessBus) -> None:
    host1: Received = asyncio.Queue()
    host2: Received = asyncio.Queue()
    await bus.serve("compute", recorder(host1, "from host1"), server="host1")
    await bus.serve("compute", recorder(host2, "from host2"), server="host2")

    for n in range(5):
        await bus.cast("compute", "reboot", {"n": n}, server="host2")
    assert await bus.call("compute", "ping", {}, server="host1", timeout=WAIT) == "from host1"

    assert [await next_message(host2) for _ in range(5)] == [("reboot", {"n": n}) for n in range(5)]
    assert await next_message(host1) == ("ping", {})
    assert host1.empty()


async def test_two_buses_are_isolated() -> None:
    cell1, cell2 = InProcessBus("cell1"), InProcessBus("cell1")
    await cell1.start()
    await cell2.start()
    try:
        in_cell1: Received = asyncio.Queue()
        in_cell2: Received = asyncio.Queue()
        await cell1.serve("compute", recorder(in_cell1))
        await cell2.serve("compute", recorder(in_cell2))

        await cell1.cast("compute", "build", {})
        await cell1.fanout("compute", "refresh", {})

        got = sorted([await next_message(in_cell1), await next_message(in_cell1)])
        assert got == [("build", {}), ("refresh", {})]
        await asyncio.sleep(0.05)
        assert in_cell2.empty()
    finally:
        await cell1.close()
        await cell2.close()


async def test_close_cancels_handlers_and_keeps_their_message() -> None:
    bus = InProcessBus()
    await bus.start()
    started = asyncio.Event()

    async def stuck(method: str, payload: dict[str, Any]) -> Any:
        started.set()
        await asyncio.Event().wait()

    subscription = await bus.serve("compute", stuck)
    await bus.cast("compute", "build", {"n": 1})
    await asyncio.wait_for(started.wait(), WAIT)

    await subscription.cancel()
    received: Received = asyncio.Queue()
    await bus.serve("compute", recorder(received))
    assert await next_message(received) == ("build", {"n": 1})

    pending = asyncio.create_task(bus.call("nobody", "ping", {}, timeout=WAIT))
    await asyncio.sleep(0)
    await bus.close()
    await bus.close()  # idempotent
    with pytest.raises(BusUnavailable):
        await pending
    with pytest.raises(BusUnavailable):
        await bus.cast("compute", "build", {})


async def test_unstarted_bus_refuses_to_send() -> None:
    with pytest.raises(BusUnavailable):
        await InProcessBus().cast("compute", "build", {})


def test_make_bus_picks_the_transport() -> None:
    assert isinstance(make_bus("memory://cell1"), InProcessBus)
    assert isinstance(make_bus("amqp://guest:guest@127.0.0.1:5672/cell1"), RabbitMQBus)
    with pytest.raises(ValueError, match="unknown bus URL scheme"):
        make_bus("kafka://somewhere")
