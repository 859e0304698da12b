"""Listing servers across cells: build requests first, then every cell (cell0 included)
queried with the same filters, sort keys and marker, merged by :mod:`cells.merge`.

A failing or slow cell is skipped and named in ``Listed.down_cells``: the handler decides
(by microversion and options) between leaving its servers out, minimal records built from
the instance mappings, and a 500. The marker may be a build request or an instance of any
cell; an unknown one raises :class:`MarkerNotFound`, one whose cell is down
:class:`CellUnreachable`.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.cells import CellHandle, CellRegistry, scatter_gather
from pocketstack.compute.cells.merge import SortKeys, is_after, merge_sorted, sort_records
from pocketstack.compute.db.cell_models import block_device_mappings, instances
from pocketstack.compute.objects.build_requests import (
    InstanceMapping,
    get_build_request,
    get_mapping,
    list_build_records,
)
from pocketstack.compute.objects.instances import (
    InstanceNotFound,
    from_record,
    get_instance,
    latest_faults,
)
from pocketstack.compute.view_cache import ViewCache

__all__ = ["CellUnreachable", "FullRows", "ListQuery", "Listed", "Located", "MarkerNotFound",
           "cell_bdms", "cell_extras", "full_rows", "list_servers", "locate", "located_extras",
           "merge_columns"]


class MarkerNotFound(LookupError):
    def __init__(self, marker: str) -> None:
        super().__init__(f"marker [{marker}] not found")


class CellUnreachable(Exception):
    """The cell holding the instance did not answer (down or timed out)."""

    def __init__(self, cell: CellHandle, mapping: InstanceMapping) -> None:
        super().__init__(f"Cell {cell.uuid} is not responding or returned an exception, "
                         "hence instance info is not available.")
        self.cell = cell
        self.mapping = mapping


@dataclasses.dataclass(frozen=True)
class ListQuery:
    project_id: str | None  # None: every project
    sort: SortKeys  # uuid tie-breaker included
    limit: int
    marker: str | None = None
    name: str | None = None  # a regular expression, searched
    vm_states: Sequence[str] | None = None
    task_states: Sequence[str] | None = None
    equal: Mapping[str, str] = dataclasses.field(default_factory=dict)  # column == value
    flavor: str | None = None
    changes_since: datetime.datetime | None = None
    deleted: bool | None = None  # None: live only unless changes-since


@dataclasses.dataclass
class Listed:
    """A page: records and the cell each came from (None: a build request, whose record is
    whole). A cell's records hold only what the merge needs (:func:`merge_columns`, with
    ``uuid`` and ``revision``); :func:`full_rows` reads the rest for the view."""

    records: list[Mapping[str, Any]]
    cell_of: dict[str, str | None]
    down_cells: set[str] = dataclasses.field(default_factory=set)  # failed or timed out


@dataclasses.dataclass
class FullRows:
    """Whole instance rows by uuid, with their latest faults and attached volumes."""

    rows: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    faults: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    volumes: dict[str, list[tuple[str, bool]]] = dataclasses.field(default_factory=dict)


def _matches(record: Mapping[str, Any], q: ListQuery) -> bool:
    if q.project_id is not None and record["project_id"] != q.project_id:
        return False
    if q.name is not None and not re.search(q.name, record.get("display_name") or ""):
        return False
    if q.vm_states is not None and record["vm_state"] not in q.vm_states:
        return False
    if q.task_states is not None and record["task_state"] not in q.task_states:
        return False
    if q.flavor is not None and record["flavor"]["flavorid"] != q.flavor:
        return False
    return all(str(record.get(col)) == value for col, value in q.equal.items())


def _after_clause(marker: Mapping[str, Any], keys: SortKeys) -> sa.ColumnElement[bool]:
    """Keyset paging: rows that sort strictly after ``marker`` (NULLs first)."""
    clauses: list[sa.ColumnElement[bool]] = []
    equal: list[sa.ColumnElement[bool]] = []
    for name, direction in keys:
        col, value = instances.c[name], marker.get(name)
        beyond: sa.ColumnElement[bool]
        same: sa.ColumnElement[bool]
        if value is None:
            beyond = col.is_not(None) if direction == "asc" else sa.false()
            same = col.is_(None)
        else:
            beyond = col > value if direction == "asc" else sa.or_(col < value, col.is_(None))
            same = col == value
        clauses.append(sa.and_(*equal, beyond))
        equal.append(same)
    return sa.or_(*clauses)


def _order(keys: SortKeys) -> list[sa.ColumnElement[Any]]:
    return [instances.c[n].asc().nulls_first() if d == "asc" else instances.c[n].desc()
            .nulls_last() for n, d in keys]


# What a view shows: every column but those no view reads (decoding JSON costs per row).
_LISTED = [c for c in instances.c if c.name not in ("system_metadata", "key_data")]
# What every merge reads: identity, version, and what the filters test in Python.
_MERGED = ("uuid", "revision", "project_id", "user_id", "display_name", "vm_state",
           "task_state", "created_at", "updated_at")


def merge_columns(q: ListQuery) -> list[sa.Column[Any]]:
    """The columns a page is merged on: no JSON column unless the flavor filter needs it."""
    names = dict.fromkeys([*_MERGED, *(name for name, _ in q.sort), *q.equal])
    if q.flavor is not None:
        names["flavor"] = None
    return [instances.c[name] for name in names]


async def _cell_page(conn: AsyncConnection, q: ListQuery,
                     marker: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    query = sa.select(*merge_columns(q)).where(instances.c.hidden.is_(False))
    if q.project_id is not None:
        query = query.where(instances.c.project_id == q.project_id)
    if q.deleted is True:
        query = query.where(instances.c.deleted != 0)
    elif q.deleted is False or q.changes_since is None:
        query = query.where(instances.c.deleted == 0)
    if q.changes_since is not None:
        query = query.where(instances.c.updated_at >= q.changes_since)
    if q.vm_states is not None:
        query = query.where(instances.c.vm_state.in_(list(q.vm_states)))
    for col, value in q.equal.items():
        query = query.where(instances.c[col] == value)
    if marker is not None:
        query = query.where(_after_clause(marker, q.sort))
    query = query.order_by(*_order(q.sort))
    if q.name is None and q.flavor is None and q.task_states is None:
        query = query.limit(q.limit)
    result = await conn.execute(query)
    names = list(result.keys())
    rows = [dict(zip(names, row, strict=True)) for row in result]  # cheaper than mappings
    return [r for r in rows if _matches(r, q)][: q.limit]


async def cell_extras(conn: AsyncConnection, uuids: list[str]) -> tuple[
        dict[str, dict[str, Any]], dict[str, list[tuple[str, bool]]]]:
    """The latest faults and the attached volumes of ``uuids``, in one query each."""
    if not uuids:
        return {}, {}
    faults = await latest_faults(conn, uuids)
    rows = await conn.execute(sa.select(
        block_device_mappings.c.instance_uuid, block_device_mappings.c.volume_id,
        block_device_mappings.c.delete_on_termination).where(
        block_device_mappings.c.instance_uuid.in_(uuids),
        block_device_mappings.c.destination_type == "volume",
        block_device_mappings.c.volume_id.is_not(None)).order_by(block_device_mappings.c.id))
    volumes: dict[str, list[tuple[str, bool]]] = {}
    for row in rows:
        volumes.setdefault(row.instance_uuid, []).append((row.volume_id,
                                                          bool(row.delete_on_termination)))
    return faults, volumes


async def _marker_record(api: AsyncConnection, cells: CellRegistry, marker: str,
                         timeout: float) -> tuple[Mapping[str, Any], bool]:  # noqa: ASYNC109
    """The marker's record, and whether it is a build request."""
    build = await get_build_request(api, marker)
    if build is not None:
        return from_record(build["instance"]), True
    mapping = await get_mapping(api, marker)
    if mapping is None or mapping.cell_id is None:
        raise MarkerNotFound(marker)
    cell = cells.by_id(mapping.cell_id)

    async def read(handle: CellHandle) -> dict[str, Any]:
        async with handle.reading() as conn:
            return await get_instance(conn, marker, include_deleted=True)

    found = (await scatter_gather([cell], read, timeout=timeout))[cell.uuid]
    if found.down:
        raise CellUnreachable(cell, mapping)
    if not found.ok:
        raise MarkerNotFound(marker)
    return found.unwrap(), False


