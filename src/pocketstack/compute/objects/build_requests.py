"""The API database's side of a boot: request specs, build requests, instance mappings.

``create_boot`` writes, for every instance of a request, its request spec, its build request
and its instance mapping (cell NULL) in one API-database transaction, as Nova's API does
before casting to the super-conductor. The super-conductor then points the mapping at a
cell and deletes the build request; a build request that vanished means the user deleted
the server meanwhile.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.db.api_models import build_requests, instance_mappings, request_specs
from pocketstack.compute.objects.instances import from_record, now
from pocketstack.compute.view_cache import ViewCache

__all__ = [
    "BootRecord",
    "InstanceMapping",
    "create_boot",
    "delete_build_request",
    "get_build_request",
    "get_mapping",
    "get_mappings",
    "get_request_spec",
    "list_build_records",
    "mappings_in_cells",
    "pending_build_uuids",
    "set_mapping_cell",
    "set_queued_for_delete",
    "set_request_spec",
]


@dataclasses.dataclass(frozen=True)
class BootRecord:
    """One instance of a boot request: the instance record (``instances`` columns, JSON
    form), its block device mappings, its tags and its request spec."""

    instance: dict[str, Any]
    block_device_mappings: list[dict[str, Any]]
    tags: list[str]
    request_spec: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class InstanceMapping:
    instance_uuid: str
    cell_id: int | None
    project_id: str
    user_id: str | None
    queued_for_delete: bool
    created_at: Any


def _mapping(row: sa.RowMapping) -> InstanceMapping:
    return InstanceMapping(row["instance_uuid"], row["cell_id"], row["project_id"],
                           row["user_id"], bool(row["queued_for_delete"]), row["created_at"])


async def create_boot(conn: AsyncConnection, records: Sequence[BootRecord]) -> None:
    moment = now()
    if not records:
        return
    await conn.execute(sa.insert(request_specs), [
        {"instance_uuid": r.instance["uuid"], "spec": r.request_spec, "created_at": moment}
        for r in records])
    await conn.execute(sa.insert(build_requests), [
        {"instance_uuid": r.instance["uuid"], "project_id": r.instance["project_id"],
         "instance": r.instance, "block_device_mappings": r.block_device_mappings,
         "tags": r.tags, "created_at": moment} for r in records])
    await conn.execute(sa.insert(instance_mappings), [
        {"instance_uuid": r.instance["uuid"], "cell_id": None,
         "project_id": r.instance["project_id"], "user_id": r.instance["user_id"],
         "queued_for_delete": False, "created_at": moment} for r in records])


# Built once: a boot reads and deletes its build request, reads its spec, maps itself.
_UUID: sa.BindParameter[str] = sa.bindparam("uuid")
_BUILD_REQUEST = sa.select(build_requests).where(build_requests.c.instance_uuid == _UUID)
_DELETE_BUILD_REQUEST = sa.delete(build_requests).where(
    build_requests.c.instance_uuid == _UUID)
_REQUEST_SPEC = sa.select(request_specs.c.spec).where(request_specs.c.instance_uuid == _UUID)
_MAPPING = sa.select(instance_mappings).where(instance_mappings.c.instance_uuid == _UUID)
_SET_CELL = sa.update(instance_mappings).where(instance_mappings.c.instance_uuid == _UUID)
_BUILD_INSTANCES = sa.select(
    build_requests.c.id, build_requests.c.instance_uuid, build_requests.c.instance
).where(build_requests.c.id.in_(sa.bindparam("ids", expanding=True)))


async def get_build_request(conn: AsyncConnection, instance_uuid: str) -> dict[str, Any] | None:
    row = (await conn.execute(_BUILD_REQUEST, {"uuid": instance_uuid})).mappings().first()
    return dict(row) if row is not None else None


async def list_build_records(conn: AsyncConnection, project_id: str | None,
                             decoded: ViewCache[dict[str, Any]]) -> list[dict[str, Any]]:
    """The instance record (:func:`from_record`) of each build request (the project's), each
    decoded once and kept in ``decoded``: a build request never changes, and a burst of
    boots leaves many waiting, which every list of servers reads."""
    light = sa.select(build_requests.c.id, build_requests.c.instance_uuid)
    if project_id is not None:
        light = light.where(build_requests.c.project_id == project_id)
    keys = [(row.id, row.instance_uuid) for row in await conn.execute(light)]
    missing = [row_id for row_id, uuid in keys if decoded.get((row_id, uuid)) is None]
    if missing:
        rows = await conn.execute(_BUILD_INSTANCES, {"ids": missing})
        for row in rows:
            decoded.put((row.id, row.instance_uuid), from_record(row.instance))
    return [record for key in keys if (record := decoded.get(key)) is not None]


async def pending_build_uuids(conn: AsyncConnection) -> list[str]:
    """Every instance still waiting in a build request (resumed after a restart)."""
    rows = await conn.execute(sa.select(build_requests.c.instance_uuid)
                              .order_by(build_requests.c.id))
    return [row.instance_uuid for row in rows]


async def delete_build_request(conn: AsyncConnection, instance_uuid: str) -> bool:
    """False when it was already gone (the server was deleted meanwhile)."""
    result = await conn.execute(_DELETE_BUILD_REQUEST, {"uuid": instance_uuid})
    return bool(result.rowcount)


async def get_request_spec(conn: AsyncConnection, instance_uuid: str) -> dict[str, Any] | None:
    row = (await conn.execute(_REQUEST_SPEC, {"uuid": instance_uuid})).first()
    return dict(row.spec) if row is not None else None


async def set_request_spec(conn: AsyncConnection, instance_uuid: str,
                           spec: dict[str, Any]) -> None:
    """Replace the instance's request spec (a move records its flavor and destination)."""
    await conn.execute(sa.update(request_specs).where(
        request_specs.c.instance_uuid == instance_uuid).values(spec=spec, updated_at=now()))


async def get_mapping(conn: AsyncConnection, instance_uuid: str) -> InstanceMapping | None:
    row = (await conn.execute(_MAPPING, {"uuid": instance_uuid})).mappings().first()
    return _mapping(row) if row is not None else None


async def get_mappings(conn: AsyncConnection,
                       instance_uuids: Iterable[str]) -> dict[str, InstanceMapping]:
    uuids = list(instance_uuids)
    if not uuids:
        return {}
    rows = await conn.execute(sa.select(instance_mappings).where(
        instance_mappings.c.instance_uuid.in_(uuids)))
    return {row["instance_uuid"]: _mapping(row) for row in rows.mappings()}


async def mappings_in_cells(conn: AsyncConnection, cell_ids: Iterable[int],
                            project_id: str | None, limit: int) -> list[InstanceMapping]:
    """The live mappings (not queued for delete) of ``cell_ids``, in table order: what is
    known of the servers of cells that are down."""
    query = sa.select(instance_mappings).where(
        instance_mappings.c.cell_id.in_(list(cell_ids)),
        sa.or_(instance_mappings.c.queued_for_delete.is_(False),
               instance_mappings.c.queued_for_delete.is_(None)))
    if project_id is not None:
        query = query.where(instance_mappings.c.project_id == project_id)
    rows = await conn.execute(query.order_by(instance_mappings.c.id).limit(max(limit, 0)))
    return [_mapping(row) for row in rows.mappings()]


async def set_mapping_cell(conn: AsyncConnection, instance_uuid: str, cell_id: int, *,
                           only_if_unmapped: bool = False) -> bool:
    query = _SET_CELL
    if only_if_unmapped:
        query = query.where(sa.or_(instance_mappings.c.cell_id.is_(None),
                                   instance_mappings.c.cell_id == cell_id))
    result = await conn.execute(query, {"uuid": instance_uuid, "cell_id": cell_id,
                                        "updated_at": now()})
    return bool(result.rowcount)


async def set_queued_for_delete(conn: AsyncConnection, instance_uuid: str,
                                queued: bool = True) -> None:
    await conn.execute(sa.update(instance_mappings).where(
        instance_mappings.c.instance_uuid == instance_uuid).values(
        queued_for_delete=queued, updated_at=now()))
