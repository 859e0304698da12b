"""Compute's two Alembic histories (the API database, a cell database) on SQLite, PostgreSQL
and MariaDB: up to head makes exactly what the models declare, down to base removes it, and
0002 fills the size columns of the instances an older cell holds."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.db import DatabaseRegistry, current_revision, downgrade, upgrade
from pocketstack.compute.db import API_MIGRATIONS, CELL_MIGRATIONS, api_models, cell_models


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    registry = DatabaseRegistry()
    try:
        yield registry.add("compute", database_url)
    finally:
        await registry.dispose()


@pytest.mark.parametrize(("history", "metadata"), [
    (API_MIGRATIONS, api_models.metadata), (CELL_MIGRATIONS, cell_models.metadata)],
    ids=["api", "cell"])
async def test_history_up_down_up(engine: AsyncEngine, history: Path,
                                  metadata: sa.MetaData) -> None:
    await upgrade(engine, history)

    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as conn:
        assert await conn.run_sync(differences) == []
    head = await current_revision(engine)
    await downgrade(engine, history, "base")
    async with engine.connect() as conn:
        left = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
    assert set(left) - {"alembic_version"} == set()
    await upgrade(engine, history)
    assert await current_revision(engine) == head


async def test_0002_fills_the_size_of_existing_instances(engine: AsyncEngine) -> None:
    await upgrade(engine, CELL_MIGRATIONS, "0001")
    old = sa.table("instances", *(sa.column(c) for c in (
        "uuid", "project_id", "user_id", "vm_state", "power_state", "flavor", "metadata",
        "system_metadata", "tags", "addresses", "security_groups", "reservation_id",
        "launch_index", "locked", "config_drive", "disk_config", "hidden", "created_at",
        "deleted")))
    flavor = sa.type_coerce({"vcpus": 2, "memory_mb": 2048}, sa.JSON)
    empty = sa.type_coerce({}, sa.JSON)
    async with engine.begin() as conn:
        await conn.execute(sa.insert(old).values(
            uuid="i-1", project_id="p", user_id="u", vm_state="active", power_state=1,
            flavor=flavor, metadata=empty, system_metadata=empty,
            tags=sa.type_coerce([], sa.JSON), addresses=empty,
            security_groups=sa.type_coerce([], sa.JSON), reservation_id="r", launch_index=0,
            locked=False, config_drive="", disk_config="MANUAL", hidden=False,
            created_at=datetime.datetime(2026, 1, 1), deleted=0))
    await upgrade(engine, CELL_MIGRATIONS)
    instances = cell_models.instances
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(instances.c.vcpus, instances.c.memory_mb,
                                            instances.c.revision))).one()
    assert tuple(row) == (2, 2048, 0)