async def list_servers(api: AsyncConnection, cells: CellRegistry, q: ListQuery, *,
                       timeout: float,  # noqa: ASYNC109 - per cell
                       decoded: ViewCache[dict[str, Any]] | None = None) -> Listed:
    """A page of servers; ``decoded``: the build requests' records decoded before."""
    marker: Mapping[str, Any] | None = None
    marker_is_build = False
    if q.marker is not None:
        marker, marker_is_build = await _marker_record(api, cells, q.marker, timeout)
    builds: list[Mapping[str, Any]] = []
    if q.deleted is not True and (marker is None or marker_is_build):
        candidates = await list_build_records(api, q.project_id,
                                              decoded if decoded is not None else ViewCache())
        wanted = [b for b in candidates if _matches(b, q)
                  and (marker is None or is_after(b, marker, q.sort))]
        builds = sort_records(wanted, q.sort, q.limit)
    listed = Listed(list(builds), {b["uuid"]: None for b in builds})
    remaining = q.limit - len(builds)
    if remaining > 0:
        await _merge_cells(cells, q, remaining, None if marker_is_build else marker,
                           listed, timeout)
    return listed


async def _read_batch(q: ListQuery, markers: Mapping[str, Mapping[str, Any] | None],
                      cell: CellHandle) -> list[dict[str, Any]]:
    async with cell.reading() as conn:
        return await _cell_page(conn, q, markers[cell.uuid])


