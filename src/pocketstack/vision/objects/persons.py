"""Persons of a gallery: a name and free metadata; their faces are in ``faces``."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.vision.db import models as m
from pocketstack.vision.objects.errors import NotFound
from pocketstack.vision.objects.paging import after_marker, now

__all__ = ["Person", "create", "delete", "face_counts", "get", "get_many", "list_", "update"]

_p = m.persons


@dataclasses.dataclass(frozen=True, slots=True)
class Person:
    id: str
    gallery_id: str
    name: str
    metadata: dict[str, Any]
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @classmethod
    def from_row(cls, row: Any) -> Person:
        return cls(row.id, row.gallery_id, row.name, dict(row.metadata or {}),
                   row.created_at, row.updated_at)


async def create(
    conn: AsyncConnection, gallery_id: str, name: str, metadata: dict[str, Any],
    *, person_id: str | None = None,
) -> Person:
    person_id, stamp = person_id or str(uuid.uuid4()), now()
    await conn.execute(
        _p.insert().values(id=person_id, gallery_id=gallery_id, name=name, metadata=metadata,
                           created_at=stamp, updated_at=stamp)
    )
    return Person(person_id, gallery_id, name, metadata, stamp, stamp)


async def get(conn: AsyncConnection, gallery_id: str, person_id: str) -> Person:
    row = (
        await conn.execute(
            sa.select(_p).where(_p.c.id == person_id, _p.c.gallery_id == gallery_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"Person {person_id} could not be found.")
    return Person.from_row(row)


async def get_many(conn: AsyncConnection, person_ids: list[str]) -> dict[str, Person]:
    if not person_ids:
        return {}
    rows = await conn.execute(sa.select(_p).where(_p.c.id.in_(set(person_ids))))
    return {row.id: Person.from_row(row) for row in rows}


async def list_(
    conn: AsyncConnection, gallery_id: str, *, marker: str | None, limit: int
) -> list[Person]:
    query = await after_marker(
        conn, _p, sa.select(_p).where(_p.c.gallery_id == gallery_id), marker, limit
    )
    return [Person.from_row(row) for row in await conn.execute(query)]


async def face_counts(conn: AsyncConnection, person_ids: list[str]) -> dict[str, int]:
    if not person_ids:
        return {}
    f = m.faces
    rows = await conn.execute(
        sa.select(f.c.person_id, sa.func.count()).where(f.c.person_id.in_(person_ids))
        .group_by(f.c.person_id)
    )
    return {row[0]: int(row[1]) for row in rows}


async def update(
    conn: AsyncConnection, gallery_id: str, person_id: str, changes: dict[str, Any]
) -> Person:
    await get(conn, gallery_id, person_id)
    if changes:
        await conn.execute(_p.update().where(_p.c.id == person_id).values(**changes,
                                                                          updated_at=now()))
    return await get(conn, gallery_id, person_id)


async def delete(conn: AsyncConnection, gallery_id: str, person_id: str) -> list[str]:
    """Delete the person and their faces; the ids of the faces removed."""
    await get(conn, gallery_id, person_id)
    f = m.faces
    face_ids = [row.id for row in await conn.execute(
        sa.select(f.c.id).where(f.c.person_id == person_id))]
    await conn.execute(f.delete().where(f.c.person_id == person_id))
    await conn.execute(_p.delete().where(_p.c.id == person_id))
    return face_ids
