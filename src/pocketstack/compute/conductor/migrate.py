"""Resize and cold migration, driven by the super-conductor step by step (§4.3-§4.5).

The API recorded the migration (``pre-migrating``, step ``requested``) with the server's
``resize_prep`` task state. From there::

    requested -> allocations_moved -> scheduled
      same cell:   -> prepped_at_dest -> resized_at_source -> finished
      cross cell:  -> target_created -> prepped_at_dest -> resized_at_source
                   -> finished_at_dest -> finished (the mapping flipped: the swap)

Each step is written to the migration before the next begins; a failure (no host, a
refused step, a spawn that fails) or a restart before ``finished`` rolls the move back:
the server is ACTIVE (or SHUTOFF) on its source host again, its allocations its own, the
destination's guest, copy and snapshot gone, the fault recorded.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.common.bus import BusError, RemoteError
from pocketstack.common.client import ServiceError
from pocketstack.compute import rpc
from pocketstack.compute.conductor.gate import WriteGate
from pocketstack.compute.conductor.moves import Move, MoveFailed
from pocketstack.compute.objects import build_requests, host_reports, scheduling
from pocketstack.compute.objects import instances as objects
from pocketstack.compute.objects import migrations as records
from pocketstack.compute.scheduler.manager import NO_VALID_HOST
from pocketstack.compute.service import Compute

__all__ = ["FORWARD_STEPS", "finish_swap", "migrate_server", "roll_back", "volume_attachments",
           "with_devices"]

log = logging.getLogger("pocketstack.compute.conductor")

M = rpc.MigrateMethod
SCHEDULE_TIMEOUT = 60.0
CONDUCTOR_EVENT = "conductor_migrate_server"
SAME_CELL_STEPS = ("requested", "allocations_moved", "scheduled", "prepped_at_dest",
                   "resized_at_source", "finished")
CROSS_CELL_STEPS = ("requested", "allocations_moved", "scheduled", "target_created",
                    "prepped_at_dest", "resized_at_source", "finished_at_dest", "finished")
FORWARD_STEPS = frozenset(SAME_CELL_STEPS + CROSS_CELL_STEPS) - {"finished"}


def _events(cross: bool) -> tuple[str, str, str]:
    if cross:
        return ("compute_prep_snapshot_based_resize_at_dest",
                "compute_prep_snapshot_based_resize_at_source",
                "compute_finish_snapshot_based_resize_at_dest")
    return "compute_prep_resize", "compute_resize_instance", "compute_finish_resize"


def _reached(move: Move, step: str) -> bool:
    """Whether the move has recorded ``step`` (or a later one)."""
    order = CROSS_CELL_STEPS if move.cross_cell else SAME_CELL_STEPS
    return move.step in order and order.index(move.step) >= order.index(step)


async def migrate_server(svc: Compute, gate: WriteGate, migration_uuid: str,
                         cell_uuid: str) -> None:
    """Drive the move from its recorded step to ``finished``, or roll it back."""
    async with gate.move_lock(migration_uuid):
        move = await Move.load(svc, gate, migration_uuid, cell_uuid)
        if move.step not in FORWARD_STEPS or move.migration["status"] == "error":
            return
        try:
            await _forward(move)
        except MoveFailed as exc:
            log.info("migration %s of %s failed: %s", move.uuid, move.instance_uuid,
                     exc.reason)
            await roll_back(move, exc.reason, fault_host=exc.host)


async def _forward(move: Move) -> None:
    if move.step == "requested":
        await move.event(CONDUCTOR_EVENT, None)
        await move.svc.clients.placement.move_allocations(move.instance_uuid, move.uuid)
        await move.record({}, step="allocations_moved")
    if move.step == "allocations_moved":
        await _schedule(move)
    if move.cross_cell:
        await _cross_cell(move)
    else:
        await _same_cell(move)


async def _schedule(move: Move) -> None:
    svc = move.svc
    # A claim an earlier try made for the instance (its own allocations are the migration's).
    await svc.clients.placement.delete_allocations(move.instance_uuid)
    try:
        chosen: list[list[rpc.Selection]] = await svc.api_bus.call(
            rpc.SCHEDULER, rpc.SELECT_DESTINATIONS, {"instance_uuids": [move.instance_uuid]},
            timeout=SCHEDULE_TIMEOUT)
    except BusError as exc:
        reason = exc.message if isinstance(exc, RemoteError) else str(exc)
        await move.event(CONDUCTOR_EVENT, None, "Error", reason)
        raise MoveFailed(NO_VALID_HOST if "No valid host" in reason else reason) from exc
    selection = chosen[0][0]
    dest = svc.cells.get(selection["cell_uuid"])
    move.dest = dest
    await move.record({"dest_compute": selection["host"], "dest_node": selection["nodename"],
                       "dest_host": "127.0.0.1", "dest_cell": dest.uuid,
                       "cross_cell_move": dest.uuid != move.source.uuid},
                      step="scheduled", cells=[move.source])
    await move.event(CONDUCTOR_EVENT, None, "Success")


def with_devices(instance: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The instance's system metadata naming the devices the host step gave it."""
    sysmeta = {k: v for k, v in (instance.get("system_metadata") or {}).items()
               if k != rpc.DEVICES_KEY}
    if answer.get("devices"):
        sysmeta[rpc.DEVICES_KEY] = answer["devices"]
    return sysmeta


