"""The image database on SQLite, PostgreSQL and MariaDB: the Alembic history matches the
models both ways, and the objects' queries (visibility, membership, filters, paging) give
the same answers on every backend."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.db import DatabaseRegistry, downgrade, upgrade
from pocketstack.image.db import MIGRATIONS
from pocketstack.image.db import models as m
from pocketstack.image.objects import image_list, images, members
from pocketstack.image.objects.image_list import ImageQuery
from pocketstack.image.objects.images import Image, Viewer


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    registry = DatabaseRegistry()
    try:
        yield registry.add("image", database_url)
    finally:
        await registry.dispose()


async def test_history_matches_the_models_both_ways(engine: AsyncEngine) -> None:
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


async def test_queries_agree_on_every_backend(engine: AsyncEngine) -> None:
    await upgrade(engine, MIGRATIONS)
    alice, bob = Viewer("alice", False), Viewer("bob", False)
    made = {}
    async with engine.begin() as conn:
        for name, owner, visibility, size in (
            ("a", "alice", "private", 10),
            ("b", "alice", "shared", None),
            ("c", "carol", "public", 30),
            ("d", "carol", "community", 5),
        ):
            image = Image(
                id=str(uuid.uuid4()),
                name=name,
                owner=owner,
                visibility=visibility,
                size=size,
                tags=["t", name],
                properties={"distro": "x" if name in "ab" else "y"},
            )
            made[name] = await images.create(conn, image)
        await members.add(conn, made["b"].id, "bob")

    async def names(viewer: Viewer, **query: Any) -> list[str | None]:
        async with engine.connect() as conn:
            page = await image_list.list_images(
                conn, viewer, ImageQuery(limit=25, sort=(("name", "asc"),), **query)
            )
        return [i.name for i in page.images]

    assert await names(alice) == ["a", "b", "c"]
    assert await names(bob) == ["c"]
    assert await names(bob, member_status="pending") == ["b", "c"]
    assert await names(bob, visibility="all", member_status="all") == ["b", "c", "d"]
    assert await names(Viewer(None, True)) == ["a", "b", "c", "d"]
    assert await names(alice, properties={"distro": "x"}, tags=("t",)) == ["a", "b"]
    assert await names(alice, size_min=10) == ["a", "c"]
    async with engine.begin() as conn:
        shown = await images.get(conn, made["b"].id, bob, for_update=True)
        assert shown.tags == ["t", "b"] and shown.properties == {"distro": "x"}
        page = await image_list.list_images(
            conn, alice, ImageQuery(limit=2, sort=(("size", "asc"),))
        )
        assert [i.name for i in page.images] == ["b", "a"] and page.next_marker is not None
        rest = await image_list.list_images(
            conn, alice, ImageQuery(limit=2, sort=(("size", "asc"),), marker=page.next_marker)
        )
        assert [i.name for i in rest.images] == ["c"]
