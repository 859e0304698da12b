"""Marker/limit paging, OpenStack style: rows in (created_at, id) order after the marker."""

from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.vision.objects.errors import BadRequest

__all__ = ["after_marker", "now"]


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


async def after_marker(
    conn: AsyncConnection, table: sa.Table, query: sa.Select[Any], marker: str | None, limit: int
) -> sa.Select[Any]:
    """``query`` ordered and cut to the page after ``marker`` (a row id of ``table``)."""
    if marker:
        row = (
            await conn.execute(sa.select(table.c.created_at).where(table.c.id == marker))
        ).first()
        if row is None:
            raise BadRequest(f"Marker {marker} not found.")
        query = query.where(
            sa.or_(
                table.c.created_at > row.created_at,
                sa.and_(table.c.created_at == row.created_at, table.c.id > marker),
            )
        )
    return query.order_by(table.c.created_at, table.c.id).limit(limit)