def _power_on(instance: dict[str, Any]) -> bool:
    sysmeta: dict[str, Any] = instance.get("system_metadata") or {}
    return str(sysmeta.get("old_vm_state", "active")) != "stopped"


async def _same_cell(move: Move) -> None:
    prep, resize, finish = _events(False)
    dest = move.migration["dest_compute"]
    source = move.migration["source_compute"]
    if move.step == "scheduled":
        await move.call_host(move.source, dest, M.PREP_AT_DEST,
                             {"instance": await move.instance(), "cross_cell": False},
                             event=prep)
        await move.record({}, step="prepped_at_dest")
    if move.step == "prepped_at_dest":
        await move.record({"status": "migrating"})
        await move.update_instance({"task_state": "resize_migrating"})
        await move.call_host(move.source, source, M.RESIZE_AT_SOURCE,
                             {"instance": await move.instance()}, event=resize)
        await move.update_instance({"task_state": "resize_migrated"})
        await move.record({"status": "post-migrating"}, step="resized_at_source")
    if move.step == "resized_at_source":
        await move.update_instance({"task_state": "resize_finish"})
        instance = await move.instance()
        moved = {**instance, "flavor": instance["new_flavor"] or instance["flavor"],
                 "host": dest, "node": move.migration["dest_node"]}
        answer = await move.call_host(move.source, dest, M.FINISH_AT_DEST,
                                      {"instance": moved, "power_on": _power_on(instance)},
                                      event=finish)
        await move.settle(await _landed(move, instance, answer), {"status": "finished"},
                          step="finished")


async def _landed(move: Move, instance: dict[str, Any],
                  answer: dict[str, Any]) -> dict[str, Any]:
    """The instance's columns once it runs on the destination (VERIFY_RESIZE)."""
    async with move.svc.reading() as api:
        zones = await scheduling.host_azs(api)
    dest = move.migration["dest_compute"]
    return {"host": dest, "node": move.migration["dest_node"], "launched_on": dest,
            "system_metadata": with_devices(instance, answer),
            "flavor": instance["new_flavor"] or instance["flavor"],
            "vm_state": "resized", "task_state": None,
            "power_state": int(answer.get("power_state") or 0),
            "availability_zone": instance.get("pinned_availability_zone")
            or zones.get(dest, scheduling.DEFAULT_AZ)}


