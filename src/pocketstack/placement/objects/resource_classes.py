"""Resource classes: the standard ones (fixed) and custom ``CUSTOM_*`` ones.

A class change is global (not one provider's), so it is logged with a ``None`` provider.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.placement.db import models as m
from pocketstack.placement.objects.errors import BadRequest, Conflict, NotFound
from pocketstack.placement.objects.providers_common import now, record_change
from pocketstack.placement.objects.standards import STANDARD_CLASSES

__all__ = ["ResourceClass", "create", "delete", "ensure", "get", "list_", "rename"]

_rc = m.resource_classes
_STANDARD_ORDER = {name: i for i, name in enumerate(STANDARD_CLASSES)}


@dataclasses.dataclass(frozen=True, slots=True)
class ResourceClass:
    id: int
    name: str
    updated_at: datetime.datetime

    @classmethod
    def from_row(cls, row: Any) -> ResourceClass:
        return cls(int(row.id), row.name, row.updated_at or row.created_at)


async def _find(conn: AsyncConnection, name: str) -> ResourceClass | None:
    row = (await conn.execute(sa.select(_rc).where(_rc.c.name == name))).first()
    return None if row is None else ResourceClass.from_row(row)


async def get(conn: AsyncConnection, name: str) -> ResourceClass:
    found = await _find(conn, name)
    if found is None:
        raise NotFound(f"No such resource class {name}.")
    return found


async def list_(conn: AsyncConnection) -> list[ResourceClass]:
    """The standard classes in their standard order, then the custom ones as created."""
    every = [
        ResourceClass.from_row(r) for r in await conn.execute(sa.select(_rc).order_by(_rc.c.id))
    ]
    first = len(_STANDARD_ORDER)
    return sorted(every, key=lambda rc: (_STANDARD_ORDER.get(rc.name, first), rc.id))


async def create(conn: AsyncConnection, name: str) -> ResourceClass:
    if await _find(conn, name) is not None:
        raise Conflict(f"Conflicting resource class already exists: {name}")
    stamp = now()
    try:
        await conn.execute(_rc.insert().values(name=name, created_at=stamp, updated_at=stamp))
    except sa.exc.IntegrityError:
        raise Conflict(f"Conflicting resource class already exists: {name}") from None
    await record_change(conn, [None])
    return await get(conn, name)


async def ensure(conn: AsyncConnection, name: str) -> tuple[ResourceClass, bool]:
    """The class called ``name``, created if missing; True when this call created it."""
    found = await _find(conn, name)
    if found is not None:
        return found, False
    return await create(conn, name), True


def _refuse_standard(name: str, action: str) -> None:
    if name in _STANDARD_ORDER or not name.startswith("CUSTOM_"):
        raise BadRequest(f"Cannot {action} standard resource class {name}")


async def rename(conn: AsyncConnection, name: str, new_name: str) -> ResourceClass:
    """Before 1.7 only: rename a custom class (its id, and so its inventories, stay)."""
    current = await get(conn, name)
    _refuse_standard(name, "update")
    if new_name != name:
        if await _find(conn, new_name) is not None:
            raise Conflict(f"Resource class already exists: {new_name}")
        await conn.execute(
            _rc.update().where(_rc.c.id == current.id).values(name=new_name, updated_at=now())
        )
        await record_change(conn, [None])
    return await get(conn, new_name)


async def delete(conn: AsyncConnection, name: str) -> None:
    """Delete a custom class that no inventory (nor allocation) uses."""
    current = await get(conn, name)
    _refuse_standard(name, "delete")
    for table in (m.inventories, m.allocations):
        used = await conn.scalar(
            sa.select(table.c.id).where(table.c.resource_class_id == current.id).limit(1)
        )
        if used is not None:
            raise Conflict(
                f"Error in delete resource class: Cannot delete resource class "
                f"{name}. Class is in use in inventory."
            )
    await conn.execute(sa.delete(_rc).where(_rc.c.id == current.id))
    await record_change(conn, [None])
