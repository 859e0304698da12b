"""ReconcilerRuntime: outcomes, backoff, resync, single flight, stop; and guarded tasks."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import pytest

from pocketstack.common.reconcile import (
    Done,
    GuardedTasks,
    Outcome,
    PermanentError,
    ReconcilerRuntime,
    Requeue,
    TemporaryError,
    spawn_guarded,
)

SLACK = 0.01
Step = Outcome | Exception | None


class ScriptedReconciler:
    """Answers each key's reconciles from a script; settled keys leave ``unsettled``."""

    name = "scripted"

    def __init__(self, script: dict[str, list[Step]] | None = None, *, work: float = 0.0) -> None:
        self.script = defaultdict(list, script or {})
        self.work = work
        self.unsettled: set[str] = set(self.script)
        self.calls: dict[str, list[float]] = defaultdict(list)
        self.permanent: list[tuple[str, str]] = []
        self.active: Counter[str] = Counter()
        self.max_active: Counter[str] = Counter()
        self.max_total_active = 0
        self.gate: asyncio.Event | None = None  # when set, reconciles wait for it

    async def reconcile(self, key: str) -> Outcome:
        self.calls[key].append(asyncio.get_running_loop().time())
        self.active[key] += 1
        self.max_active[key] = max(self.max_active[key], self.active[key])
        self.max_total_active = max(self.max_total_active, self.active.total())
        try:
            if self.gate is not None:
                await self.gate.wait()
            if self.work:
                await asyncio.sleep(self.work)
            step = self.script[key].pop(0) if self.script[key] else Done()
            if isinstance(step, Exception):
                raise step
            if isinstance(step, Done):
                self.unsettled.discard(key)
            return step  # type: ignore[return-value]  # None on purpose in one test
        finally:
            self.active[key] -= 1

    async def list_unsettled(self) -> Sequence[str]:
        return sorted(self.unsettled)

    async def on_permanent_error(self, key: str, reason: str) -> None:
        self.permanent.append((key, reason))
        self.unsettled.discard(key)


async def eventually(check: Callable[[], bool], within: float = 2.0) -> None:
    """Poll ``check`` every 5 ms until it holds; fail after ``within`` seconds."""
    for _ in range(int(within / 0.005)):
        if check():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached in time")


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def runtime(reconciler: ScriptedReconciler, **kwargs: float) -> ReconcilerRuntime:
    options: dict[str, float] = {"resync_interval": 30.0, "backoff_base": 0.02, "stop_grace": 1.0}
    options.update(kwargs)
    return ReconcilerRuntime(reconciler, **options)  # type: ignore[arg-type]


async def test_done_settles_the_key() -> None:
    reconciler = ScriptedReconciler()
    async with runtime(reconciler) as rt:
        rt.nudge("a")
        await eventually(lambda: rt.stats.done == 1)
        await asyncio.sleep(0.05)

    assert len(reconciler.calls["a"]) == 1
    assert rt.stats.reconciles == 1
    assert not rt.queue.is_tracked("a")


async def test_start_resumes_unsettled_keys_without_a_nudge() -> None:
    reconciler = ScriptedReconciler({"a": [Done()], "b": [Requeue(0.0), Done()]})
    async with runtime(reconciler) as rt:
        await eventually(lambda: not reconciler.unsettled)
    assert rt.stats.done == 2
    assert rt.stats.requeued == 1


async def test_requeue_runs_again_after_the_delay() -> None:
    reconciler = ScriptedReconciler({"a": [Requeue(0.1), Done()]})
    async with runtime(reconciler) as rt:
        await eventually(lambda: rt.stats.done == 1)

    (gap,) = gaps(reconciler.calls["a"])
    assert gap >= 0.1 - SLACK
    assert rt.queue.failures("a") == 0


async def test_temporary_errors_back_off_growing_then_reset_after_success() -> None:
    trouble = TemporaryError("database blip")
    reconciler = ScriptedReconciler({"a": [trouble, trouble, trouble, Done()]})
    async with runtime(reconciler, backoff_base=0.02, backoff_cap=1.0) as rt:
        await eventually(lambda: rt.stats.done == 1)
        assert rt.queue.failures("a") == 0, "success forgets the failures"

        reconciler.script["a"] = [trouble, Done()]
        rt.nudge("a")
        await eventually(lambda: rt.stats.done == 2)

    first, second, third, _nudged, after_reset = gaps(reconciler.calls["a"])
    assert first >= 0.02 - SLACK
    assert second >= 0.04 - SLACK
    assert third >= 0.08 - SLACK
    assert first < second < third
    # Without the reset this would be the fourth failure's 0.16 s.
    assert 0.02 - SLACK <= after_reset < 0.1, "the backoff starts over after a success"
    assert rt.stats.temporary_errors == 4


async def test_permanent_error_is_recorded_once_and_not_retried() -> None:
    reconciler = ScriptedReconciler({"a": [PermanentError("flavor is gone")]})
    async with runtime(reconciler, resync_interval=0.02) as rt:
        await eventually(lambda: bool(reconciler.permanent))
        await asyncio.sleep(0.1)  # several resyncs and backoff periods

    assert reconciler.permanent == [("a", "flavor is gone")]
    assert len(reconciler.calls["a"]) == 1
    assert rt.stats.permanent_errors == 1


async def test_an_exception_counts_as_a_temporary_error(caplog: pytest.LogCaptureFixture) -> None:
    reconciler = ScriptedReconciler({"a": [RuntimeError("boom"), None, Done()]})
    async with runtime(reconciler) as rt:
        await eventually(lambda: rt.stats.done == 1)

    assert len(reconciler.calls["a"]) == 3
    assert rt.stats.exceptions == 2  # the exception and the non-Outcome return
    assert rt.stats.temporary_errors == 2
    raised = [r for r in caplog.records if "reconcile of a raised" in r.getMessage()]
    assert len(raised) == 2
    assert all(r.exc_info is not None for r in raised), "logged with its traceback"
    assert "boom" in caplog.text


