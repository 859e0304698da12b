"""The network service's Alembic history on SQLite, PostgreSQL and MariaDB: up to head
makes exactly the tables the models declare (no drift), down to base removes them, and the
unique key on fixed IPs holds."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.db import DatabaseRegistry, current_revision, downgrade, upgrade
from pocketstack.network.db import MIGRATIONS
from pocketstack.network.db import models as m


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    registry = DatabaseRegistry()
    try:
        yield registry.add("network", database_url)
    finally:
        await registry.dispose()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))


async def test_history_up_down_up(engine: AsyncEngine) -> None:
    await upgrade(engine, MIGRATIONS)
    assert await _tables(engine) == set(m.metadata.tables) | {"alembic_version"}
    assert await current_revision(engine) == "0001"

    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        return list(compare_metadata(context, m.metadata))

    async with engine.connect() as conn:
        assert await conn.run_sync(differences) == []
    await downgrade(engine, MIGRATIONS, "base")
    assert await _tables(engine) - {"alembic_version"} == set()
    await upgrade(engine, MIGRATIONS)
    assert await current_revision(engine) == "0001"


async def test_a_fixed_ip_is_held_once(engine: AsyncEngine) -> None:
    await upgrade(engine, MIGRATIONS)
    stamp = sa.func.now()
    standard = {"description": "", "revision_number": 0, "created_at": stamp, "updated_at": stamp}
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(m.networks).values(
                id="n",
                project_id="p",
                name="",
                admin_state_up=True,
                shared=False,
                external=False,
                mtu=1500,
                port_security_enabled=True,
                availability_zone_hints=[],
                status="ACTIVE",
                **standard,
            )
        )
        await conn.execute(
            sa.insert(m.subnets).values(
                id="s",
                network_id="n",
                project_id="p",
                name="",
                ip_version=4,
                cidr="10.0.0.0/24",
                enable_dhcp=True,
                dns_nameservers=[],
                host_routes=[],
                **standard,
            )
        )
        for port in ("a", "b"):
            await conn.execute(
                sa.insert(m.ports).values(
                    id=port,
                    network_id="n",
                    project_id="p",
                    name="",
                    mac_address=port,
                    admin_state_up=True,
                    status="DOWN",
                    device_id="",
                    device_owner="",
                    port_security_enabled=True,
                    binding_host_id="",
                    binding_profile={},
                    binding_vnic_type="normal",
                    allowed_address_pairs=[],
                    **standard,
                )
            )
        await conn.execute(
            sa.insert(m.ip_allocations).values(
                subnet_id="s", ip_address="10.0.0.2", network_id="n", port_id="a", position=0
            )
        )
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(m.ip_allocations).values(
                    subnet_id="s", ip_address="10.0.0.2", network_id="n", port_id="b", position=0
                )
            )
