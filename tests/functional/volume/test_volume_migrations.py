"""The volume database's Alembic history on SQLite: head matches the models, base is empty."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.db import DatabaseRegistry, downgrade, upgrade
from pocketstack.volume.db import MIGRATIONS
from pocketstack.volume.db import models as m


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    registry = DatabaseRegistry()
    try:
        yield registry.add("volume", f"sqlite+aiosqlite:///{tmp_path / 'volume.sqlite'}")
    finally:
        await registry.dispose()


async def test_head_matches_the_models_and_base_removes_everything(engine: AsyncEngine) -> None:
    await upgrade(engine, MIGRATIONS)

    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        return list(compare_metadata(context, m.metadata))

    def tables(conn: Connection) -> set[str]:
        return set(sa.inspect(conn).get_table_names()) - {"alembic_version"}

    async with engine.connect() as conn:
        assert await conn.run_sync(differences) == []
        assert await conn.run_sync(tables) == set(m.metadata.tables)
    await downgrade(engine, MIGRATIONS)
    async with engine.connect() as conn:
        assert await conn.run_sync(tables) == set()
    await upgrade(engine, MIGRATIONS)
