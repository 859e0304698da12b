"""Confirming and reverting a resize or cold migration (§4.3 steps 6-7, §4.6, §4.7).

The API has set the migration ``confirming`` (or ``reverting``, with the server's
``resize_reverting`` task state) and made the instance action; the migration's
``request_id`` is that action's. Confirm: the source guest and disks go, the migration's
allocations are dropped, a cross-cell move's source copy is deleted. Revert: a cross-cell
move swaps back first (the source copy is the server again), the destination guest goes,
then the source guest starts again with the old flavor and takes its allocations back.
Each step is recorded; both are resumed after a restart.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute import rpc
from pocketstack.compute.cells.registry import CellHandle
from pocketstack.compute.conductor.gate import WriteGate
from pocketstack.compute.conductor.migrate import volume_attachments, with_devices
from pocketstack.compute.conductor.moves import Move, MoveFailed
from pocketstack.compute.objects import build_requests, instance_actions, scheduling
from pocketstack.compute.objects import instances as objects
from pocketstack.compute.objects import migrations as records
from pocketstack.compute.service import Compute

__all__ = ["confirm_resize", "revert_resize"]

log = logging.getLogger("pocketstack.compute.conductor")

M = rpc.MigrateMethod


def _settled(instance: dict[str, Any], flavor: Any) -> dict[str, Any]:
    """The columns of a server no longer in a resize: one flavor, no task."""
    sysmeta = {k: v for k, v in (instance.get("system_metadata") or {}).items()
               if k != "old_vm_state"}
    return {"flavor": flavor, "old_flavor": None, "new_flavor": None, "task_state": None,
            "system_metadata": sysmeta}


async def _failed(move: Move, cell: CellHandle, exc: MoveFailed) -> None:
    """Nova: a confirm or revert that fails leaves the server in ERROR with the fault."""
    log.warning("migration %s: %s", move.uuid, exc.reason)
    async with move.gate.cell(cell) as conn:
        await objects.update_instance(conn, move.instance_uuid,
                                      {"vm_state": "error", "task_state": None})
        await objects.add_fault(conn, move.instance_uuid, code=500, message=exc.reason,
                                details=exc.reason, host=exc.host)
        await records.set_migration(conn, move.uuid, {"status": "error", "step": "error"})


async def confirm_resize(svc: Compute, gate: WriteGate, migration_uuid: str,
                         cell_uuid: str) -> None:
    async with gate.move_lock(migration_uuid):
        move = await Move.load(svc, gate, migration_uuid, cell_uuid)
        current = svc.cells.get(cell_uuid)
        if move.migration["status"] != "confirming":
            return
        try:
            await _confirm(move, current)
        except MoveFailed as exc:
            await _failed(move, current, exc)


async def _confirm(move: Move, current: CellHandle) -> None:
    cross = move.cross_cell and current.uuid != move.source.uuid
    conductor_event = "conductor_confirm_snapshot_based_resize"
    if cross:
        await move.event(conductor_event, None)
    instance = await move.instance(current)
    await move.call_host(move.source, str(move.migration["source_compute"]),
                         M.CONFIRM_AT_SOURCE,
                         {"keep": volume_attachments(instance) if cross else {}},
                         event="compute_confirm_snapshot_based_resize_at_source" if cross
                         else "compute_confirm_resize")
    await move.svc.clients.placement.delete_allocations(move.uuid)
    if cross:
        async with move.gate.cell(move.source) as conn:
            await records.hard_delete_instance(conn, move.instance_uuid)
    state = "stopped" if int(instance.get("power_state") or 0) == 4 else "active"
    if cross:  # finished before the server shows ACTIVE
        async with move.gate.cell(current) as conn:
            await _finish_event(conn, move, conductor_event)
    await move.settle({**_settled(instance, instance["flavor"]), "vm_state": state},
                      {"status": "confirmed"}, step="confirmed", cell=current)


async def _finish_event(conn: AsyncConnection, move: Move, event: str) -> None:
    await instance_actions.record_event(conn, instance_uuid=move.instance_uuid,
                                        request_id=move.request_id, event=event, host=None,
                                        result="Success")


async def revert_resize(svc: Compute, gate: WriteGate, migration_uuid: str,
                        cell_uuid: str) -> None:
    async with gate.move_lock(migration_uuid):
        move = await Move.load(svc, gate, migration_uuid, cell_uuid)
        if move.migration["status"] != "reverting":
            return
        try:
            await _revert(move)
        except MoveFailed as exc:
            await _failed(move, svc.cells.get(cell_uuid), exc)


async def _revert(move: Move) -> None:
    cross = move.cross_cell and move.dest is not None and move.dest.uuid != move.source.uuid
    dest_host = str(move.migration["dest_compute"])
    conductor_event = "conductor_revert_snapshot_based_resize"
    if cross and move.step == "reverting":
        await move.event(conductor_event, None)
        await _swap_back(move)
    if move.step in ("reverting", "swapped_back"):
        source = await move.instance()
        await move.call_host(move.dest or move.source, dest_host, M.REVERT_AT_DEST,
                             {"keep": volume_attachments(source) if cross else {}},
                             event="compute_revert_snapshot_based_resize_at_dest" if cross
                             else "compute_revert_resize")
        if cross and move.dest is not None:
            async with move.gate.cell(move.dest) as conn:
                await records.hard_delete_instance(conn, move.instance_uuid)
        await move.record({}, step="reverted_at_dest", cells=[move.source])
    if move.step == "reverted_at_dest":
        await _finish_revert(move, conductor_event if cross else None)


async def _swap_back(move: Move) -> None:
    """The source copy is the server again (its migration and action brought up to date),
    the target copy hidden."""
    assert move.dest is not None
    async with move.dest.reading() as target, move.gate.cell(move.source) as source:
        await records.copy_action(target, source, move.instance_uuid, move.request_id)
        await records.set_migration(source, move.uuid, {
            "status": "reverting", "request_id": move.request_id})
        await objects.update_instance(source, move.instance_uuid, {  # REVERT_RESIZE
            "hidden": False, "vm_state": "resized", "task_state": "resize_reverting"})
    async with move.gate.api(move.svc) as api:
        await build_requests.set_mapping_cell(api, move.instance_uuid,
                                              move.source.mapping.id)
    async with move.gate.cell(move.dest) as conn:
        await objects.update_instance(conn, move.instance_uuid, {"hidden": True})
    await move.record({}, step="swapped_back")


async def _finish_revert(move: Move, conductor_event: str | None) -> None:
    instance = await move.instance()
    old_flavor = instance["old_flavor"] or instance["flavor"]
    source_host = str(move.migration["source_compute"])
    power_on = (instance.get("system_metadata") or {}).get("old_vm_state") != "stopped"
    # The allocations first: the source reads which of its devices it gets back.
    await move.svc.clients.placement.move_allocations(move.uuid, move.instance_uuid)
    answer = await move.call_host(
        move.source, source_host, M.FINISH_REVERT_AT_SOURCE,
        {"instance": {**instance, "flavor": old_flavor}, "power_on": power_on},
        event="compute_finish_revert_snapshot_based_resize_at_source" if conductor_event
        else "compute_finish_revert_resize")
    async with move.svc.reading() as api:
        zones = await scheduling.host_azs(api)
    if conductor_event:  # finished before the server shows ACTIVE
        async with move.gate.cell(move.source) as conn:
            await _finish_event(conn, move, conductor_event)
    await move.settle({
        **_settled(instance, old_flavor), "host": source_host,
        "system_metadata": with_devices(_settled(instance, old_flavor), answer),
        "node": move.migration["source_node"], "launched_on": source_host,
        "vm_state": "active" if power_on else "stopped",
        "power_state": int(answer.get("power_state") or 0),
        "availability_zone": instance.get("pinned_availability_zone")
        or zones.get(source_host, scheduling.DEFAULT_AZ)},
        {"status": "reverted"}, step="reverted")