def _batch_size(limit: int, n_cells: int) -> int:
    """Nova's distributed batch: a cell's share of the page plus 10%, at least 100."""
    if n_cells <= 1:
        return limit
    return max(min(int(limit / n_cells * 1.10), limit), 100)


async def _merge_cells(cells: CellRegistry, q: ListQuery, limit: int,
                       marker: Mapping[str, Any] | None, listed: Listed,
                       timeout: float) -> None:  # noqa: ASYNC109 - per cell
    """Query every cell in batches, merging until ``limit`` records are known to be the
    first ones; a cell is asked for more only while its whole batch made the page."""
    batch = _batch_size(limit, len(cells.all()))
    fetched: dict[str, list[dict[str, Any]]] = {}
    handles = {cell.uuid: cell for cell in cells.all()}
    wanted = {uuid: marker for uuid in handles}
    page: list[Mapping[str, Any]] = []
    shown: set[str] = set()
    batch_query = dataclasses.replace(q, limit=batch)
    while wanted:
        results = await scatter_gather(
            [handles[u] for u in wanted], functools.partial(_read_batch, batch_query, wanted),
            timeout=timeout)
        more: dict[str, Mapping[str, Any]] = {}
        for cell_uuid, result in results.items():
            if not result.ok:
                listed.down_cells.add(cell_uuid)  # skipped; the handler decides
                continue
            rows = result.unwrap()
            fetched.setdefault(cell_uuid, []).extend(rows)
            if len(rows) == batch:
                more[cell_uuid] = rows[-1]
        page = merge_sorted(fetched.values(), q.sort, limit)
        shown = {r["uuid"] for r in page}
        wanted = {u: last for u, last in more.items()
                  if len(page) < limit or last["uuid"] in shown}
    # A server listed twice (its build request and, just built, its instance) is shown once,
    # as it came first (Nova de-duplicates the same way).
    listed.records += [r for r in page if r["uuid"] not in listed.cell_of]
    for cell_uuid, rows in fetched.items():
        for row in rows:
            if row["uuid"] in shown:
                listed.cell_of.setdefault(row["uuid"], cell_uuid)


