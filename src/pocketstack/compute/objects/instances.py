"""Instances in a cell database: create, read, compare-and-swap update, soft delete.

An instance travels as a plain dict of its ``instances`` columns (``to_record`` gives the
JSON-ready form a build request stores and the bus carries: timestamps as ISO strings).
Every state change is ``UPDATE ... WHERE task_state IN (expected)``, Nova's
``expected_task_state``: two racing actions cannot both win.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.db.cell_models import instance_faults, instances

__all__ = [
    "DATETIME_FIELDS",
    "InstanceNotFound",
    "UnexpectedTaskState",
    "add_fault",
    "create_instance",
    "from_record",
    "get_instance",
    "insert_instance",
    "latest_faults",
    "now",
    "soft_delete_instance",
    "to_record",
    "update_instance",
]

DATETIME_FIELDS = ("created_at", "updated_at", "deleted_at", "launched_at", "terminated_at")
_ANY = object()


class InstanceNotFound(LookupError):
    def __init__(self, instance_uuid: str) -> None:
        super().__init__(f"Instance {instance_uuid} could not be found.")
        self.instance_uuid = instance_uuid


class UnexpectedTaskState(Exception):
    """The instance's task state was not one of those the caller expected."""

    def __init__(self, instance_uuid: str, actual: str | None) -> None:
        super().__init__(f"Instance {instance_uuid} is in task_state {actual}")
        self.instance_uuid = instance_uuid
        self.actual = actual


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def to_record(instance: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON-ready form: timestamps as ISO strings, no database id."""
    record = {str(k): v for k, v in instance.items() if k != "id"}
    for name in DATETIME_FIELDS:
        value = record.get(name)
        if isinstance(value, datetime.datetime):
            record[name] = value.isoformat()
    return record


_WRITABLE = frozenset(column.name for column in instances.c) - {"id"}


def from_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """The column values of a record (timestamps parsed back), ready to insert."""
    values = {k: v for k, v in record.items() if k in _WRITABLE}
    flavor = values.get("flavor")
    if isinstance(flavor, Mapping):  # the size columns follow the flavor
        values.setdefault("vcpus", int(flavor.get("vcpus", 0)))
        values.setdefault("memory_mb", int(flavor.get("memory_mb", 0)))
    for name in DATETIME_FIELDS:
        value = values.get(name)
        if isinstance(value, str):
            values[name] = datetime.datetime.fromisoformat(value)
    return values


_INSERT = sa.insert(instances)
_INSERT_RETURNING = _INSERT.returning(*instances.c)


async def create_instance(conn: AsyncConnection, record: Mapping[str, Any]) -> dict[str, Any]:
    """Insert the instance (idempotent on its uuid: an existing row is returned as is)."""
    instance, _ = await insert_instance(conn, record)
    return instance


async def insert_instance(conn: AsyncConnection,
                          record: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """``create_instance``, and whether this call inserted it (False: it was there)."""
    values = from_record(record)
    existing = await _select(conn, values["uuid"], include_deleted=True)
    if existing is not None:
        return existing, False
    values.setdefault("created_at", now())
    values.setdefault("deleted", 0)
    if conn.dialect.insert_returning:
        return dict((await conn.execute(_INSERT_RETURNING, values)).mappings().one()), True
    await conn.execute(_INSERT, values)
    created = await _select(conn, values["uuid"], include_deleted=True)
    assert created is not None
    return created, True


# Built once (include_deleted -> statement): the instance is read at every step of a boot.
_BY_UUID = {
    True: sa.select(instances).where(instances.c.uuid == sa.bindparam("uuid")),
    False: sa.select(instances).where(instances.c.uuid == sa.bindparam("uuid"),
                                      instances.c.deleted == 0),
}


async def _select(conn: AsyncConnection, instance_uuid: str, *,
                  include_deleted: bool = False) -> dict[str, Any] | None:
    row = (await conn.execute(_BY_UUID[include_deleted], {"uuid": instance_uuid})
           ).mappings().first()
    return dict(row) if row is not None else None


async def get_instance(conn: AsyncConnection, instance_uuid: str, *,
                       include_deleted: bool = False) -> dict[str, Any]:
    found = await _select(conn, instance_uuid, include_deleted=include_deleted)
    if found is None:
        raise InstanceNotFound(instance_uuid)
    return found


async def update_instance(
    conn: AsyncConnection,
    instance_uuid: str,
    values: Mapping[str, Any],
    *,
    expected_task_state: Iterable[str | None] | object = _ANY,
    expected_vm_state: Iterable[str] | object = _ANY,
) -> dict[str, Any]:
    """Apply ``values``; with ``expected_task_state`` only from one of those task states
    (``UnexpectedTaskState`` otherwise). Returns the updated instance."""
    params: dict[str, Any] = {"w_uuid": instance_uuid}
    tasks: tuple[bool, bool] | None = None
    if expected_task_state is not _ANY:
        assert isinstance(expected_task_state, Iterable)
        states = list(expected_task_state)
        named = [s for s in states if s is not None]
        tasks = (bool(named), None in states)
        params["w_tasks"] = named
    if expected_vm_state is not _ANY:
        assert isinstance(expected_vm_state, Iterable)
        params["w_vms"] = list(expected_vm_state)
    changed = {**values, "updated_at": now()}
    flavor = values.get("flavor")
    if isinstance(flavor, Mapping):  # the size columns follow the flavor
        changed.update(vcpus=int(flavor.get("vcpus", 0)),
                       memory_mb=int(flavor.get("memory_mb", 0)))
    returning = bool(conn.dialect.update_returning)  # not MySQL/MariaDB: read it after
    result = await conn.execute(_update_statement(tasks, "w_vms" in params, returning),
                                {**changed, **params})
    if returning:
        updated = result.mappings().first()
        if updated is not None:
            return dict(updated)
    elif result.rowcount:
        return await get_instance(conn, instance_uuid)
    current = await get_instance(conn, instance_uuid)
    raise UnexpectedTaskState(instance_uuid, current["task_state"])


@functools.cache
def _update_statement(tasks: tuple[bool, bool] | None, vms: bool,
                      returning: bool) -> sa.Update:
    """The update of one live instance (``:w_uuid``), its revision raised; ``tasks``: (some
    named task states ``:w_tasks``, no task state) it may be in; ``vms``: only from the vm
    states ``:w_vms``; ``returning``: the updated row comes back. Built once per shape: the
    values come as parameters."""
    query = sa.update(instances).where(instances.c.uuid == sa.bindparam("w_uuid"),
                                       instances.c.deleted == 0)
    if tasks is not None:
        named, none = tasks
        clause: sa.ColumnElement[bool] = (
            instances.c.task_state.in_(sa.bindparam("w_tasks", expanding=True))
            if named else sa.false())
        if none:
            clause = sa.or_(clause, instances.c.task_state.is_(None))
        query = query.where(clause)
    if vms:
        query = query.where(instances.c.vm_state.in_(sa.bindparam("w_vms", expanding=True)))
    query = query.values(revision=instances.c.revision + 1)
    return query.returning(*instances.c) if returning else query


async def soft_delete_instance(conn: AsyncConnection, instance_uuid: str) -> bool:
    """Mark the instance deleted (``deleted`` = its id); False when it already was."""
    moment = now()
    result = await conn.execute(
        sa.update(instances)
        .where(instances.c.uuid == instance_uuid, instances.c.deleted == 0)
        .values(deleted=instances.c.id, deleted_at=moment, terminated_at=moment,
                updated_at=moment, vm_state="deleted", task_state=None, power_state=0,
                revision=instances.c.revision + 1))
    return bool(result.rowcount)


async def add_fault(conn: AsyncConnection, instance_uuid: str, *, code: int, message: str,
                    details: str | None = None, host: str | None = None) -> None:
    """Record a fault; the instance's revision rises (its view shows the latest fault)."""
    await conn.execute(sa.insert(instance_faults).values(
        instance_uuid=instance_uuid, code=code, message=message[:255], details=details,
        host=host, created_at=now()))
    await conn.execute(sa.update(instances).where(instances.c.uuid == instance_uuid)
                       .values(revision=instances.c.revision + 1))


async def latest_faults(conn: AsyncConnection,
                        instance_uuids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The most recent fault of each instance that has one."""
    uuids = list(instance_uuids)
    if not uuids:
        return {}
    rows = (await conn.execute(
        sa.select(instance_faults).where(instance_faults.c.instance_uuid.in_(uuids))
        .order_by(instance_faults.c.id))).mappings()
    return {row["instance_uuid"]: dict(row) for row in rows}
