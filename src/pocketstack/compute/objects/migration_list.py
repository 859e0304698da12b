"""Listing migration records across cells (``GET /os-migrations``), and finding one of a
server's records by its per-cell id.

Every compute cell (cell0 holds none) is asked at once with the same filters and marker;
each answers its rows sorted ``created_at desc, id desc, uuid asc``, at most ``limit`` of
them, and the rows are merged. A cross-cell move leaves a copy of the server's records in
both cells (same uuid and ``created_at``, another ``id``): the copies count once, at the
place of the first, with the content of the one updated last. Hidden records are never
listed; a cell that cannot be reached is skipped and named in ``MigrationPage.down_cells``.

Why ``limit`` rows per cell suffice: a cell holds one copy of a uuid at most, so the rows a
cell has before the ``n``-th distinct uuid of the merge belong to fewer than ``n`` uuids.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.cells import CellHandle, scatter_gather
from pocketstack.compute.cells.merge import SortKeys, sort_records
from pocketstack.compute.db.cell_models import migrations

__all__ = ["SORT", "MarkerNotFound", "MigrationPage", "MigrationQuery", "collapse",
           "find_for_instance", "list_migrations"]

SORT: SortKeys = (("created_at", "desc"), ("id", "desc"), ("uuid", "asc"))

# What a view may show, and what the merge sorts on; never the internal columns.
_COLUMNS = [migrations.c[name] for name in (
    "id", "uuid", "instance_uuid", "source_compute", "source_node", "dest_compute",
    "dest_node", "dest_host", "old_instance_type_id", "new_instance_type_id", "status",
    "migration_type", "user_id", "project_id", "created_at", "updated_at")]


class MarkerNotFound(LookupError):
    def __init__(self, marker: str) -> None:
        super().__init__(f"Marker {marker} could not be found.")


@dataclasses.dataclass(frozen=True)
class MigrationQuery:
    limit: int | None = None  # None: every record
    marker: str | None = None  # a migration uuid
    instance_uuid: str | None = None
    host: str | None = None  # the source or the destination compute
    source_compute: str | None = None  # ignored when ``host`` is given
    status: str | None = None
    migration_type: str | None = None
    hidden: bool = False  # asked for hidden records only: none is ever listed
    changes_since: datetime.datetime | None = None  # updated_at >=, naive UTC
    changes_before: datetime.datetime | None = None  # updated_at <=
    user_id: str | None = None
    project_id: str | None = None


@dataclasses.dataclass
class MigrationPage:
    records: list[dict[str, Any]]
    down_cells: set[str] = dataclasses.field(default_factory=set)


def _filtered(query: sa.Select[Any], q: MigrationQuery) -> sa.Select[Any]:
    m = migrations.c
    query = query.where(m.deleted == 0, m.hidden.is_(False))
    if q.host is not None:
        query = query.where(sa.or_(m.source_compute == q.host, m.dest_compute == q.host))
    elif q.source_compute is not None:
        query = query.where(m.source_compute == q.source_compute)
    for column, value in (("instance_uuid", q.instance_uuid), ("status", q.status),
                          ("migration_type", q.migration_type), ("user_id", q.user_id),
                          ("project_id", q.project_id)):
        if value is not None:
            query = query.where(m[column] == value)
    if q.changes_since is not None:
        query = query.where(m.updated_at >= q.changes_since)
    if q.changes_before is not None:
        query = query.where(m.updated_at <= q.changes_before)
    return query


def _after(marker: Mapping[str, Any]) -> sa.ColumnElement[bool]:
    """Rows that sort strictly after ``marker`` under :data:`SORT` (no column is null)."""
    m = migrations.c
    created, row_id = marker["created_at"], marker["id"]
    return sa.or_(m.created_at < created,
                  sa.and_(m.created_at == created, m.id < row_id),
                  sa.and_(m.created_at == created, m.id == row_id, m.uuid > marker["uuid"]))


async def _cell_rows(conn: AsyncConnection, q: MigrationQuery,
                     marker: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    query = _filtered(sa.select(*_COLUMNS), q)
    if marker is not None:
        query = query.where(_after(marker))
    query = query.order_by(migrations.c.created_at.desc(), migrations.c.id.desc(),
                           migrations.c.uuid.asc())
    if q.limit is not None:
        query = query.limit(q.limit)
    return [dict(row) for row in (await conn.execute(query)).mappings()]


async def _marker(cells: Sequence[CellHandle], marker: str, *,
                  timeout: float) -> dict[str, Any]:  # noqa: ASYNC109 - per cell
    """The marker's sort values: of its copy that sorts last, so that no copy of it comes
    after the marker."""

    async def read(cell: CellHandle) -> dict[str, Any] | None:
        async with cell.reading() as conn:
            row = (await conn.execute(sa.select(*_COLUMNS).where(
                migrations.c.uuid == marker, migrations.c.deleted == 0))).mappings().first()
        return None if row is None else dict(row)

    results = await scatter_gather(cells, read, timeout=timeout)
    copies = [r.value for r in results.values() if r.ok and r.value is not None]
    if not copies:
        raise MarkerNotFound(marker)
    return dict(sort_records(copies, SORT)[-1])


def _stamp(row: Mapping[str, Any]) -> datetime.datetime:
    return row["updated_at"] or row["created_at"]  # type: ignore[no-any-return]


def collapse(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` sorted and each uuid once: at its first place, the copy updated last."""
    found: dict[str, dict[str, Any]] = {}
    for row in sort_records(rows, SORT):
        seen = found.get(row["uuid"])
        if seen is None or _stamp(row) > _stamp(seen):
            found[row["uuid"]] = dict(row)  # a dict keeps its first insertion's place
    return list(found.values())


async def list_migrations(cells: Sequence[CellHandle], q: MigrationQuery, *,
                          timeout: float) -> MigrationPage:  # noqa: ASYNC109 - per cell
    """The page of migration records of ``cells`` (the compute cells) matching ``q``;
    ``MarkerNotFound`` when no cell that answered has the marker."""
    if q.hidden or q.limit == 0:
        return MigrationPage([])
    marker = None if q.marker is None else await _marker(cells, q.marker, timeout=timeout)

    async def read(cell: CellHandle) -> list[dict[str, Any]]:
        async with cell.reading() as conn:
            return await _cell_rows(conn, q, marker)

    page = MigrationPage([])
    rows: list[dict[str, Any]] = []
    for cell_uuid, result in (await scatter_gather(cells, read, timeout=timeout)).items():
        if result.down:
            page.down_cells.add(cell_uuid)
            continue
        rows += result.unwrap()
    merged = collapse(rows)
    page.records = merged if q.limit is None else merged[: q.limit]
    return page


async def find_for_instance(conn: AsyncConnection, migration_id: int,
                            instance_uuid: str) -> dict[str, Any] | None:
    """The instance's migration record ``migration_id`` in this cell (hidden or not)."""
    row = (await conn.execute(sa.select(*_COLUMNS).where(
        migrations.c.id == migration_id, migrations.c.instance_uuid == instance_uuid,
        migrations.c.deleted == 0))).mappings().first()
    return None if row is None else dict(row)