async def full_rows(cells: CellRegistry, wanted: Mapping[str, list[str]], *,
                    timeout: float) -> FullRows:  # noqa: ASYNC109 - per cell
    """The whole rows (and faults and volumes) of ``wanted`` (cell uuid -> instance uuids);
    a cell that fails meanwhile gives none."""

    async def read(cell: CellHandle) -> tuple[list[dict[str, Any]], Any, Any]:
        uuids = wanted[cell.uuid]
        async with cell.reading() as conn:
            rows = [dict(r) for r in (await conn.execute(sa.select(*_LISTED).where(
                instances.c.uuid.in_(uuids), instances.c.hidden.is_(False)))).mappings()]
            faults, volumes = await cell_extras(conn, uuids)
        return rows, faults, volumes

    found = FullRows()
    results = await scatter_gather([cells.get(u) for u in wanted if wanted[u]], read,
                                   timeout=timeout)
    for result in results.values():
        if result.ok:
            rows, faults, volumes = result.unwrap()
            found.rows.update((row["uuid"], row) for row in rows)
            found.faults.update(faults)
            found.volumes.update(volumes)
    return found


@dataclasses.dataclass(frozen=True)
class Located:
    """Where a server is (§1.5): its cell and instance row, or (cell None) its build
    request's instance."""

    cell: CellHandle | None
    instance: dict[str, Any]
    bdms: list[dict[str, Any]]
    mapping: InstanceMapping | None = None
    extras: tuple[dict[str, dict[str, Any]], dict[str, list[tuple[str, bool]]]] | None = None
    groups: list[str] | None = None  # its server groups, when read with it


async def located_extras(found: Located, *, timeout: float) -> tuple[  # noqa: ASYNC109
        dict[str, dict[str, Any]], dict[str, list[tuple[str, bool]]]]:
    """The latest fault and attached volumes of a located server, read from its cell;
    ``CellUnreachable`` when the cell went down since it was located."""
    if found.cell is None:
        return {}, {}
    if found.extras is not None:  # read with the instance
        return found.extras
    uuid = found.instance["uuid"]

    async def read(cell: CellHandle) -> tuple[Any, Any]:
        async with cell.reading() as conn:
            return await cell_extras(conn, [uuid])

    result = (await scatter_gather([found.cell], read, timeout=timeout))[found.cell.uuid]
    if result.down and found.mapping is not None:
        raise CellUnreachable(found.cell, found.mapping)
    faults, volumes = result.unwrap()
    return faults, volumes


async def locate(api: AsyncConnection, cells: CellRegistry, instance_uuid: str, *,
                 timeout: float, include_deleted: bool = False,  # noqa: ASYNC109
                 with_extras: bool = False) -> Located:
    """The server through its instance mapping; ``InstanceNotFound`` when unmapped. With
    ``with_extras`` its latest fault and volumes are read in the same cell session."""
    for _ in range(2):
        mapping = await get_mapping(api, instance_uuid)
        if mapping is None:
            break
        if mapping.cell_id is None:
            build = await get_build_request(api, instance_uuid)
            if build is None:
                continue  # picked meanwhile: read the mapping again
            return Located(None, from_record(build["instance"]),
                           list(build["block_device_mappings"]))
        cell = cells.by_id(mapping.cell_id)

        async def read(handle: CellHandle) -> tuple[dict[str, Any], Any]:
            async with handle.reading() as conn:
                found = await get_instance(conn, instance_uuid, include_deleted=include_deleted)
                extras = await cell_extras(conn, [instance_uuid]) if with_extras else None
            return found, extras

        result = (await scatter_gather([cell], read, timeout=timeout))[cell.uuid]
        if result.down:
            raise CellUnreachable(cell, mapping)
        instance, extras = result.unwrap()
        return Located(cell, instance, [], mapping, extras)
    raise InstanceNotFound(instance_uuid)


async def cell_bdms(conn: AsyncConnection, instance_uuid: str) -> list[dict[str, Any]]:
    """The instance's block device mappings (JSON form), for terminate."""
    rows = await conn.execute(sa.select(block_device_mappings).where(
        block_device_mappings.c.instance_uuid == instance_uuid)
        .order_by(block_device_mappings.c.id))
    return [{key: row[key] for key in _BDM_KEYS} for row in rows.mappings()]


_BDM_KEYS = ("uuid", "source_type", "destination_type", "boot_index", "volume_id", "image_id",
             "volume_size", "delete_on_termination", "device_name", "tag", "attachment_id")