async def test_resync_picks_up_a_key_whose_nudge_was_lost() -> None:
    reconciler = ScriptedReconciler()
    async with runtime(reconciler, resync_interval=0.03) as rt:
        reconciler.unsettled.add("lost")  # a record was written, its nudge never sent
        await eventually(lambda: "lost" not in reconciler.unsettled, within=1.0)
        assert rt.stats.resyncs >= 2  # the one at start plus at least one periodic


async def test_resync_does_not_cut_a_backoff_short() -> None:
    # The backoff is far longer than the test waits, so however slow the machine is, every
    # resync counted here ran while "a" was backing off: none of them may reconcile it early.
    reconciler = ScriptedReconciler({"a": [TemporaryError("down"), Done()]})
    async with runtime(reconciler, resync_interval=0.01, backoff_base=30.0) as rt:
        await eventually(lambda: rt.stats.temporary_errors == 1)
        await eventually(lambda: rt.stats.resyncs > 5, within=10.0)
        assert len(reconciler.calls["a"]) == 1
        assert rt.stats.done == 0


async def test_resync_survives_a_failing_list(caplog: pytest.LogCaptureFixture) -> None:
    reconciler = ScriptedReconciler()
    failing = True

    async def list_unsettled() -> Sequence[str]:
        if failing:
            raise ConnectionError("database is down")
        return ["late"]

    async with runtime(reconciler, resync_interval=0.02) as rt:
        reconciler.list_unsettled = list_unsettled  # type: ignore[method-assign]
        await eventually(lambda: rt.stats.resync_errors >= 2)
        failing = False
        await eventually(lambda: bool(reconciler.calls["late"]))
    assert "resync failed" in caplog.text


async def test_one_key_never_runs_twice_at_once_while_keys_run_in_parallel() -> None:
    reconciler = ScriptedReconciler(work=0.02)
    async with runtime(reconciler, workers=2) as rt:
        for _ in range(10):
            rt.nudge("a")
            rt.nudge("b")
            await asyncio.sleep(0.005)
        await eventually(lambda: not rt.queue.is_tracked("a") and not rt.queue.is_tracked("b"))

    assert reconciler.max_active == {"a": 1, "b": 1}
    assert reconciler.max_total_active == 2, "two workers work on two keys at once"
    # Nudges while processing coalesce into one re-run: far fewer runs than nudges.
    assert 2 <= len(reconciler.calls["a"]) < 10


async def test_stop_lets_in_flight_reconciles_finish() -> None:
    reconciler = ScriptedReconciler(work=0.05)
    rt = runtime(reconciler)
    await rt.start()
    rt.nudge("a")
    await eventually(lambda: reconciler.active["a"] == 1)

    await rt.stop()

    assert rt.stats.done == 1
    assert not rt.running
    rt.nudge("b")  # ignored after stop
    await asyncio.sleep(0.02)
    assert not reconciler.calls["b"]
    await rt.stop()  # idempotent


async def test_stop_cancels_reconciles_that_outlive_the_grace() -> None:
    reconciler = ScriptedReconciler()
    reconciler.gate = asyncio.Event()  # never set: the reconcile hangs
    rt = runtime(reconciler)
    await rt.start()
    rt.nudge("a")
    await eventually(lambda: reconciler.active["a"] == 1)

    loop = asyncio.get_running_loop()
    began = loop.time()
    await rt.stop(grace=0.05)

    assert loop.time() - began < 1.0
    assert reconciler.active["a"] == 0, "the hung reconcile was cancelled"
    assert rt.stats.done == 0


async def test_start_fails_cleanly_when_listing_fails() -> None:
    reconciler = ScriptedReconciler()

    async def list_unsettled() -> Sequence[str]:
        raise ConnectionError("database is down")

    reconciler.list_unsettled = list_unsettled  # type: ignore[method-assign]
    rt = runtime(reconciler)
    with pytest.raises(ConnectionError):
        await rt.start()
    assert not rt.running
    await rt.stop()


# -- guarded tasks ------------------------------------------------------------------------


async def test_a_guarded_task_that_dies_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def explode() -> None:
        raise KeyError("gone")

    task = spawn_guarded(explode(), name="exploder", logger=logging.getLogger("test.tasks"))
    await asyncio.wait([task])

    (record,) = [r for r in caplog.records if r.name == "test.tasks"]
    assert record.levelno == logging.ERROR
    assert "exploder" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], KeyError)


async def test_an_unfinishable_task_that_returns_is_flagged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def quit_early() -> None:
        return None

    task = spawn_guarded(
        quit_early(), name="loop", logger=logging.getLogger("test.tasks"), finishable=False
    )
    await task
    await asyncio.sleep(0)  # let the done-callback run
    assert "task loop exited unexpectedly" in caplog.text


async def test_guarded_tasks_cancel_what_remains_on_close() -> None:
    finished: list[str] = []

    async def quick() -> None:
        finished.append("quick")

    async def forever() -> None:
        await asyncio.Event().wait()

    async with GuardedTasks(logger=logging.getLogger("test.tasks")) as tasks:
        tasks.spawn(quick(), name="quick")
        hung = tasks.spawn(forever(), name="forever")
        assert not await tasks.join(within=0.02)
        assert len(tasks) == 1, "finished tasks drop out"

    assert finished == ["quick"]
    assert hung.cancelled()
    with pytest.raises(RuntimeError, match="closed"):
        tasks.spawn(quick(), name="late")
