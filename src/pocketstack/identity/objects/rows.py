"""Row helpers shared by identity's objects: extra attributes, ids, duplicate names."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.identity.objects.errors import Conflict, NotFound

__all__ = ["delete_row", "fetch_one", "insert_row", "list_rows", "new_id", "split_extra",
           "to_dict",
           "update_row"]


def new_id() -> str:
    return uuid.uuid4().hex


def split_extra(table: sa.Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """Known columns stay; unknown attributes go to ``extra`` (returned at top level)."""
    columns = set(table.c.keys())
    row = {k: v for k, v in values.items() if k in columns and k != "extra"}
    extra = {k: v for k, v in values.items() if k not in columns}
    if "extra" in columns:
        row["extra"] = extra
    return row


def to_dict(row: Any, *, hide: tuple[str, ...] = ()) -> dict[str, Any]:
    data = {str(k): v for k, v in row._mapping.items()}
    extra = data.pop("extra", None) or {}
    for key in hide:
        data.pop(key, None)
    return {**extra, **data}


async def fetch_one(conn: AsyncConnection, table: sa.Table, kind: str, ident: str) -> Any:
    row = (await conn.execute(sa.select(table).where(table.c.id == ident))).first()
    if row is None:
        raise NotFound(kind, ident)
    return row


async def insert_row(conn: AsyncConnection, table: sa.Table, kind: str, row: dict[str, Any],
                     duplicate: str) -> None:
    try:
        async with conn.begin_nested():
            await conn.execute(table.insert().values(**row))
    except IntegrityError:
        raise Conflict(f"Conflict occurred attempting to store {kind} - {duplicate}") from None


async def update_row(conn: AsyncConnection, table: sa.Table, kind: str, ident: str,
                     changes: Mapping[str, Any], duplicate: str = "Duplicate entry.") -> None:
    current = await fetch_one(conn, table, kind, ident)
    row = split_extra(table, changes)
    if "extra" in row:
        row["extra"] = {**(current.extra or {}), **row["extra"]}
    row.pop("id", None)
    try:
        async with conn.begin_nested():
            await conn.execute(table.update().where(table.c.id == ident).values(**row))
    except IntegrityError:
        raise Conflict(f"Conflict occurred attempting to store {kind} - {duplicate}") from None


async def delete_row(conn: AsyncConnection, table: sa.Table, kind: str, ident: str) -> None:
    result = await conn.execute(table.delete().where(table.c.id == ident))
    if result.rowcount == 0:
        raise NotFound(kind, ident)


def _coerce_filter(column: sa.Column[Any], value: str) -> Any:
    if isinstance(column.type, sa.Boolean):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return value


async def list_rows(conn: AsyncConnection, table: sa.Table,
                    filters: Mapping[str, str | None]) -> list[Any]:
    """Rows matching every given exact filter, ordered by name or id."""
    query = sa.select(table)
    for key, value in filters.items():
        if value is not None and key in table.c:
            query = query.where(table.c[key] == _coerce_filter(table.c[key], value))
    order = table.c["name"] if "name" in table.c else table.c["id"]
    return list((await conn.execute(query.order_by(order, table.c.id))).all())