async def _cross_cell(move: Move) -> None:
    prep, resize, finish = _events(True)
    assert move.dest is not None
    dest_cell, dest = move.dest, move.migration["dest_compute"]
    if move.step == "scheduled":
        await _copy_to_target(move)
        await move.record({"cross_cell_move": True}, step="target_created")
    if move.step == "target_created":
        answer = await move.call_host(dest_cell, dest, M.PREP_AT_DEST, {
            "instance": await move.instance(dest_cell), "cross_cell": True,
            "attachments": _attachments(await move.instance(dest_cell))}, event=prep)
        async with move.gate.cell(dest_cell) as conn:
            for bdm_uuid, attachment_id in (answer.get("attachments") or {}).items():
                await host_reports.update_bdm(conn, bdm_uuid,
                                              {"attachment_id": attachment_id})
        await move.record({}, step="prepped_at_dest")
    if move.step == "prepped_at_dest":
        await _prep_at_source(move, resize)
    if move.step == "resized_at_source":
        await move.update_instance({"task_state": "resize_migrated"}, dest_cell)
        target = await move.instance(dest_cell)
        moved = {**target, "flavor": target["new_flavor"] or target["flavor"], "host": dest,
                 "node": move.migration["dest_node"],
                 "image_ref": move.migration.get("image_id") or target["image_ref"]}
        answer = await move.call_host(dest_cell, dest, M.FINISH_AT_DEST, {
            "instance": moved, "attachments": _attachments(target),
            "power_on": _power_on(target)}, event=finish)
        await _drop_snapshot(move)
        await move.update_instance(await _landed(move, target, answer), dest_cell)
        await move.record({}, step="finished_at_dest", cells=[move.source])
    if move.step == "finished_at_dest":
        await finish_swap(move)


async def _copy_to_target(move: Move) -> None:
    assert move.dest is not None
    async with move.source.reading() as source, move.gate.cell(move.dest) as target:
        await records.copy_instance(source, target, move.instance_uuid)
        for bdm in await host_reports.list_bdms(target, move.instance_uuid):
            if bdm.get("attachment_id"):  # the source's: the target gets its own
                await host_reports.update_bdm(target, bdm["uuid"], {"attachment_id": None})


def _attachments(instance: dict[str, Any]) -> dict[str, str]:
    """bdm uuid -> attachment id, of the instance's volumes (in one cell)."""
    return {bdm["uuid"]: str(bdm["attachment_id"]) for bdm in instance.get("bdms") or []
            if bdm.get("destination_type") == "volume" and bdm.get("attachment_id")}


def volume_attachments(instance: dict[str, Any]) -> dict[str, str]:
    """volume id -> attachment id, of the instance's volumes (in one cell)."""
    return {str(bdm["volume_id"]): str(bdm["attachment_id"])
            for bdm in instance.get("bdms") or []
            if bdm.get("destination_type") == "volume" and bdm.get("volume_id")
            and bdm.get("attachment_id")}


async def _prep_at_source(move: Move, event: str) -> None:
    """Power the source off keeping its disks, its root disk into a snapshot image."""
    instance = await move.instance()
    image_id = move.migration.get("image_id")
    if instance["image_ref"] and not image_id:  # recorded before made: never leaked
        image_id = str(uuidlib.uuid4())
        await move.record({"image_id": image_id}, cells=[move.source])
    await move.record({"status": "migrating"})
    await move.update_instance({"task_state": "resize_migrating"})
    if image_id:
        await _make_snapshot(move, instance, image_id)
    await move.call_host(move.source, move.migration["source_compute"], M.RESIZE_AT_SOURCE, {
        "instance": instance, "image_id": image_id, "cross_cell": True,
        "dest_host": move.migration["dest_compute"]}, event=event)
    await move.update_instance({"task_state": "resize_migrated"})
    await move.record({"status": "post-migrating"}, step="resized_at_source")


async def _make_snapshot(move: Move, instance: dict[str, Any], image_id: str) -> None:
    image = move.svc.clients.image
    try:
        await image.create_image(
            id=image_id, name=f"{instance['display_name']}-resize-temp",
            disk_format="qcow2", container_format="bare", visibility="private",
            image_type="snapshot", instance_uuid=instance["uuid"],
            owner=instance["project_id"], base_image_ref=instance["image_ref"] or "")
    except ServiceError as exc:
        if exc.status != 409:  # 409: made by an earlier try of this step
            raise MoveFailed(f"The image service refused the snapshot: {exc.status}") from exc


