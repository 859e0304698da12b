"""An instance created and updated in its cell reads back the same on SQLite, PostgreSQL and
MariaDB: the row comes back with the write where the database can (``RETURNING``), is read
after it where it cannot, and a refused update (wrong task state, no such instance) changes
nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.conftest import migrated_engine

from pocketstack.compute.db import CELL_MIGRATIONS
from pocketstack.compute.objects import instances as objects


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    async with migrated_engine(database_url, "cell", CELL_MIGRATIONS) as engine:
        yield engine


def _record() -> dict[str, Any]:
    return {"uuid": str(uuid.uuid4()), "project_id": "p", "user_id": "u",
            "display_name": "vm", "vm_state": "building", "task_state": "scheduling",
            "power_state": 0, "flavor": {"flavorid": "42", "vcpus": 1, "memory_mb": 128},
            "metadata": {"k": "v"}, "system_metadata": {}, "tags": [], "addresses": {},
            "security_groups": ["default"], "reservation_id": "r-1", "launch_index": 0,
            "locked": False, "config_drive": "", "disk_config": "MANUAL", "hidden": False}


async def test_created_and_updated_rows_read_back_the_same(engine: AsyncEngine) -> None:
    record = _record()
    async with engine.begin() as conn:
        created = await objects.create_instance(conn, record)
        again = await objects.create_instance(conn, record)  # idempotent on its uuid
        read = await objects.get_instance(conn, record["uuid"])
    assert created == read == again
    assert created["metadata"] == {"k": "v"} and created["vcpus"] == 1
    async with engine.begin() as conn:
        updated = await objects.update_instance(
            conn, record["uuid"], {"task_state": "spawning", "metadata": {"k": "w"}},
            expected_task_state=["scheduling", None])
        read = await objects.get_instance(conn, record["uuid"])
    assert updated == read
    assert updated["task_state"] == "spawning" and updated["metadata"] == {"k": "w"}
    assert updated["revision"] == created["revision"] + 1


async def test_a_refused_update_changes_nothing(engine: AsyncEngine) -> None:
    record = _record()
    async with engine.begin() as conn:
        created = await objects.create_instance(conn, record)
    async with engine.begin() as conn:
        with pytest.raises(objects.UnexpectedTaskState):
            await objects.update_instance(conn, record["uuid"], {"vm_state": "active"},
                                          expected_task_state=["spawning"])
        with pytest.raises(objects.UnexpectedTaskState):
            await objects.update_instance(conn, record["uuid"], {"vm_state": "active"},
                                          expected_vm_state=["stopped"])
        with pytest.raises(objects.InstanceNotFound):
            await objects.update_instance(conn, str(uuid.uuid4()), {"vm_state": "active"})
        assert await objects.get_instance(conn, record["uuid"]) == created
