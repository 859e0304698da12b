"""Rows of the load-balancer graph as records: one dict per object, in the API's names.

A record is the row's columns plus its ``attrs`` document, flattened. Writes split a record
back: names that are columns go to columns, the rest into ``attrs``. Keys starting with
``_`` are internal (never serialized): e.g. a load balancer's pending ``_failover``.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.loadbalancer.db import models
from pocketstack.loadbalancer.objects.errors import NotFound

__all__ = [
    "DROP",
    "KINDS",
    "Record",
    "delete",
    "get",
    "insert",
    "new_id",
    "now",
    "select",
    "set_status",
    "update",
]

Record = dict[str, Any]

KINDS: dict[str, sa.Table] = {
    "loadbalancer": models.load_balancers,
    "listener": models.listeners,
    "pool": models.pools,
    "member": models.members,
    "healthmonitor": models.health_monitors,
    "l7policy": models.l7policies,
    "l7rule": models.l7rules,
}


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def new_id() -> str:
    return str(uuid.uuid4())


def _record(row: sa.Row[Any]) -> Record:
    record: Record = dict(row._mapping)
    attrs = record.pop("attrs") or {}
    record.update(attrs)
    record["tags"] = list(record.get("tags") or [])
    return record


def _split(table: sa.Table, record: Mapping[str, Any]) -> tuple[Record, Record]:
    columns = {k: v for k, v in record.items() if k in table.c and k != "attrs"}
    attrs = {k: v for k, v in record.items() if k not in table.c}
    return columns, attrs


async def insert(conn: AsyncConnection, kind: str, record: Mapping[str, Any]) -> Record:
    table = KINDS[kind]
    columns, attrs = _split(table, record)
    columns.setdefault("id", new_id())
    columns.setdefault("created_at", now())
    columns.setdefault("tags", [])
    await conn.execute(sa.insert(table).values(**columns, attrs=attrs))
    return {**attrs, **columns, "updated_at": columns.get("updated_at")}


async def get(conn: AsyncConnection, kind: str, id_: str, *, project_id: str | None = None,
              lock: bool = False) -> Record:
    """The object ``id_`` (404 when missing, DELETED, or of another project when
    ``project_id`` is given)."""
    table = KINDS[kind]
    query = sa.select(table).where(table.c.id == id_)
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound.of(kind, id_)
    record = _record(row)
    if record["provisioning_status"] == "DELETED" or (
            project_id is not None and record["project_id"] != project_id):
        raise NotFound.of(kind, id_)
    return record


async def select(conn: AsyncConnection, kind: str, **where: Any) -> list[Record]:
    """Objects of ``kind`` whose columns equal ``where`` (a list value: IN), DELETED ones
    left out, oldest first."""
    table = KINDS[kind]
    query = sa.select(table).where(table.c.provisioning_status != "DELETED")
    for name, value in where.items():
        if value is None:
            continue
        column = table.c[name]
        query = query.where(column.in_(value) if isinstance(value, list) else column == value)
    rows = (await conn.execute(query.order_by(table.c.created_at, table.c.id))).all()
    return [_record(row) for row in rows]


async def update(conn: AsyncConnection, kind: str, id_: str, changes: Mapping[str, Any],
                 *, touch: bool = True) -> None:
    """Change some fields of one object (attrs merged with what is stored)."""
    table = KINDS[kind]
    columns, attrs = _split(table, changes)
    if attrs:
        stored = (await conn.execute(sa.select(table.c.attrs).where(table.c.id == id_))).scalar()
        merged = {**(stored or {}), **attrs}
        columns["attrs"] = {k: v for k, v in merged.items() if v is not _DROP}
    if touch:
        columns["updated_at"] = now()
    if columns:
        await conn.execute(sa.update(table).where(table.c.id == id_).values(**columns))


class _Drop:
    """A value that removes an attribute in ``update``."""


_DROP: Any = _Drop()
DROP: Any = _DROP


async def set_status(conn: AsyncConnection, kind: str, ids: Iterable[str], *,
                     provisioning: str | None = None, operating: str | None = None,
                     touch: bool = True) -> None:
    table = KINDS[kind]
    values: Record = {}
    if provisioning is not None:
        values["provisioning_status"] = provisioning
    if operating is not None:
        values["operating_status"] = operating
    if touch:
        values["updated_at"] = now()
    ids = list(ids)
    if ids and values:
        await conn.execute(sa.update(table).where(table.c.id.in_(ids)).values(**values))


async def delete(conn: AsyncConnection, kind: str, ids: Sequence[str]) -> None:
    table = KINDS[kind]
    if ids:
        await conn.execute(sa.delete(table).where(table.c.id.in_(list(ids))))
