"""Identity's Alembic history on SQLite, PostgreSQL and MariaDB, through the database layer.

Each test gets a scratch database of its own (a file for SQLite; a uniquely named database
on the real server otherwise), dropped afterwards. Up to head must create exactly the tables
the models declare, with their foreign keys; down to base must remove them all; and the
history must run up again on the emptied database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.db import DatabaseRegistry, current_revision, downgrade, upgrade
from pocketstack.identity.db import MIGRATIONS
from pocketstack.identity.db import models as m

MODEL_TABLES = set(m.metadata.tables)


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    registry = DatabaseRegistry()
    try:
        yield registry.add("identity", database_url)
    finally:
        await registry.dispose()


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
    return set(names)


async def insert_domain_and_project(engine: AsyncEngine, suffix: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(m.domains).values(id=f"d-{suffix}", name=f"Domain {suffix}", tags=["x"])
        )
        await conn.execute(
            sa.insert(m.projects).values(
                id=f"p-{suffix}", name="demo", domain_id=f"d-{suffix}", tags=["a", "b"]
            )
        )


async def test_upgrade_to_head_creates_every_model_table(engine: AsyncEngine) -> None:
    assert await current_revision(engine) is None
    await upgrade(engine, MIGRATIONS, "head")
    assert await table_names(engine) == MODEL_TABLES | {"alembic_version"}
    assert await current_revision(engine) == head_revision()


async def test_the_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    await upgrade(engine, MIGRATIONS, "head")

    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        return list(compare_metadata(context, m.metadata))

    async with engine.connect() as conn:
        diff = await conn.run_sync(differences)
    assert diff == []


async def test_rows_can_be_written_and_read_with_foreign_keys(engine: AsyncEngine) -> None:
    await upgrade(engine, MIGRATIONS, "head")
    await insert_domain_and_project(engine, "1")
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(m.roles).values(id="r1", name="member"),
        )
        await conn.execute(
            sa.insert(m.assignments).values(
                type="UserProject", actor_id="u1", target_id="p-1", role_id="r1"
            )
        )
    async with engine.connect() as conn:
        query = sa.select(
            m.projects.c.name,
            m.projects.c.tags,
            m.projects.c.enabled,
            m.domains.c.name.label("domain"),
        ).join(m.domains)
        rows = (await conn.execute(query)).all()
        role = (await conn.execute(sa.select(m.roles))).one()
        assignment = (await conn.execute(sa.select(m.assignments))).one()
    assert [tuple(r) for r in rows] == [("demo", ["a", "b"], True, "Domain 1")]
    assert role.domain_id == m.GLOBAL
    assert assignment.inherited is False

    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(m.projects).values(id="p-2", name="orphan", domain_id="no-such-domain")
            )
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(sa.insert(m.projects).values(id="p-3", name="demo", domain_id="d-1"))


async def test_downgrade_to_base_removes_every_table_and_upgrade_runs_again(
    engine: AsyncEngine,
) -> None:
    await upgrade(engine, MIGRATIONS, "head")
    await insert_domain_and_project(engine, "1")

    await downgrade(engine, MIGRATIONS, "base")
    assert await table_names(engine) - {"alembic_version"} == set()
    assert await current_revision(engine) is None

    await upgrade(engine, MIGRATIONS, "head")
    assert await table_names(engine) == MODEL_TABLES | {"alembic_version"}
    assert await current_revision(engine) == head_revision()
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(m.domains))).scalar() == 0
    await insert_domain_and_project(engine, "2")


async def test_upgrade_at_head_changes_nothing(engine: AsyncEngine) -> None:
    await upgrade(engine, MIGRATIONS, "head")
    await insert_domain_and_project(engine, "1")
    await upgrade(engine, MIGRATIONS, "head")
    async with engine.connect() as conn:
        names = (await conn.execute(sa.select(m.projects.c.id))).scalars().all()
    assert names == ["p-1"]


async def test_the_sqlite_file_lands_where_the_url_says(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'deep' / 'er' / 'identity.sqlite'}"
    registry = DatabaseRegistry()
    try:
        engine = registry.add("identity", url)
        with pytest.raises(ValueError, match="already registered"):
            registry.add("identity", url)
        assert registry.names() == ["identity"]
        await upgrade(engine, MIGRATIONS)
    finally:
        await registry.dispose()
    assert is_file(make_url(url).database)


def is_file(path: str | None) -> bool:
    return path is not None and Path(path).is_file()
