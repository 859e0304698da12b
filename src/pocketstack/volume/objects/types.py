"""Volume types: ``__DEFAULT__`` (seeded at start, never deleted) and the admin's own."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.volume.db import models as m
from pocketstack.volume.objects.errors import BadRequest, Conflict, NotFound
from pocketstack.volume.objects.rows import VolumeType, now

__all__ = ["DEFAULT_TYPE", "create", "delete", "ensure_default", "find", "get_default", "list_"]

DEFAULT_TYPE = "__DEFAULT__"

_t = m.volume_types


def _visible(query: sa.Select[tuple[object, ...]], *, admin: bool) -> sa.Select[tuple[object, ...]]:
    return query if admin else query.where(_t.c.is_public.is_(True))


async def ensure_default(conn: AsyncConnection) -> VolumeType:
    """The ``__DEFAULT__`` type, created on first start."""
    row = (await conn.execute(sa.select(_t).where(_t.c.name == DEFAULT_TYPE))).first()
    if row is None:
        await conn.execute(
            _t.insert().values(
                id=str(uuid.uuid4()),
                name=DEFAULT_TYPE,
                description="Default Volume Type",
                is_public=True,
                extra_specs={},
                created_at=now(),
            )
        )
        row = (await conn.execute(sa.select(_t).where(_t.c.name == DEFAULT_TYPE))).one()
    return VolumeType.from_row(row)


async def get_default(conn: AsyncConnection) -> VolumeType:
    return await find(conn, DEFAULT_TYPE, admin=True)


async def find(conn: AsyncConnection, name_or_id: str, *, admin: bool) -> VolumeType:
    """A type by id, or by name (``default`` names the default type), as Cinder looks up."""
    if name_or_id == "default":
        name_or_id = DEFAULT_TYPE
    query = sa.select(_t).where(sa.or_(_t.c.id == name_or_id, _t.c.name == name_or_id))
    row = (await conn.execute(_visible(query, admin=admin))).first()
    if row is None:
        raise NotFound(f"Volume type with name {name_or_id} could not be found.")
    return VolumeType.from_row(row)


async def list_(
    conn: AsyncConnection, *, admin: bool, is_public: bool | None = None
) -> list[VolumeType]:
    query = _visible(sa.select(_t), admin=admin)
    if is_public is not None and admin:
        query = query.where(_t.c.is_public.is_(is_public))
    rows = await conn.execute(query.order_by(_t.c.created_at, _t.c.id))
    return [VolumeType.from_row(r) for r in rows]


async def create(
    conn: AsyncConnection,
    *,
    name: str,
    description: str | None,
    is_public: bool,
    extra_specs: dict[str, str],
) -> VolumeType:
    exists = (await conn.execute(sa.select(_t.c.id).where(_t.c.name == name))).first()
    if exists is not None:
        raise Conflict(f"Volume Type {name} already exists.")
    type_id = str(uuid.uuid4())
    try:
        await conn.execute(
            _t.insert().values(
                id=type_id,
                name=name,
                description=description,
                is_public=is_public,
                extra_specs=extra_specs,
                created_at=now(),
            )
        )
    except sa.exc.IntegrityError:
        raise Conflict(f"Volume Type {name} already exists.") from None
    return await find(conn, type_id, admin=True)


async def delete(conn: AsyncConnection, type_id: str) -> None:
    found = await find(conn, type_id, admin=True)
    if found.name == DEFAULT_TYPE:
        raise BadRequest(f"Default volume type {found.name} can not be deleted.")
    in_use = (
        await conn.execute(
            sa.select(sa.func.count())
            .select_from(m.volumes)
            .where(m.volumes.c.volume_type_id == found.id)
        )
    ).scalar_one()
    if in_use:
        raise BadRequest("Target volume type is still in use.")
    await conn.execute(_t.delete().where(_t.c.id == found.id))