async def _drop_snapshot(move: Move) -> None:
    image_id = move.migration.get("image_id")
    if image_id:
        await move.svc.clients.image.delete_image(str(image_id))


async def finish_swap(move: Move) -> None:
    """The target copy becomes the server: visible, mapped, its migration ``finished``;
    then the source copy is hidden. Idempotent (a restart may cut it anywhere)."""
    assert move.dest is not None
    async with move.gate.cell(move.dest) as conn:
        # Not over a confirm or revert the API started since (a resumed swap runs while
        # the API already serves).
        await records.set_migration(conn, move.uuid, {"status": "finished",
                                                      "step": "finished"},
                                    expected_status=records.MOVING)
        current = await records.find_migration(conn, move.uuid)
        if current is None or current["status"] != "finished":
            return  # confirmed or reverted since: nothing of the swap is left to do
        await _set_hidden(conn, move.instance_uuid, False)
    async with move.gate.api(move.svc) as api:
        await build_requests.set_mapping_cell(api, move.instance_uuid, move.dest.mapping.id)
    async with move.gate.cell(move.source) as conn:
        await _set_hidden(conn, move.instance_uuid, True)
    await move.record({"status": "finished"}, step="finished", cells=[move.source])


async def _set_hidden(conn: AsyncConnection, instance_uuid: str, hidden: bool) -> None:
    await objects.update_instance(conn, instance_uuid, {"hidden": hidden})


async def roll_back(move: Move, reason: str, *, fault_host: str | None = None) -> None:
    """Undo a move that did not reach ``finished``: whatever it did on the destination,
    the copy, the snapshot; the source guest back as it was; the allocations the
    instance's again; the migration ``error``, the fault recorded. Idempotent."""
    svc = move.svc
    source_host = str(move.migration["source_compute"])
    dest_host = move.migration.get("dest_compute")
    instance = await move.instance()
    keep = volume_attachments(instance)
    dest_cell = move.dest or move.source
    if dest_host and (_reached(move, "resized_at_source")
                      or (move.cross_cell and _reached(move, "target_created"))):
        await _quietly(move.call_host(dest_cell, str(dest_host), M.REVERT_AT_DEST,
                                      {"keep": keep}, event=None))
    if move.cross_cell and move.dest is not None:
        async with move.gate.api(svc) as api:
            await build_requests.set_mapping_cell(api, move.instance_uuid,
                                                  move.source.mapping.id)
        async with move.gate.cell(move.source) as conn:
            await _set_hidden(conn, move.instance_uuid, False)
        async with move.gate.cell(move.dest) as conn:
            await records.hard_delete_instance(conn, move.instance_uuid)
        move.dest = None  # its copy is gone: record in the source only
    await _drop_snapshot(move)
    await svc.clients.placement.move_allocations(move.uuid, move.instance_uuid)
    if _reached(move, "prepped_at_dest"):
        await _quietly(move.call_host(move.source, source_host, M.FINISH_REVERT_AT_SOURCE, {
            "instance": {**instance, "flavor": instance["old_flavor"] or instance["flavor"]},
            "power_on": _power_on(instance)}, event=None))
    sysmeta = {k: v for k, v in (instance.get("system_metadata") or {}).items()
               if k != "old_vm_state"}
    old_state = "stopped" if not _power_on(instance) else "active"
    await move.settle({
        "vm_state": old_state, "task_state": None, "flavor": instance["old_flavor"]
        or instance["flavor"], "old_flavor": None, "new_flavor": None,
        "system_metadata": sysmeta, "power_state": 1 if old_state == "active" else 4},
        {"status": "error"}, step="error", fault=reason, fault_host=fault_host)


async def _quietly(step: Any) -> None:
    """A rollback goes on when one of its host steps fails (logged)."""
    try:
        await step
    except MoveFailed as exc:
        log.warning("rollback step failed: %s", exc.reason)
