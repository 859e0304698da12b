"""The super-conductor: schedules a request's instances and creates each in its cell.

Nova's ``schedule_and_build_instances`` (§1.7): ask the scheduler (which claims in
placement), create the instance in the chosen cell with its ``create`` action, point the
instance mapping at the cell, delete the build request, and cast the build to the host. A
scheduling failure buries the instances in cell0 in ERROR (§1.8). A build request that
vanished meanwhile means the user deleted the server: the instance is soft-deleted and its
allocation released.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pocketstack.common.bus import BusError, RemoteError
from pocketstack.compute import quota_check, rpc
from pocketstack.compute.cells.registry import CellHandle
from pocketstack.compute.conductor.gate import WriteGate
from pocketstack.compute.objects import build_requests, host_reports, instance_actions, quotas
from pocketstack.compute.objects import instances as objects
from pocketstack.compute.scheduler.manager import NO_VALID_HOST
from pocketstack.compute.service import Compute

__all__ = ["SCHEDULE_EVENT", "bury_in_cell0", "schedule_and_build"]

log = logging.getLogger("pocketstack.compute.conductor")

SCHEDULE_EVENT = "conductor_schedule_and_build_instances"
SCHEDULER_TIMEOUT = 60.0


async def schedule_and_build(svc: Compute, gate: WriteGate, payload: dict[str, Any]) -> None:
    request_id = payload.get("request_id") or "req-unknown"
    async with svc.reading() as api:
        builds = {uuid: await build_requests.get_build_request(api, uuid)
                  for uuid in payload["instance_uuids"]}
        networks = {uuid: ((await build_requests.get_request_spec(api, uuid)) or {}).get(
            "requested_networks") or [] for uuid in builds if builds[uuid] is not None}
    pending = [uuid for uuid, build in builds.items() if build is not None]
    if not pending:
        return
    try:
        chosen: list[list[rpc.Selection]] = await svc.api_bus.call(
            rpc.SCHEDULER, rpc.SELECT_DESTINATIONS, {"instance_uuids": pending},
            timeout=SCHEDULER_TIMEOUT)
    except BusError as exc:
        reason = exc.message if isinstance(exc, RemoteError) else str(exc)
        if not (isinstance(exc, RemoteError) and exc.exc_type == "NoValidHost"):
            log.warning("scheduling %s failed: %s", pending, exc)
        await asyncio.gather(*(bury_in_cell0(svc, gate, builds[uuid], request_id, reason)
                               for uuid in pending))
        return
    await asyncio.gather(*(_build_or_bury(svc, gate, {**(builds[uuid] or {}),
                                                "requested_networks": networks[uuid]},
                                          selections, request_id)
                           for uuid, selections in zip(pending, chosen, strict=True)))


def _record_of(build: dict[str, Any]) -> dict[str, Any]:
    return {**build["instance"], "tags": build.get("tags") or []}


async def _record_create(conn: Any, record: dict[str, Any], request_id: str,
                         result: str, *, new_instance: bool) -> None:
    action, created = await instance_actions.open_action(
        conn, instance_uuid=record["uuid"], action="create", request_id=request_id,
        user_id=record.get("user_id"), project_id=record.get("project_id"),
        new_instance=new_instance)
    await instance_actions.record_event(
        conn, instance_uuid=record["uuid"], request_id=request_id, event=SCHEDULE_EVENT,
        host=None, result=result, new_action=action if created else None)


async def _map_and_forget(svc: Compute, gate: WriteGate, uuid: str,
                          cell: CellHandle) -> bool:
    """Point the mapping at ``cell`` and delete the build request; False when it was gone."""
    async with gate.api(svc) as api:
        await build_requests.set_mapping_cell(api, uuid, cell.mapping.id)
        return await build_requests.delete_build_request(api, uuid)


async def _build_or_bury(svc: Compute, gate: WriteGate, build: dict[str, Any],
                         selections: list[rpc.Selection], request_id: str) -> None:
    """Build in the chosen cell; when that cannot even start (its database is down...),
    release the claim and bury the instance in cell0 with the reason."""
    try:
        await _build_in_cell(svc, gate, build, selections, request_id)
    except Exception as exc:
        log.exception("building %s in its cell failed", build["instance"]["uuid"])
        await svc.clients.placement.delete_allocations(build["instance"]["uuid"])
        await bury_in_cell0(svc, gate, build, request_id, f"{type(exc).__name__}: {exc}")


async def _build_in_cell(svc: Compute, gate: WriteGate, build: dict[str, Any],
                         selections: list[rpc.Selection], request_id: str) -> None:
    chosen, alternates = selections[0], selections[1:]
    cell = svc.cells.get(chosen["cell_uuid"])
    record = {**_record_of(build), "host": chosen["host"], "node": chosen["nodename"],
              "launched_on": chosen["host"], "vm_state": "building",
              "task_state": "scheduling"}
    record["availability_zone"] = (record.get("availability_zone")
                                   or chosen["availability_zone"])
    uuid = record["uuid"]
    async with gate.cell(cell) as conn:
        instance, new = await objects.insert_instance(conn, record)
        await host_reports.create_bdms(conn, uuid, build["block_device_mappings"] or [],
                                       new_instance=new)
        await _record_create(conn, record, request_id, "Success", new_instance=new)
    if not await _map_and_forget(svc, gate, uuid, cell):
        async with gate.cell(cell) as conn:
            await objects.soft_delete_instance(conn, uuid)
        await svc.clients.placement.delete_allocations(uuid)
        return
    try:
        await quota_check.recheck(svc, record["project_id"], record["user_id"])
    except quotas.OverQuota as exc:  # a race past the limit since the API's check
        await _fail_in_cell(svc, gate, cell, uuid, str(exc))
        return
    message = {**host_reports.wire(instance), "bdms": build["block_device_mappings"] or [],
               "requested_networks": build.get("requested_networks") or []}
    try:
        async with asyncio.timeout(svc.settings.cells.timeout):
            bus = await svc.cell_bus(cell)
            await bus.cast(rpc.COMPUTE, rpc.HostMethod.BUILD_AND_RUN, {
                "instance_uuid": uuid, "request_id": request_id, "instance": message,
                "alternates": alternates}, server=chosen["host"])
    except (TimeoutError, OSError, BusError) as exc:
        why = str(exc) or f"no answer within {svc.settings.cells.timeout:g} s"
        reason = f"the bus of cell {cell.name} did not take the build: {why}"
        if cell.health.mark_down("bus", reason):
            log.warning("cell %s (%s): %s", cell.name, cell.uuid, reason)
        await _fail_in_cell(svc, gate, cell, uuid, reason)


async def _fail_in_cell(svc: Compute, gate: WriteGate, cell: CellHandle, uuid: str,
                        reason: str) -> None:
    """The instance, already in its cell, could not be handed to its host: ERROR with the
    reason as its fault, its claim released."""
    async with gate.cell(cell) as conn:
        await objects.update_instance(conn, uuid, {"vm_state": "error", "task_state": None})
        await objects.add_fault(conn, uuid, code=500, message=reason[:255], details=reason)
    await svc.clients.placement.delete_allocations(uuid)


async def bury_in_cell0(svc: Compute, gate: WriteGate, build: dict[str, Any] | None,
                        request_id: str, reason: str = NO_VALID_HOST) -> None:
    """The instance in cell0, in ERROR with its fault and failed ``create`` action."""
    if build is None:
        return
    cell0 = svc.cells.cell0()
    record = {**_record_of(build), "vm_state": "error", "task_state": None,
              "host": None, "node": None}
    uuid = record["uuid"]
    async with gate.cell(cell0) as conn:
        _, new = await objects.insert_instance(conn, record)
        await objects.add_fault(conn, uuid, code=500, message=NO_VALID_HOST
                                if "No valid host" in reason else reason[:255],
                                details=reason)
        await _record_create(conn, record, request_id, "Error", new_instance=new)
    if not await _map_and_forget(svc, gate, uuid, cell0):
        async with gate.cell(cell0) as conn:
            await objects.soft_delete_instance(conn, uuid)
