"""Image members: the projects a ``shared`` image is offered to, each with its own answer
(``pending`` until the member project accepts or rejects it)."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.image.db import models as m
from pocketstack.image.objects.errors import Conflict, NotFound, TooLarge
from pocketstack.image.objects.images import now

__all__ = [
    "MAX_MEMBERS",
    "STATUSES",
    "Member",
    "add",
    "find",
    "get",
    "list_",
    "remove",
    "set_status",
]

MAX_MEMBERS = 128  # Glance's image_member_quota
STATUSES = ("pending", "accepted", "rejected")
_m = m.image_members


@dataclasses.dataclass(frozen=True, slots=True)
class Member:
    image_id: str
    member_id: str
    status: str
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @classmethod
    def from_row(cls, row: Any) -> Member:
        return cls(row.image_id, row.member, row.status, row.created_at, row.updated_at)


async def list_(conn: AsyncConnection, image_id: str) -> list[Member]:
    rows = await conn.execute(sa.select(_m).where(_m.c.image_id == image_id).order_by(_m.c.id))
    return [Member.from_row(row) for row in rows]


async def find(conn: AsyncConnection, image_id: str, member_id: str | None) -> Member | None:
    if member_id is None:
        return None
    row = (
        await conn.execute(sa.select(_m).where(_m.c.image_id == image_id, _m.c.member == member_id))
    ).first()
    return None if row is None else Member.from_row(row)


async def get(conn: AsyncConnection, image_id: str, member_id: str) -> Member:
    found = await find(conn, image_id, member_id)
    if found is None:
        raise NotFound(f"{member_id} not found in the member list of the image {image_id}.")
    return found


async def add(conn: AsyncConnection, image_id: str, member_id: str) -> Member:
    if await find(conn, image_id, member_id) is not None:
        raise Conflict(f"Member {member_id} is duplicated for image {image_id}")
    count = await conn.scalar(sa.select(sa.func.count()).where(_m.c.image_id == image_id))
    if (count or 0) >= MAX_MEMBERS:
        raise TooLarge(
            f"Image member limit exceeded for image {image_id}: The limit has "
            f"been exceeded on the number of allowed image members for this "
            f"image. Attempted: {(count or 0) + 1}, Maximum: {MAX_MEMBERS}"
        )
    stamp = now()
    try:
        await conn.execute(
            _m.insert().values(
                image_id=image_id,
                member=member_id,
                status="pending",
                created_at=stamp,
                updated_at=stamp,
            )
        )
    except sa.exc.IntegrityError:
        raise Conflict(f"Member {member_id} is duplicated for image {image_id}") from None
    return await get(conn, image_id, member_id)


async def set_status(conn: AsyncConnection, image_id: str, member_id: str, status: str) -> Member:
    current = await get(conn, image_id, member_id)
    if status != current.status:
        await conn.execute(
            _m.update()
            .where(_m.c.image_id == image_id, _m.c.member == member_id)
            .values(status=status, updated_at=now())
        )
    return await get(conn, image_id, member_id)


async def remove(conn: AsyncConnection, image_id: str, member_id: str) -> None:
    await get(conn, image_id, member_id)
    await conn.execute(_m.delete().where(_m.c.image_id == image_id, _m.c.member == member_id))
