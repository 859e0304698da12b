"""Migration records (resize and cold migration) in a cell database, and the copies a
cross-cell move makes of an instance in its target cell.

A migration is created by the API with the instance's ``resize_prep`` task state, in the
same transaction; the super-conductor then moves it through ``step`` (never shown) and
Nova's ``status`` values. During a cross-cell move both cells hold a copy of the instance
(the one the mapping does not point at is ``hidden``) and of its migration records, with
the same uuids.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.db.cell_models import (
    block_device_mappings,
    instance_actions,
    instance_actions_events,
    instance_faults,
    instances,
    migrations,
)
from pocketstack.compute.objects.instances import now

__all__ = [
    "IN_PROGRESS",
    "MigrationNotFound",
    "copy_action",
    "copy_instance",
    "create_migration",
    "find_migration",
    "get_migration",
    "hard_delete_instance",
    "in_progress_for",
    "latest_for",
    "set_migration",
    "unsettled",
    "wire",
]

# Statuses a migration rests in; every other one is work under way.
SETTLED = ("finished", "confirmed", "reverted", "error")
IN_PROGRESS = ("pre-migrating", "migrating", "post-migrating", "confirming", "reverting")
MOVING = ("pre-migrating", "migrating", "post-migrating")  # before the move finished


class MigrationNotFound(LookupError):
    def __init__(self, migration_uuid: str) -> None:
        super().__init__(f"Migration {migration_uuid} could not be found.")


def wire(row: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON-ready form (ISO timestamps), as the bus and the resync carry it."""
    record = {str(k): v for k, v in row.items()}
    for name in ("created_at", "updated_at", "deleted_at"):
        value = record.get(name)
        if isinstance(value, datetime.datetime):
            record[name] = value.isoformat()
    return record


async def create_migration(conn: AsyncConnection, values: Mapping[str, Any]) -> dict[str, Any]:
    moment = now()
    await conn.execute(sa.insert(migrations).values(
        **values, created_at=moment, updated_at=moment, deleted=0))
    return await get_migration(conn, str(values["uuid"]))


async def get_migration(conn: AsyncConnection, migration_uuid: str) -> dict[str, Any]:
    row = (await conn.execute(sa.select(migrations).where(
        migrations.c.uuid == migration_uuid, migrations.c.deleted == 0))).mappings().first()
    if row is None:
        raise MigrationNotFound(migration_uuid)
    return dict(row)


async def find_migration(conn: AsyncConnection, migration_uuid: str) -> dict[str, Any] | None:
    try:
        return await get_migration(conn, migration_uuid)
    except MigrationNotFound:
        return None


async def set_migration(conn: AsyncConnection, migration_uuid: str,
                        values: Mapping[str, Any], *,
                        expected_status: str | Iterable[str] | None = None) -> bool:
    """Apply ``values`` (only from ``expected_status``, one or several, when given); False
    when no record (in such a status) was there."""
    query = sa.update(migrations).where(migrations.c.uuid == migration_uuid,
                                        migrations.c.deleted == 0)
    if expected_status is not None:
        wanted = [expected_status] if isinstance(expected_status, str) else list(
            expected_status)
        query = query.where(migrations.c.status.in_(wanted))
    result = await conn.execute(query.values(**values, updated_at=now()))
    return bool(result.rowcount)


async def latest_for(conn: AsyncConnection, instance_uuid: str, *,
                     statuses: Iterable[str]) -> dict[str, Any] | None:
    """The instance's newest migration in one of ``statuses``."""
    row = (await conn.execute(
        sa.select(migrations).where(migrations.c.instance_uuid == instance_uuid,
                                    migrations.c.deleted == 0,
                                    migrations.c.status.in_(list(statuses)))
        .order_by(migrations.c.created_at.desc(), migrations.c.id.desc()))).mappings().first()
    return None if row is None else dict(row)


async def in_progress_for(conn: AsyncConnection, instance_uuid: str) -> dict[str, Any] | None:
    return await latest_for(conn, instance_uuid, statuses=IN_PROGRESS)


async def unsettled(conn: AsyncConnection) -> list[dict[str, Any]]:
    """Migrations under way, and those waiting for a confirmation (``finished``)."""
    rows = await conn.execute(sa.select(migrations).where(
        migrations.c.deleted == 0,
        migrations.c.status.in_([*IN_PROGRESS, "finished"])).order_by(migrations.c.id))
    return [dict(row) for row in rows.mappings()]


