"""The provider cache on a real SQLite database: two caches (two processes) follow one
change log through writes, deletions, moves, global changes, holes and pruning."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.db import create_engine_for
from pocketstack.common.db.migrate import upgrade
from pocketstack.placement.db import MIGRATIONS
from pocketstack.placement.db import models as m
from pocketstack.placement.objects.errors import BadRequest
from pocketstack.placement.objects.provider_cache import ProviderCache
from pocketstack.placement.objects.standards import ensure_standards

STAMP = datetime.datetime(2024, 1, 1)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine_for(f"sqlite+aiosqlite:///{tmp_path / 'placement.sqlite'}")
    await upgrade(engine, MIGRATIONS)
    async with engine.begin() as conn:
        await ensure_standards(conn)
    yield engine
    await engine.dispose()


async def _write(
    engine: AsyncEngine,
    *statements: sa.Executable,
    changed: list[int | None],
    at: float = 1_000_000.0,
    seq: int | None = None,
) -> None:
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(statement)
        for pid in changed:
            row = {"resource_provider_id": pid, "changed_at": at}
            await conn.execute(
                m.provider_changes.insert().values(
                    **row, **({"seq": seq} if seq is not None else {})
                )
            )


def _provider(pid: int, parent: int | None = None, root: int | None = None) -> sa.Insert:
    return m.resource_providers.insert().values(
        id=pid,
        uuid=f"00000000-0000-0000-0000-{pid:012d}",
        name=f"rp{pid}",
        generation=0,
        parent_provider_id=parent,
        root_provider_id=root or pid,
        created_at=STAMP,
        updated_at=STAMP,
    )


def _vcpu(pid: int, total: int) -> sa.Insert:
    return m.inventories.insert().values(
        resource_provider_id=pid,
        resource_class_id=sa.select(m.resource_classes.c.id)
        .where(m.resource_classes.c.name == "VCPU")
        .scalar_subquery(),
        total=total,
        reserved=0,
        min_unit=1,
        max_unit=total,
        step_size=1,
        allocation_ratio=1.0,
        created_at=STAMP,
        updated_at=STAMP,
    )


async def _sync(engine: AsyncEngine, *caches: ProviderCache) -> None:
    for cache in caches:
        async with engine.connect() as conn:
            await cache.sync(conn)


async def test_two_caches_follow_one_log(engine: AsyncEngine) -> None:
    await _write(engine, _provider(1), _vcpu(1, 8), changed=[1])
    a, b = ProviderCache(), ProviderCache()
    await _sync(engine, a, b)
    assert a.index.providers[1].inventories["VCPU"].total == 8
    # A claim written by "another process": both caches see the usage.
    await _write(
        engine,
        m.allocations.insert().values(
            resource_provider_id=1,
            consumer_id="c1",
            resource_class_id=sa.select(m.resource_classes.c.id)
            .where(m.resource_classes.c.name == "VCPU")
            .scalar_subquery(),
            used=3,
            created_at=STAMP,
            updated_at=STAMP,
        ),
        changed=[1],
    )
    await _sync(engine, a, b)
    for cache in (a, b):
        assert cache.index.providers[1].inventories["VCPU"].used == 3
        assert cache.index.fitting("VCPU", 5) == {1}
        assert cache.index.fitting("VCPU", 6) == set()
    # A child, then a move of the child's parent into another tree takes the child along.
    await _write(engine, _provider(2), _provider(3, parent=1, root=1), changed=[2, 3])
    await _sync(engine, a)
    assert a.index.members == {1: [1, 3], 2: [2]}
    await _write(
        engine,
        m.resource_providers.update()
        .where(m.resource_providers.c.id.in_([1, 3]))
        .values(root_provider_id=2),
        _write_parent(1, 2),
        changed=[1],
    )  # only the moved provider is logged
    await _sync(engine, a)
    assert a.index.members == {2: [1, 2, 3]}
    # Deleted providers leave; a global change reloads everything.
    await _write(
        engine, m.resource_providers.delete().where(m.resource_providers.c.id == 3), changed=[3]
    )
    await _sync(engine, a)
    assert 3 not in a.index.providers and a.index.members == {2: [1, 2]}
    await _write(engine, m.inventories.delete(), changed=[None])
    await _sync(engine, a, b)
    assert not a.index.fits.get("VCPU") and not b.index.fits.get("VCPU")


def _write_parent(pid: int, parent: int) -> sa.Update:
    return (
        m.resource_providers.update()
        .where(m.resource_providers.c.id == pid)
        .values(parent_provider_id=parent)
    )


async def test_a_late_commit_in_a_hole_of_the_sequence_is_read(engine: AsyncEngine) -> None:
    await _write(engine, _provider(1), _provider(2), changed=[1, 2])
    clock = Clock()
    cache = ProviderCache(clock)
    await _sync(engine, cache)
    # seq 10 commits before seq 5 (as on PostgreSQL with concurrent writers).
    await _write(engine, _vcpu(1, 4), changed=[1], seq=10)
    await _sync(engine, cache)
    await _write(engine, _vcpu(2, 4), changed=[2], seq=5)
    await _sync(engine, cache)
    assert set(cache.index.fits["VCPU"]) == {1, 2}


async def test_pruning_keeps_the_newest_row_and_idle_caches_reload(engine: AsyncEngine) -> None:
    clock = Clock()
    await _write(engine, _provider(1), changed=[1], at=clock.now - 7200)
    await _write(engine, _vcpu(1, 4), changed=[1, 1, 1], at=clock.now - 7200)
    cache = ProviderCache(clock)
    await _sync(engine, cache)
    async with engine.begin() as conn:
        assert await cache.prune(conn) == 3  # the newest row stays: seq is never reused
        assert await conn.scalar(sa.select(sa.func.count()).select_from(m.provider_changes)) == 1
    # Asleep for an hour while the log was pruned past it: the next sync reloads it all.
    await _write(engine, _provider(2), _vcpu(2, 4), changed=[2], at=clock.now)
    async with engine.begin() as conn:
        await conn.execute(m.provider_changes.delete())
    clock.now += 3600
    await _sync(engine, cache)
    assert set(cache.index.fits["VCPU"]) == {1, 2}


async def test_names_are_checked_against_the_database(engine: AsyncEngine) -> None:
    cache = ProviderCache()
    await _sync(engine, cache)
    async with engine.connect() as conn:
        await cache.check_names(conn, {"VCPU"}, {"HW_CPU_X86_AVX2"})
        with pytest.raises(BadRequest, match="CUSTOM_NOPE"):
            await cache.check_names(conn, {"CUSTOM_NOPE"}, set())
        with pytest.raises(BadRequest, match="CUSTOM_NOPE"):
            await cache.check_names(conn, set(), {"CUSTOM_NOPE"})
