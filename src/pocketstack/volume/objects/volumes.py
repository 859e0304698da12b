"""Volumes: the records, their listing, and every status change as a compare-and-swap.

``project_id=None`` in a lookup means any project (an admin's view); otherwise another
project's volume is not found, never forbidden.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.volume.db import models as m
from pocketstack.volume.objects.errors import InvalidVolume, NotFound
from pocketstack.volume.objects.rows import Attachment, Volume, VolumeType, now

__all__ = [
    "DELETABLE",
    "UNSETTLED",
    "ListQuery",
    "begin_delete",
    "create",
    "get",
    "list_",
    "list_unsettled",
    "lock",
    "move",
    "remove",
    "update",
    "usage",
]

_v, _t, _a = m.volumes, m.volume_types, m.volume_attachments

# Statuses the reconciler drives to a settled one.
UNSETTLED = ("creating", "extending", "deleting")
# Cinder: "Volume status must be available or error or error_restoring or error_extending or
# error_managing and must not be migrating, attached, ..."
DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")
_NOT_DELETABLE = (
    "Volume status must be available or error or error_restoring or error_extending or "
    "error_managing and must not be migrating, attached, belong to a group, have snapshots, "
    "awaiting a transfer, or be disassociated from snapshots after volume transfer."
)


@dataclasses.dataclass(frozen=True)
class ListQuery:
    project_id: str | None  # None: every project (admin, all_tenants)
    filters: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    metadata: Mapping[str, str] = dataclasses.field(default_factory=dict)
    sort: tuple[tuple[str, str], ...] = (("created_at", "desc"),)
    limit: int | None = None
    marker: str | None = None


_SORTABLE = {
    "created_at",
    "updated_at",
    "id",
    "name",
    "status",
    "size",
    "availability_zone",
    "bootable",
}
_FILTERABLE = {"name", "status", "availability_zone", "bootable", "size", "id"}


def _select() -> sa.Select[tuple[Any, ...]]:
    return sa.select(_v, *(c.label(f"type_{c.name}") for c in _t.c)).join(
        _t, _t.c.id == _v.c.volume_type_id
    )


def _from_row(row: Any, attachments: Iterable[Attachment]) -> Volume:
    vtype = VolumeType(
        row.type_id,
        row.type_name,
        row.type_description,
        bool(row.type_is_public),
        dict(row.type_extra_specs or {}),
        row.type_created_at,
    )
    return Volume(
        row.id,
        row.project_id,
        row.user_id,
        row.name,
        row.description,
        int(row.size),
        row.status,
        row.status_reason,
        vtype,
        row.availability_zone,
        bool(row.bootable),
        dict(row.metadata or {}),
        row.created_at,
        row.updated_at,
        tuple(attachments),
    )


async def _attachments_of(conn: AsyncConnection, ids: list[str]) -> dict[str, list[Attachment]]:
    found: dict[str, list[Attachment]] = {i: [] for i in ids}
    if ids:
        query = sa.select(_a).where(_a.c.volume_id.in_(ids)).order_by(_a.c.created_at, _a.c.id)
        for row in await conn.execute(query):
            found[row.volume_id].append(Attachment.from_row(row))
    return found


async def get(conn: AsyncConnection, volume_id: str, project_id: str | None) -> Volume:
    query = _select().where(_v.c.id == volume_id)
    if project_id is not None:
        query = query.where(_v.c.project_id == project_id)
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound(f"Volume {volume_id} could not be found.")
    return _from_row(row, (await _attachments_of(conn, [row.id]))[row.id])


async def lock(conn: AsyncConnection, volume_id: str, project_id: str | None) -> Volume:
    """The volume, its row locked for the rest of the transaction (SQLite: BEGIN IMMEDIATE)."""
    query = sa.select(_v.c.id).where(_v.c.id == volume_id).with_for_update()
    if (await conn.execute(query)).first() is None:
        raise NotFound(f"Volume {volume_id} could not be found.")
    return await get(conn, volume_id, project_id)


async def list_(conn: AsyncConnection, query: ListQuery) -> list[Volume]:
    select = _select()
    if query.project_id is not None:
        select = select.where(_v.c.project_id == query.project_id)
    for key, value in query.filters.items():
        if key in _FILTERABLE:
            select = select.where(_v.c[key] == value)
    order = [
        (_v.c[k].desc() if d == "desc" else _v.c[k].asc()) for k, d in query.sort if k in _SORTABLE
    ]
    rows = list(await conn.execute(select.order_by(*order, _v.c.id.desc())))
    rows = [
        r for r in rows if all((r.metadata or {}).get(k) == v for k, v in query.metadata.items())
    ]
    if query.marker is not None:
        ids = [r.id for r in rows]
        if query.marker not in ids:
            raise NotFound(f"Marker {query.marker} could not be found.")
        rows = rows[ids.index(query.marker) + 1 :]
    if query.limit is not None:
        rows = rows[: query.limit]
    attachments = await _attachments_of(conn, [r.id for r in rows])
    return [_from_row(r, attachments[r.id]) for r in rows]


async def create(
    conn: AsyncConnection,
    *,
    project_id: str,
    user_id: str,
    name: str | None,
    description: str | None,
    size: int,
    volume_type: VolumeType,
    availability_zone: str,
    metadata: Mapping[str, str],
) -> Volume:
    """A new volume in ``creating``; the reconciler makes its backing file."""
    volume_id = str(uuid.uuid4())
    await conn.execute(
        _v.insert().values(
            id=volume_id,
            project_id=project_id,
            user_id=user_id,
            name=name,
            description=description,
            size=size,
            status="creating",
            volume_type_id=volume_type.id,
            availability_zone=availability_zone,
            bootable=False,
            metadata=dict(metadata),
            created_at=now(),
        )
    )
    return await get(conn, volume_id, project_id)


async def update(conn: AsyncConnection, volume: Volume, values: Mapping[str, Any]) -> Volume:
    """Name, description and metadata (replaced whole, as Cinder's PUT)."""
    if values:
        await conn.execute(
            _v.update().where(_v.c.id == volume.id).values(**values, updated_at=now())
        )
    return await get(conn, volume.id, None)


async def move(
    conn: AsyncConnection, volume_id: str, expected: Iterable[str], status: str, **values: Any
) -> bool:
    """Compare-and-swap: set ``status`` (and ``values``) only if the status is one of
    ``expected``; returns whether it did."""
    result = await conn.execute(
        _v.update()
        .where(_v.c.id == volume_id, _v.c.status.in_(list(expected)))
        .values(status=status, updated_at=now(), **values)
    )
    return bool(result.rowcount == 1)


async def begin_delete(conn: AsyncConnection, volume: Volume, *, force: bool) -> None:
    """``deleting`` (the reconciler removes the file and the row), if the volume may go."""
    if volume.attachments:
        raise InvalidVolume(_NOT_DELETABLE)
    allowed = [s for s in (*DELETABLE, *UNSETTLED, "error_deleting") if force or s in DELETABLE]
    if not await move(conn, volume.id, allowed, "deleting", status_reason=None):
        raise InvalidVolume(_NOT_DELETABLE)


async def remove(conn: AsyncConnection, volume_id: str) -> bool:
    """Delete the row of a volume in ``deleting`` (its file is gone); whether it did."""
    result = await conn.execute(_v.delete().where(_v.c.id == volume_id, _v.c.status == "deleting"))
    return bool(result.rowcount == 1)


async def list_unsettled(conn: AsyncConnection) -> list[str]:
    query = sa.select(_v.c.id).where(_v.c.status.in_(UNSETTLED)).order_by(_v.c.created_at)
    return list((await conn.execute(query)).scalars())


async def usage(conn: AsyncConnection, project_id: str) -> tuple[int, int]:
    """The project's volumes and their gigabytes (deleted ones are gone from the table)."""
    count, gigabytes = (await conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(_v.c.size), 0))
        .where(_v.c.project_id == project_id))).one()
    return int(count), int(gigabytes)
