"""The API's side of a move: the transitions a resize, migrate, confirmResize or
revertResize request makes in the instance's cell, in one transaction each, before the
super-conductor is told (§4.3 steps 1, 6, 7).

Each takes the server's task state by compare-and-swap and its migration by its status, so
two racing requests cannot both start (``UnexpectedTaskState`` / ``MoveConflict``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.objects import instance_actions
from pocketstack.compute.objects import instances as objects
from pocketstack.compute.objects import migrations as records

__all__ = ["MoveConflict", "begin_confirm", "begin_move", "begin_revert"]


class MoveConflict(Exception):
    """The migration was not in the status the request starts from."""


async def begin_move(conn: AsyncConnection, instance: Mapping[str, Any], *,
                     migration: Mapping[str, Any], new_flavor: Mapping[str, Any],
                     action: str, request_id: str, user_id: str,
                     project_id: str | None) -> dict[str, Any]:
    """``resize_prep``, the flavors and the old vm state on the instance, the action, and
    the migration ``pre-migrating`` (step ``requested``)."""
    sysmeta = {**(instance.get("system_metadata") or {}),
               "old_vm_state": instance["vm_state"]}
    await objects.update_instance(
        conn, instance["uuid"], {"task_state": "resize_prep", "progress": 0,
                                 "old_flavor": instance["flavor"], "new_flavor": new_flavor,
                                 "system_metadata": sysmeta},
        expected_task_state=[None], expected_vm_state=["active", "stopped"])
    await instance_actions.start_action(conn, instance_uuid=instance["uuid"], action=action,
                                        request_id=request_id, user_id=user_id,
                                        project_id=project_id)
    return await records.create_migration(conn, {
        **migration, "instance_uuid": instance["uuid"], "status": "pre-migrating",
        "step": "requested", "request_id": request_id, "hidden": False,
        "cross_cell_move": False})


async def _begin_end(conn: AsyncConnection, instance_uuid: str, migration_uuid: str, *,
                     status: str, action: str, task_state: str | None, request_id: str,
                     user_id: str, project_id: str | None) -> None:
    await objects.update_instance(conn, instance_uuid, {"task_state": task_state},
                                  expected_task_state=[None], expected_vm_state=["resized"])
    if not await records.set_migration(conn, migration_uuid, {
            "status": status, "step": status, "request_id": request_id},
            expected_status="finished"):
        raise MoveConflict(migration_uuid)
    await instance_actions.start_action(conn, instance_uuid=instance_uuid, action=action,
                                        request_id=request_id, user_id=user_id,
                                        project_id=project_id)


async def begin_confirm(conn: AsyncConnection, instance_uuid: str, migration_uuid: str, *,
                        request_id: str, user_id: str, project_id: str | None) -> None:
    """The migration ``confirming`` (the server stays VERIFY_RESIZE until done)."""
    await _begin_end(conn, instance_uuid, migration_uuid, status="confirming",
                     action="confirmResize", task_state=None, request_id=request_id,
                     user_id=user_id, project_id=project_id)


async def begin_revert(conn: AsyncConnection, instance_uuid: str, migration_uuid: str, *,
                       request_id: str, user_id: str, project_id: str | None) -> None:
    """The migration ``reverting``, the server ``resize_reverting`` (REVERT_RESIZE)."""
    await _begin_end(conn, instance_uuid, migration_uuid, status="reverting",
                     action="revertResize", task_state="resize_reverting",
                     request_id=request_id, user_id=user_id, project_id=project_id)
