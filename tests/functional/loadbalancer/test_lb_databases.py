"""The load-balancer service's tables and objects on SQLite, PostgreSQL and MariaDB.

The migration builds exactly the models (and goes down again); graph records keep their
JSON attributes and tags; the "immutable while pending" lock answers 409 and changes
nothing; settling deletes what hangs off a deleted object; quotas count per project.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.conftest import migrated_engine

from pocketstack.common.db import downgrade
from pocketstack.common.settings import LoadBalancerSettings
from pocketstack.loadbalancer.db import MIGRATIONS
from pocketstack.loadbalancer.db import models as m
from pocketstack.loadbalancer.objects import graph, locks, quotas, settle
from pocketstack.loadbalancer.objects.errors import Conflict, Forbidden, NotFound


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    async with migrated_engine(database_url, "loadbalancer", MIGRATIONS) as engine:
        yield engine


async def test_schema_matches_the_models_and_goes_down_again(engine: AsyncEngine) -> None:
    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        return list(compare_metadata(context, m.metadata))

    async with engine.connect() as conn:
        assert await conn.run_sync(differences) == []
    await downgrade(engine, MIGRATIONS)
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    assert tables <= {"alembic_version"}


def _lb(**extra: object) -> dict[str, object]:
    return {
        "project_id": "p1",
        "provisioning_status": "ACTIVE",
        "operating_status": "OFFLINE",
        "admin_state_up": True,
        "topology": "SINGLE",
        "provider": "amphora",
        "vip_sg_ids": [],
        **extra,
    }


async def test_records_locks_settling_and_quotas(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        lb = await graph.insert(conn, "loadbalancer", _lb(name="web", tags=["a", "b"]))
        listener = await graph.insert(
            conn,
            "listener",
            {
                "project_id": "p1",
                "load_balancer_id": lb["id"],
                "provisioning_status": "ACTIVE",
                "operating_status": "OFFLINE",
                "admin_state_up": True,
                "protocol": "HTTP",
                "protocol_port": 80,
                "insert_headers": {"X-Forwarded-For": "true"},
                "tls_versions": None,
            },
        )
        pool = await graph.insert(
            conn,
            "pool",
            {
                "project_id": "p1",
                "load_balancer_id": lb["id"],
                "provisioning_status": "ACTIVE",
                "operating_status": "OFFLINE",
                "admin_state_up": True,
                "protocol": "HTTP",
                "lb_algorithm": "ROUND_ROBIN",
            },
        )
        await graph.update(conn, "listener", listener["id"], {"default_pool_id": pool["id"]})
        for port in (1, 2):
            await graph.insert(
                conn,
                "member",
                {
                    "project_id": "p1",
                    "load_balancer_id": lb["id"],
                    "pool_id": pool["id"],
                    "provisioning_status": "ACTIVE",
                    "operating_status": "NO_MONITOR",
                    "admin_state_up": True,
                    "address": "127.0.0.1",
                    "protocol_port": port,
                    "weight": port,
                },
            )
    async with engine.connect() as conn:
        stored = await graph.get(conn, "listener", listener["id"])
        assert stored["insert_headers"] == {"X-Forwarded-For": "true"}
        assert stored["default_pool_id"] == pool["id"] and stored["tls_versions"] is None
        assert (await graph.get(conn, "loadbalancer", lb["id"]))["tags"] == ["a", "b"]
        members = await graph.select(conn, "member", pool_id=pool["id"])
        assert [x["weight"] for x in members] == [1, 2]
        with pytest.raises(NotFound, match="Load Balancer"):
            await graph.get(conn, "loadbalancer", lb["id"], project_id="p2")

    async with engine.begin() as conn:
        await locks.lock_for_child(conn, lb["id"], listener_ids=[listener["id"]])
        await graph.set_status(conn, "pool", [pool["id"]], provisioning="PENDING_DELETE")
    with pytest.raises(Conflict, match="is immutable and cannot be updated"):
        async with engine.begin() as conn:
            await locks.lock_for_child(conn, lb["id"])
    async with engine.begin() as conn:
        await settle.settle_success(conn, lb["id"])
    async with engine.connect() as conn:
        assert (await graph.get(conn, "loadbalancer", lb["id"]))["provisioning_status"] == "ACTIVE"
        assert await graph.select(conn, "pool", load_balancer_id=lb["id"]) == []
        assert await graph.select(conn, "member", load_balancer_id=lb["id"]) == []
        shown = await graph.get(conn, "listener", listener["id"])
        assert shown["default_pool_id"] is None and shown["provisioning_status"] == "ACTIVE"

    limits = LoadBalancerSettings()
    async with engine.begin() as conn:
        await quotas.set_(conn, "p1", {"load_balancer": 1})
        assert (await quotas.effective(conn, limits, "p1"))["load_balancer"] == 1
        await quotas.check(conn, limits, "p2", {"loadbalancer": 5})
        with pytest.raises(Forbidden, match="Quota has been met for resources: Load Balancer"):
            await quotas.check(conn, limits, "p1", {"loadbalancer": 1})
        await settle.settle_deleted(conn, lb["id"])
        await quotas.check(conn, limits, "p1", {"loadbalancer": 1})  # DELETED does not count
