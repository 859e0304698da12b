"""After a restart: drive what was left half-way to a settled state.

Every build request still in the API database is scheduled again (an instance already
mapped to a cell only finishes its remaining steps; a stale allocation is released first),
and every instance of a cell left ``building`` or in the middle of an action is re-cast to
its host (builds, deletes) or put back (other actions: their task state cleared; a build
without a host: ERROR with a fault).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import sqlalchemy as sa

from pocketstack.compute import rpc
from pocketstack.compute.cells.registry import CellHandle
from pocketstack.compute.conductor.gate import WriteGate
from pocketstack.compute.conductor.super import schedule_and_build
from pocketstack.compute.db.cell_models import instances
from pocketstack.compute.objects import build_requests, host_reports
from pocketstack.compute.objects import instances as objects
from pocketstack.compute.service import Compute

__all__ = ["LeftBehind", "left_behind", "resume"]

log = logging.getLogger("pocketstack.compute.conductor")

RESYNC_REQUEST = "req-resync"


@dataclasses.dataclass(frozen=True)
class LeftBehind:
    """What a previous run left half-way, read before this one serves anything."""

    pending: list[str]
    unsettled: dict[str, list[dict[str, Any]]]  # cell uuid -> instance records


async def left_behind(svc: Compute) -> LeftBehind:
    async with svc.reading() as api:
        pending = await build_requests.pending_build_uuids(api)
    return LeftBehind(pending, {cell.uuid: await _unsettled(cell)
                                for cell in svc.cells.computes()})


async def resume(svc: Compute, gate: WriteGate, left: LeftBehind) -> None:
    """Finish or settle what ``left_behind`` found (once the hosts are up)."""
    async with svc.reading() as api:
        mappings = await build_requests.get_mappings(api, left.pending)
    for uuid in left.pending:
        mapping = mappings.get(uuid)
        if mapping is not None and mapping.cell_id is not None:
            async with gate.api(svc) as api:
                await build_requests.delete_build_request(api, uuid)
            continue  # created in its cell already: the cell pass below finishes it
        await svc.clients.placement.delete_allocations(uuid)
        await schedule_and_build(svc, gate, {"instance_uuids": [uuid],
                                             "request_id": RESYNC_REQUEST})
    for cell in svc.cells.computes():
        await _settle_cell(svc, gate, cell, left.unsettled.get(cell.uuid, []))


async def _unsettled(cell: CellHandle) -> list[dict[str, Any]]:
    async with cell.reading() as conn:
        rows = await conn.execute(sa.select(instances).where(
            instances.c.deleted == 0, sa.or_(instances.c.vm_state == "building",
                                             instances.c.task_state.is_not(None))))
        found = [host_reports.wire(row) for row in rows.mappings()]
        for record in found:
            record["bdms"] = await host_reports.list_bdms(conn, record["uuid"])
    return found


async def _settle_cell(svc: Compute, gate: WriteGate, cell: CellHandle,
                       records: list[dict[str, Any]]) -> None:
    bus = await svc.cell_bus(cell)
    for record in records:
        uuid, host = record["uuid"], record.get("host")
        base = {"instance_uuid": uuid, "request_id": RESYNC_REQUEST}
        if str(record["task_state"] or "").startswith("resize_"):
            continue  # a migration's: its own resume settles it (conductor.move_resume)
        if record["task_state"] == "deleting" and host:
            await bus.cast(rpc.COMPUTE, rpc.HostMethod.TERMINATE,
                           {**base, "bdms": record["bdms"]}, server=host)
        elif record["vm_state"] == "building" and host:
            async with gate.cell(cell) as conn:
                await objects.update_instance(conn, uuid, {"task_state": "scheduling"})
            await bus.cast(rpc.COMPUTE, rpc.HostMethod.BUILD_AND_RUN,
                           {**base, "instance": record, "alternates": []}, server=host)
        elif record["vm_state"] == "building":
            async with gate.cell(cell) as conn:
                await objects.update_instance(conn, uuid, {"vm_state": "error",
                                                           "task_state": None})
                await objects.add_fault(conn, uuid, code=500,
                                        message="Build interrupted before a host was chosen")
        else:
            async with gate.cell(cell) as conn:
                await objects.update_instance(conn, uuid, {"task_state": None})
