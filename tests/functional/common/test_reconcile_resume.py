"""Resume after a restart: a new runtime over the same SQLite file finishes every record.

Records live in a real database file. The reconciler moves a record one step per reconcile,
PENDING -> STEP1 -> ACTIVE: it reads the record, does the step's external work (counted by a
fake outside world), then moves the status with a compare-and-swap. The first runtime is
stopped part-way; a second runtime with a fresh engine and reconciler (a restarted process)
must bring every record to ACTIVE, and the outside world must see each step exactly once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from pocketstack.common.reconcile import Done, Outcome, ReconcilerRuntime, Requeue

PENDING, STEP1, ACTIVE, ERROR = "PENDING", "STEP1", "ACTIVE", "ERROR"
NEXT_STATUS = {PENDING: STEP1, STEP1: ACTIVE}
KEYS = [f"item-{n:02d}" for n in range(12)]

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", String, primary_key=True),
    Column("status", String, nullable=False),
)


class OutsideWorld:
    """What the steps act on (a hypervisor, a load balancer); counts every step it sees."""

    def __init__(self) -> None:
        self.effects: Counter[tuple[str, str]] = Counter()
        self.hang_on: str | None = None  # a key whose work never completes
        self.hanging = asyncio.Event()

    async def do_step(self, key: str, status: str) -> None:
        if key == self.hang_on:
            self.hanging.set()
            await asyncio.Event().wait()  # until cancelled: the process dies here
        await asyncio.sleep(0.005)
        self.effects[(key, status)] += 1


class ItemReconciler:
    name = "items"

    def __init__(self, engine: AsyncEngine, world: OutsideWorld) -> None:
        self.engine = engine
        self.world = world
        self.reconciled: Counter[str] = Counter()

    async def reconcile(self, key: str) -> Outcome:
        self.reconciled[key] += 1
        async with self.engine.connect() as conn:
            query = select(items.c.status).where(items.c.id == key)
            status = (await conn.execute(query)).scalar_one_or_none()
        if status not in NEXT_STATUS:
            return Done()  # gone, ACTIVE or ERROR: settled
        await self.world.do_step(key, status)
        async with self.engine.begin() as conn:
            moved = await conn.execute(
                update(items)
                .where(items.c.id == key, items.c.status == status)
                .values(status=NEXT_STATUS[status])
            )
        if moved.rowcount != 1:
            return Requeue(0.0)  # someone moved it meanwhile: look again
        return Done() if NEXT_STATUS[status] == ACTIVE else Requeue(0.0)

    async def list_unsettled(self) -> Sequence[str]:
        query = select(items.c.id).where(items.c.status.in_(list(NEXT_STATUS))).order_by("id")
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def on_permanent_error(self, key: str, reason: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(items).where(items.c.id == key).values(status=ERROR))


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'items.db'}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The first process's engine, on a freshly created schema."""
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def statuses(engine: AsyncEngine) -> Counter[str]:
    async with engine.connect() as conn:
        query = select(items.c.status, func.count()).group_by(items.c.status)
        return Counter({status: count for status, count in (await conn.execute(query)).all()})


async def eventually(check: Callable[[], bool], within: float = 5.0) -> None:
    for _ in range(int(within / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached in time")


async def create_and_nudge(engine: AsyncEngine, runtime: ReconcilerRuntime) -> None:
    """What an API request does: write the record, nudge the reconciler, answer 202."""
    for key in KEYS:
        async with engine.begin() as conn:
            await conn.execute(insert(items).values(id=key, status=PENDING))
        runtime.nudge(key)


async def restart_and_finish(database_url: str, world: OutsideWorld) -> ItemReconciler:
    """A new process: its own engine, reconciler and runtime over the same database file."""
    engine = create_async_engine(database_url)
    try:
        reconciler = ItemReconciler(engine, world)
        async with ReconcilerRuntime(reconciler, workers=2, resync_interval=0.2):
            for _ in range(500):
                if (await statuses(engine))[ACTIVE] == len(KEYS):
                    break
                await asyncio.sleep(0.01)
        assert await statuses(engine) == {ACTIVE: len(KEYS)}
        return reconciler
    finally:
        await engine.dispose()


def assert_each_step_seen_once(world: OutsideWorld) -> None:
    expected = {(key, status): 1 for key in KEYS for status in (PENDING, STEP1)}
    assert dict(world.effects) == expected


async def test_a_new_runtime_finishes_what_a_stopped_one_left(
    engine: AsyncEngine, database_url: str
) -> None:
    world = OutsideWorld()
    first = ReconcilerRuntime(ItemReconciler(engine, world), workers=2, resync_interval=0.2)
    await first.start()
    await create_and_nudge(engine, first)
    await eventually(lambda: world.effects.total() >= 8)
    await first.stop(grace=2.0)

    left = await statuses(engine)
    unsettled = await ItemReconciler(engine, world).list_unsettled()
    assert left[STEP1] + left[ACTIVE] > 0, "some steps were taken"
    assert unsettled, "stopped part-way"

    second = await restart_and_finish(database_url, world)

    assert_each_step_seen_once(world)
    assert set(second.reconciled) == set(unsettled), "resumed exactly the unsettled records"


async def test_a_step_killed_mid_way_is_finished_after_restart(
    engine: AsyncEngine, database_url: str
) -> None:
    world = OutsideWorld()
    world.hang_on = KEYS[0]
    first = ReconcilerRuntime(ItemReconciler(engine, world), workers=2, resync_interval=0.2)
    await first.start()
    await create_and_nudge(engine, first)
    await asyncio.wait_for(world.hanging.wait(), timeout=5.0)
    await eventually(lambda: world.effects.total() >= 4)
    await first.stop(grace=0.1)  # the hung step is cancelled: the process "dies" in it

    async with engine.connect() as conn:
        query = select(items.c.status).where(items.c.id == KEYS[0])
        assert (await conn.execute(query)).scalar_one() == PENDING
    assert (KEYS[0], PENDING) not in world.effects

    world.hang_on = None
    second = await restart_and_finish(database_url, world)

    assert_each_step_seen_once(world)
    assert second.reconciled[KEYS[0]] == 2, "resumed: one step per reconcile, then done"
