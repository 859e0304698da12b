"""Resource providers: create, read, rename, place in a tree (re-parent from 1.37), delete.

Every change of a provider's name or place goes through ``bump_generation`` (the provider's
row lock and the change log); providers whose root moves with it are added to the log.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid as uuidlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.placement import errors as codes
from pocketstack.placement.db import models as m
from pocketstack.placement.objects.errors import BadRequest, Conflict
from pocketstack.placement.objects.provider_filters import ProviderFilters, conditions
from pocketstack.placement.objects.providers_common import (
    bump_generation,
    now,
    provider_by_uuid,
    record_change,
)

__all__ = [
    "UNCHANGED",
    "Provider",
    "ProviderFilters",
    "create",
    "delete",
    "get",
    "list_",
    "provider_select",
    "update",
]

_rp = m.resource_providers
_root = _rp.alias("root_rp")
_parent = _rp.alias("parent_rp")

UNCHANGED: Any = object()  # update(): leave the parent as it is


@dataclasses.dataclass(frozen=True, slots=True)
class Provider:
    id: int
    uuid: str
    name: str
    generation: int
    parent_provider_uuid: str | None
    root_provider_uuid: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @classmethod
    def from_row(cls, row: Any) -> Provider:
        return cls(
            int(row.id),
            row.uuid,
            row.name,
            int(row.generation),
            row.parent_provider_uuid,
            row.root_provider_uuid,
            row.created_at,
            row.updated_at,
        )


def provider_select() -> sa.Select[Any]:
    """Providers with their parent's and root's uuids, in one query (no N+1)."""
    joined = _rp.outerjoin(_root, _rp.c.root_provider_id == _root.c.id).outerjoin(
        _parent, _rp.c.parent_provider_id == _parent.c.id
    )
    return sa.select(
        _rp.c.id,
        _rp.c.uuid,
        _rp.c.name,
        _rp.c.generation,
        _rp.c.created_at,
        _rp.c.updated_at,
        _root.c.uuid.label("root_provider_uuid"),
        _parent.c.uuid.label("parent_provider_uuid"),
    ).select_from(joined)


async def get(conn: AsyncConnection, uuid: str) -> Provider:
    await provider_by_uuid(conn, uuid)  # 404 in the one shape
    row = (await conn.execute(provider_select().where(_rp.c.uuid == uuid))).one()
    return Provider.from_row(row)


async def list_(conn: AsyncConnection, wanted: ProviderFilters) -> list[Provider]:
    where = await conditions(conn, wanted)
    if where is None:
        return []
    rows = await conn.execute(provider_select().where(*where).order_by(_rp.c.id))
    return [Provider.from_row(r) for r in rows]


async def _ensure_unique(
    conn: AsyncConnection, column: str, value: str, own_id: int | None = None
) -> None:
    where = _rp.c[column] == value
    if own_id is not None:
        where = where & (_rp.c.id != own_id)
    if (await conn.execute(sa.select(_rp.c.id).where(where))).first() is not None:
        raise Conflict(
            f"Conflicting resource provider {column}: {value} already exists.",
            code=codes.DUPLICATE_NAME,
        )


async def _parent_row(conn: AsyncConnection, parent_uuid: str, action: str, rp_uuid: str) -> Any:
    row = (await conn.execute(sa.select(_rp).where(_rp.c.uuid == parent_uuid))).first()
    if row is None:
        raise BadRequest(
            f"Unable to {action} resource provider {rp_uuid}: parent provider UUID does not exist."
        )
    return row


async def create(
    conn: AsyncConnection, *, name: str, uuid: str | None, parent_uuid: str | None
) -> Provider:
    rp_uuid = str(uuidlib.UUID(uuid)) if uuid else str(uuidlib.uuid4())
    if parent_uuid is not None and str(uuidlib.UUID(parent_uuid)) == rp_uuid:
        raise BadRequest(
            f'Unable to create resource provider "{name}", {rp_uuid}: parent '
            "provider UUID cannot be same as UUID. Please set parent provider "
            "UUID to None if there is no parent."
        )
    await _ensure_unique(conn, "name", name)
    await _ensure_unique(conn, "uuid", rp_uuid)
    parent = (
        None if parent_uuid is None else await _parent_row(conn, parent_uuid, "create", rp_uuid)
    )
    stamp = now()
    try:
        result = await conn.execute(
            _rp.insert().values(
                uuid=rp_uuid,
                name=name,
                generation=0,
                created_at=stamp,
                updated_at=stamp,
                parent_provider_id=None if parent is None else parent.id,
                root_provider_id=None if parent is None else parent.root_provider_id,
            )
        )
    except sa.exc.IntegrityError:  # a concurrent create won the race for the name or uuid
        raise Conflict(
            f"Conflicting resource provider name: {name} already exists.", code=codes.DUPLICATE_NAME
        ) from None
    key = result.inserted_primary_key
    assert key is not None
    new_id = int(key[0])
    if parent is None:
        await conn.execute(_rp.update().where(_rp.c.id == new_id).values(root_provider_id=new_id))
    await record_change(conn, [new_id] if parent is None else [new_id, int(parent.id)])
    return await get(conn, rp_uuid)


async def _subtree(conn: AsyncConnection, row: Any) -> set[int]:
    """Ids of ``row`` and every provider below it (one query over its tree)."""
    children: dict[int, list[int]] = {}
    for rid, parent_id in await conn.execute(
        sa.select(_rp.c.id, _rp.c.parent_provider_id).where(
            _rp.c.root_provider_id == row.root_provider_id
        )
    ):
        if parent_id is not None:
            children.setdefault(int(parent_id), []).append(int(rid))
    found, todo = {int(row.id)}, [int(row.id)]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


async def _new_place(
    conn: AsyncConnection, row: Any, parent_uuid: str | None, allow_reparenting: bool
) -> tuple[int | None, int] | None:
    """The (parent id, root id) that ``parent_uuid`` asks for, or None if nothing moves."""

    def refuse(reason: str) -> BadRequest:
        return BadRequest(
            f"Unable to save resource provider {row.uuid}: Object action "
            f"update failed because: {reason}"
        )

    if parent_uuid is None:
        if row.parent_provider_id is None:
            return None
        if not allow_reparenting:
            raise refuse("un-parenting a provider is not currently allowed.")
        return None, int(row.id)
    parent = await _parent_row(conn, parent_uuid, "save", row.uuid)
    if (
        row.parent_provider_id is not None
        and row.parent_provider_id != parent.id
        and not allow_reparenting
    ):
        raise refuse("re-parenting a provider is not currently allowed.")
    if int(parent.id) in await _subtree(conn, row):
        raise refuse("creating loop in the provider tree is not allowed.")
    if parent.id == row.parent_provider_id:
        return None
    return int(parent.id), int(parent.root_provider_id)


async def update(
    conn: AsyncConnection,
    uuid: str,
    *,
    name: str,
    parent_uuid: Any = UNCHANGED,
    allow_reparenting: bool = False,
) -> Provider:
    """Rename and/or move a provider; its whole subtree follows it to the new root."""
    row = await provider_by_uuid(conn, uuid)
    values: dict[str, Any] = {}
    if name != row.name:
        await _ensure_unique(conn, "name", name, int(row.id))
        values["name"] = name
    place = (
        None
        if parent_uuid is UNCHANGED
        else await _new_place(conn, row, parent_uuid, allow_reparenting)
    )
    touched: set[int] = set()  # the subtree below it and the old and new parents
    if place is not None:
        values["parent_provider_id"], values["root_provider_id"] = place
        below = await _subtree(conn, row) - {int(row.id)}
        if below:
            await conn.execute(
                _rp.update()
                .where(_rp.c.id.in_(below))
                .values(root_provider_id=place[1], updated_at=now())
            )
        parents = {row.parent_provider_id, place[0]} - {None}
        touched = below | {int(pid) for pid in parents}
    if values:
        try:
            await conn.execute(_rp.update().where(_rp.c.id == row.id).values(**values))
        except sa.exc.IntegrityError:
            raise Conflict(
                f"Conflicting resource provider {name} already exists.", code=codes.DUPLICATE_NAME
            ) from None
        await bump_generation(conn, int(row.id))
        await record_change(conn, sorted(touched))
    return await get(conn, uuid)


def _has_children(uuid: str) -> Conflict:
    return Conflict(
        f"Unable to delete parent resource provider {uuid}: It has child resource providers.",
        code=codes.PROVIDER_CANNOT_DELETE_PARENT,
    )


async def delete(conn: AsyncConnection, uuid: str) -> None:
    """Delete a leaf provider with no allocations, and its inventories, traits, aggregates."""
    row = await provider_by_uuid(conn, uuid)
    rp_id = int(row.id)
    await bump_generation(conn, rp_id)  # the row lock: no allocation slips in meanwhile
    child = await conn.scalar(sa.select(_rp.c.id).where(_rp.c.parent_provider_id == rp_id).limit(1))
    if child is not None:
        raise _has_children(uuid)
    allocs = m.allocations.c
    if (
        await conn.scalar(sa.select(allocs.id).where(allocs.resource_provider_id == rp_id).limit(1))
        is not None
    ):
        raise Conflict(
            f"Unable to delete resource provider {uuid}: Resource provider has allocations.",
            code=codes.PROVIDER_IN_USE,
        )
    for table in (m.inventories, m.provider_aggregates, m.provider_traits):
        await conn.execute(sa.delete(table).where(table.c.resource_provider_id == rp_id))
    await conn.execute(_rp.update().where(_rp.c.id == rp_id).values(root_provider_id=None))
    try:
        await conn.execute(sa.delete(_rp).where(_rp.c.id == rp_id))
    except sa.exc.IntegrityError:  # a child was created under it meanwhile
        raise _has_children(uuid) from None
    await record_change(
        conn, [] if row.parent_provider_id is None else [int(row.parent_provider_id)]
    )
