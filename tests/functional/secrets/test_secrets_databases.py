"""The key manager's tables and objects on SQLite, PostgreSQL and MariaDB.

The migration builds exactly the models (and goes down again); sealed payloads, the
two-step upload's compare-and-swap, container references and the cascade from a deleted
secret behave the same on every engine; timestamps keep microseconds, so listings stay in
creation order even on MariaDB.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.conftest import migrated_engine

from pocketstack.common.db import downgrade
from pocketstack.secrets.crypto import PayloadCipher
from pocketstack.secrets.db import MIGRATIONS
from pocketstack.secrets.db import models as m
from pocketstack.secrets.objects import containers, secrets
from pocketstack.secrets.objects.containers import ContainerRef
from pocketstack.secrets.objects.errors import Conflict, NotFound
from pocketstack.secrets.objects.payloads import Payload
from pocketstack.secrets.objects.secrets import NewSecret, SecretFilters

PROJECT = "p1"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database on each engine in turn."""
    async with migrated_engine(database_url, "secrets", MIGRATIONS) as engine:
        yield engine


def _new(name: str, payload: Payload | None = None) -> NewSecret:
    return NewSecret(
        name=name,
        secret_type="opaque",
        algorithm=None,
        bit_length=None,
        mode=None,
        expiration=None,
        payload=payload,
    )


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


async def test_payloads_uploads_containers_and_cascades(engine: AsyncEngine) -> None:
    cipher = PayloadCipher(os.urandom(32))
    data = os.urandom(20000)  # the largest payload, binary
    async with engine.begin() as conn:
        full = await secrets.create(
            conn,
            cipher,
            project_id=PROJECT,
            creator_id="u",
            new=_new("full", Payload(data, "application/pkcs12")),
        )
        later = await secrets.create(
            conn, cipher, project_id=PROJECT, creator_id="u", new=_new("later")
        )
    async with engine.begin() as conn:
        await secrets.store_payload(conn, cipher, later.id, Payload(b"pem", "text/plain"))
    with pytest.raises(Conflict):
        async with engine.begin() as conn:
            await secrets.store_payload(conn, cipher, later.id, Payload(b"x", "text/plain"))
    async with engine.connect() as conn:
        assert await secrets.read_payload(conn, cipher, full) == data
        reread = await secrets.get(conn, later.id)
        assert await secrets.read_payload(conn, cipher, reread) == b"pem"

    async with engine.begin() as conn:
        box = await containers.create(
            conn,
            project_id=PROJECT,
            creator_id="u",
            name="tls",
            container_type="certificate",
            refs=[ContainerRef("certificate", later.id), ContainerRef("private_key", full.id)],
        )
    assert [r.name for r in box.refs] == ["certificate", "private_key"]
    with pytest.raises(NotFound):
        async with engine.begin() as conn:
            await containers.create(
                conn,
                project_id="p2",
                creator_id="u",
                name=None,
                container_type="generic",
                refs=[ContainerRef("x", full.id)],
            )
    async with engine.begin() as conn:
        await secrets.delete(conn, full.id)
    async with engine.connect() as conn:
        assert [r.name for r in (await containers.get(conn, box.id)).refs] == ["certificate"]
        count = sa.select(sa.func.count()).select_from(m.secret_payloads)
        assert (await conn.execute(count)).scalar_one() == 1


async def test_listings_keep_creation_order(engine: AsyncEngine) -> None:
    cipher = PayloadCipher(os.urandom(32))
    made = []
    for i in range(4):
        async with engine.begin() as conn:
            made.append(
                (
                    await secrets.create(
                        conn, cipher, project_id=PROJECT, creator_id=None, new=_new(f"s{i}")
                    )
                ).id
            )
        await asyncio.sleep(0.002)
    async with engine.connect() as conn:
        found, total = await secrets.list_(conn, PROJECT, SecretFilters(), offset=0, limit=10)
    assert [s.id for s in found] == made and total == 4
    assert found[0].created_at.microsecond or found[1].created_at.microsecond
