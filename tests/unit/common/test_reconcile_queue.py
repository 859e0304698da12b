"""WorkQueue: de-duplication, single flight, delays, backoff and shutdown."""

from __future__ import annotations

import asyncio
import random

import pytest

from pocketstack.common.reconcile import ExponentialBackoff, QueueShutDown, WorkQueue

# A little slack for timer resolution when checking that a delay was honoured.
SLACK = 0.01


async def test_add_deduplicates_waiting_keys() -> None:
    queue = WorkQueue()
    for key in ["a", "b", "a", "a", "b", "c"]:
        queue.add(key)

    assert len(queue) == 3
    assert [await queue.get() for _ in range(3)] == ["a", "b", "c"]
    assert len(queue) == 0


async def test_key_added_while_processing_is_requeued_once_after_done() -> None:
    queue = WorkQueue()
    queue.add("a")
    assert await queue.get() == "a"

    for _ in range(3):
        queue.add("a")

    assert queue.is_dirty("a")
    assert len(queue) == 0, "a processing key must not be handed out again"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(queue.get(), timeout=0.05)

    queue.done("a")
    assert len(queue) == 1
    assert await queue.get() == "a"
    queue.done("a")
    assert len(queue) == 0
    assert not queue.is_tracked("a")


async def test_done_without_get_is_an_error() -> None:
    queue = WorkQueue()
    queue.add("a")
    with pytest.raises(ValueError, match="not being processed"):
        queue.done("a")


async def test_add_after_waits_for_the_delay() -> None:
    loop = asyncio.get_running_loop()
    queue = WorkQueue()
    started = loop.time()
    queue.add_after("a", 0.05)

    assert len(queue) == 0
    assert queue.delayed == {"a"}
    assert await asyncio.wait_for(queue.get(), timeout=1.0) == "a"
    assert loop.time() - started >= 0.05 - SLACK
    assert queue.delayed == frozenset()


async def test_add_after_keeps_the_earlier_time() -> None:
    loop = asyncio.get_running_loop()
    queue = WorkQueue()
    started = loop.time()
    queue.add_after("a", 5.0)
    queue.add_after("a", 0.02)
    queue.add_after("a", 3.0)

    assert await asyncio.wait_for(queue.get(), timeout=1.0) == "a"
    assert loop.time() - started < 1.0


async def test_add_supersedes_a_pending_delay() -> None:
    queue = WorkQueue()
    queue.add_after("a", 0.05)
    queue.add("a")

    assert await asyncio.wait_for(queue.get(), timeout=0.01) == "a"
    queue.done("a")
    await asyncio.sleep(0.1)
    assert len(queue) == 0, "the superseded timer must not fire"


async def test_add_if_absent_leaves_tracked_keys_alone() -> None:
    queue = WorkQueue()
    queue.add_after("delayed", 5.0)
    queue.add("queued")
    queue.add("busy")
    assert await queue.get() == "queued"  # FIFO: "queued" first, now processing
    queue.add("queued")  # dirty
    assert await queue.get() == "busy"

    assert not queue.add_if_absent("delayed")
    assert not queue.add_if_absent("busy")
    assert queue.add_if_absent("new")
    assert not queue.add_if_absent("new")
    assert queue.delayed == {"delayed"}
    assert not queue.is_dirty("busy")
    assert queue.processing == {"queued", "busy"}
    queue.shutdown()


async def test_shutdown_wakes_every_getter() -> None:
    queue = WorkQueue()
    getters = [asyncio.create_task(queue.get()) for _ in range(3)]
    await asyncio.sleep(0.01)
    assert not any(task.done() for task in getters)

    queue.shutdown()
    results = await asyncio.wait_for(asyncio.gather(*getters, return_exceptions=True), timeout=1.0)

    assert all(isinstance(result, QueueShutDown) for result in results)
    queue.add("late")
    assert len(queue) == 0
    with pytest.raises(QueueShutDown):
        await queue.get()


async def test_shutdown_cancels_delays() -> None:
    queue = WorkQueue()
    queue.add_after("a", 0.02)
    queue.shutdown()
    await asyncio.sleep(0.05)
    assert len(queue) == 0
    assert queue.delayed == frozenset()


async def test_cancelled_getter_passes_its_wakeup_on() -> None:
    queue = WorkQueue()
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await asyncio.sleep(0.01)

    queue.add("a")  # wakes `first` ...
    first.cancel()  # ... which is cancelled before it can take the key

    assert await asyncio.wait_for(second, timeout=1.0) == "a"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_backoff_grows_per_key_caps_and_resets_on_forget() -> None:
    queue = WorkQueue(backoff=ExponentialBackoff(base=0.1, cap=0.5))

    assert [queue.backoff_for("a") for _ in range(5)] == pytest.approx([0.1, 0.2, 0.4, 0.5, 0.5])
    assert queue.failures("a") == 5
    assert queue.backoff_for("b") == pytest.approx(0.1), "failures are counted per key"

    queue.forget("a")
    assert queue.failures("a") == 0
    assert queue.backoff_for("a") == pytest.approx(0.1)


async def test_add_rate_limited_schedules_the_retry() -> None:
    queue = WorkQueue(backoff=ExponentialBackoff(base=0.02, cap=1.0))
    assert queue.add_rate_limited("a") == pytest.approx(0.02)
    assert queue.delayed == {"a"}
    assert await asyncio.wait_for(queue.get(), timeout=1.0) == "a"


def test_backoff_jitter_stays_within_bounds_and_cap() -> None:
    backoff = ExponentialBackoff(base=1.0, cap=4.0, jitter=0.5)
    rng = random.Random(7)
    for failures in range(1, 8):
        nominal = min(4.0, 2.0 ** (failures - 1))
        delay = backoff.delay(failures, rng)
        assert nominal * 0.5 <= delay <= min(4.0, nominal * 1.5)


def test_backoff_survives_huge_failure_counts() -> None:
    assert ExponentialBackoff(base=0.5, cap=60.0).delay(10_000) == 60.0


@pytest.mark.parametrize(
    "kwargs",
    [{"base": 0.0}, {"base": 2.0, "cap": 1.0}, {"factor": 0.5}, {"jitter": 1.5}],
)
def test_backoff_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ExponentialBackoff(**kwargs)