def _without_id(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in row.items() if k != "id"}


async def copy_instance(source: AsyncConnection, target: AsyncConnection,
                        instance_uuid: str) -> None:
    """Copy the instance (hidden), its block device mappings, its actions and their events
    and its migration records into the ``target`` cell. Idempotent: what the target has
    already is replaced, so a resumed copy leaves exactly one of each."""
    row = (await source.execute(sa.select(instances).where(
        instances.c.uuid == instance_uuid, instances.c.deleted == 0))).mappings().first()
    if row is None:
        raise LookupError(f"Instance {instance_uuid} is not in the source cell")
    await hard_delete_instance(target, instance_uuid)
    await target.execute(sa.insert(instances).values(**{**_without_id(row), "hidden": True}))
    bdms = (await source.execute(sa.select(block_device_mappings).where(
        block_device_mappings.c.instance_uuid == instance_uuid,
        block_device_mappings.c.deleted == 0))).mappings().all()
    if bdms:
        await target.execute(sa.insert(block_device_mappings),
                             [_without_id(bdm) for bdm in bdms])
    actions = (await source.execute(sa.select(instance_actions).where(
        instance_actions.c.instance_uuid == instance_uuid)
        .order_by(instance_actions.c.id))).mappings().all()
    for action in actions:
        made = await target.execute(sa.insert(instance_actions).values(**_without_id(action)))
        pk = made.inserted_primary_key
        assert pk is not None
        events = (await source.execute(sa.select(instance_actions_events).where(
            instance_actions_events.c.action_id == action["id"])
            .order_by(instance_actions_events.c.id))).mappings().all()
        if events:
            await target.execute(sa.insert(instance_actions_events), [
                {**_without_id(event), "action_id": int(pk[0])} for event in events])
    records = (await source.execute(sa.select(migrations).where(
        migrations.c.instance_uuid == instance_uuid,
        migrations.c.deleted == 0))).mappings().all()
    if records:
        await target.execute(sa.insert(migrations), [_without_id(m) for m in records])


async def copy_action(source: AsyncConnection, target: AsyncConnection, instance_uuid: str,
                      request_id: str) -> None:
    """Copy one action and its events to the other cell (replacing the copy it has)."""
    action = (await source.execute(sa.select(instance_actions).where(
        instance_actions.c.instance_uuid == instance_uuid,
        instance_actions.c.request_id == request_id))).mappings().first()
    if action is None:
        return
    old = (await target.execute(sa.select(instance_actions.c.id).where(
        instance_actions.c.instance_uuid == instance_uuid,
        instance_actions.c.request_id == request_id))).first()
    if old is not None:
        await target.execute(sa.delete(instance_actions_events).where(
            instance_actions_events.c.action_id == old.id))
        await target.execute(sa.delete(instance_actions).where(
            instance_actions.c.id == old.id))
    made = await target.execute(sa.insert(instance_actions).values(**_without_id(action)))
    pk = made.inserted_primary_key
    assert pk is not None
    events = (await source.execute(sa.select(instance_actions_events).where(
        instance_actions_events.c.action_id == action["id"]))).mappings().all()
    if events:
        await target.execute(sa.insert(instance_actions_events), [
            {**_without_id(event), "action_id": int(pk[0])} for event in events])


async def hard_delete_instance(conn: AsyncConnection, instance_uuid: str) -> None:
    """Remove every trace of the instance from this cell (its leftover copy after a
    cross-cell move): the row, faults, mappings, actions and events, migration records."""
    ids = [row.id for row in await conn.execute(sa.select(instance_actions.c.id).where(
        instance_actions.c.instance_uuid == instance_uuid))]
    if ids:
        await conn.execute(sa.delete(instance_actions_events).where(
            instance_actions_events.c.action_id.in_(ids)))
        await conn.execute(sa.delete(instance_actions).where(instance_actions.c.id.in_(ids)))
    for table in (instance_faults, block_device_mappings, migrations):
        await conn.execute(sa.delete(table).where(table.c.instance_uuid == instance_uuid))
    await conn.execute(sa.delete(instances).where(instances.c.uuid == instance_uuid))
