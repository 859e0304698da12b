"""Galleries: a project's named sets of known people, each with its match threshold."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.vision.db import models as m
from pocketstack.vision.objects.errors import Conflict, NotFound
from pocketstack.vision.objects.paging import after_marker, now

__all__ = ["Gallery", "bump", "create", "delete", "generation", "get", "list_", "list_ids",
           "update"]

_g = m.galleries


@dataclasses.dataclass(frozen=True, slots=True)
class Gallery:
    id: str
    project_id: str
    name: str
    description: str | None
    threshold: float | None  # None: the model's calibrated threshold
    model: str
    generation: int  # of its faces (see ``bump``)
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @classmethod
    def from_row(cls, row: Any) -> Gallery:
        return cls(**{f.name: getattr(row, f.name) for f in dataclasses.fields(cls)})


def _missing(gallery_id: str) -> NotFound:
    return NotFound(f"Gallery {gallery_id} could not be found.")


async def create(
    conn: AsyncConnection, *, project_id: str, name: str, description: str | None,
    threshold: float | None, model: str,
) -> Gallery:
    gallery_id, stamp = str(uuid.uuid4()), now()
    try:
        await conn.execute(
            _g.insert().values(
                id=gallery_id, project_id=project_id, name=name, description=description,
                threshold=threshold, model=model, created_at=stamp, updated_at=stamp,
            )
        )
    except IntegrityError:
        raise Conflict(f"A gallery named {name!r} already exists in this project.") from None
    return await get(conn, gallery_id)


async def get(conn: AsyncConnection, gallery_id: str) -> Gallery:
    row = (await conn.execute(sa.select(_g).where(_g.c.id == gallery_id))).first()
    if row is None:
        raise _missing(gallery_id)
    return Gallery.from_row(row)


async def list_(
    conn: AsyncConnection, project_id: str, *, marker: str | None, limit: int
) -> list[Gallery]:
    query = await after_marker(
        conn, _g, sa.select(_g).where(_g.c.project_id == project_id), marker, limit
    )
    return [Gallery.from_row(row) for row in await conn.execute(query)]


async def bump(conn: AsyncConnection, gallery_id: str) -> int:
    """Record a change of the gallery's faces in this transaction; the new generation (the
    row stays locked until commit, so generations follow the commits)."""
    await conn.execute(_g.update().where(_g.c.id == gallery_id)
                       .values(generation=_g.c.generation + 1))
    return await generation(conn, gallery_id)


async def generation(conn: AsyncConnection, gallery_id: str) -> int:
    found = (await conn.execute(sa.select(_g.c.generation).where(_g.c.id == gallery_id))).first()
    if found is None:
        raise _missing(gallery_id)
    return int(found.generation)


async def list_ids(conn: AsyncConnection) -> list[str]:
    return [row.id for row in await conn.execute(sa.select(_g.c.id))]


async def update(conn: AsyncConnection, gallery_id: str, changes: dict[str, Any]) -> Gallery:
    if changes:
        try:
            done = await conn.execute(
                _g.update().where(_g.c.id == gallery_id).values(**changes, updated_at=now())
            )
        except IntegrityError:
            raise Conflict("A gallery with that name already exists in this project.") from None
        if done.rowcount != 1:
            raise _missing(gallery_id)
    return await get(conn, gallery_id)


async def delete(conn: AsyncConnection, gallery_id: str) -> None:
    """The gallery, its people, their faces and its jobs."""
    await get(conn, gallery_id)
    person_ids = sa.select(m.persons.c.id).where(m.persons.c.gallery_id == gallery_id)
    await conn.execute(m.faces.delete().where(m.faces.c.person_id.in_(person_ids)))
    await conn.execute(m.persons.delete().where(m.persons.c.gallery_id == gallery_id))
    jobs = sa.select(m.enroll_jobs.c.id).where(m.enroll_jobs.c.gallery_id == gallery_id)
    await conn.execute(m.enroll_images.delete().where(m.enroll_images.c.job_id.in_(jobs)))
    await conn.execute(m.enroll_items.delete().where(m.enroll_items.c.job_id.in_(jobs)))
    await conn.execute(m.enroll_jobs.delete().where(m.enroll_jobs.c.gallery_id == gallery_id))
    await conn.execute(_g.delete().where(_g.c.id == gallery_id))
