"""A cell's conductor: applies its hosts' reports to the cell database, and reschedules.

It holds that cell's handle, its bus and a placement client, never the API database: a
reschedule claims the next alternate the scheduler handed over (§1.6), and when none is
left the instance goes to ERROR with a fault.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from pocketstack.common.bus import Bus
from pocketstack.compute import rpc
from pocketstack.compute.cells.registry import CellHandle
from pocketstack.compute.conductor.gate import WriteGate
from pocketstack.compute.objects import host_reports, instance_actions
from pocketstack.compute.objects import instances as objects
from pocketstack.compute.objects.instances import InstanceNotFound, UnexpectedTaskState
from pocketstack.placement.client import PlacementClient

__all__ = ["BUILD_EVENT", "CellConductor", "retries_exceeded"]

log = logging.getLogger("pocketstack.compute.conductor")

BUILD_EVENT = "compute__do_build_and_run_instance"


def retries_exceeded(instance_uuid: str) -> str:
    return ("Exceeded maximum number of retries. Exhausted all hosts available for retrying "
            f"build failures for instance {instance_uuid}.")


@dataclasses.dataclass
class CellConductor:
    cell: CellHandle
    bus: Bus
    placement: PlacementClient
    gate: WriteGate

    async def handle(self, method: str, payload: dict[str, Any]) -> Any:
        handler = getattr(self, "_" + method, None)
        if handler is None:
            raise ValueError(f"unknown conductor method {method}")
        return await handler(payload)

    async def _instance_update(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        values = objects.from_record(payload["values"])
        options: dict[str, Any] = {}
        if "expected_task_state" in payload:
            options["expected_task_state"] = payload["expected_task_state"]
        try:
            async with self.gate.cell(self.cell) as conn:
                updated = await objects.update_instance(
                    conn, payload["instance_uuid"], values, **options)
                if "bdm_updates" in payload:
                    for bdm_uuid, changes in payload["bdm_updates"].items():
                        await host_reports.update_bdm(conn, bdm_uuid, changes)
                if "event" in payload:  # the step's action event, in the same transaction
                    await _record_event(conn, {"instance_uuid": payload["instance_uuid"],
                                               **payload["event"]})
        except (InstanceNotFound, UnexpectedTaskState):
            return None
        return host_reports.wire(updated)

    async def _action_event(self, payload: dict[str, Any]) -> None:
        async with self.gate.cell(self.cell) as conn:
            await _record_event(conn, payload)

    async def _instance_fault(self, payload: dict[str, Any]) -> None:
        async with self.gate.cell(self.cell) as conn:
            await objects.add_fault(conn, payload["instance_uuid"], code=payload["code"],
                                    message=payload["message"],
                                    details=payload.get("details"), host=payload.get("host"))

    async def _instance_destroy(self, payload: dict[str, Any]) -> None:
        async with self.gate.cell(self.cell) as conn:
            await objects.soft_delete_instance(conn, payload["instance_uuid"])
            await host_reports.destroy_bdms(conn, payload["instance_uuid"])

    async def _service_report(self, payload: dict[str, Any]) -> dict[str, Any]:
        async with self.gate.cell(self.cell) as conn:
            return await host_reports.report_service(conn, payload["host"], payload["binary"])

    async def _compute_node_report(self, payload: dict[str, Any]) -> None:
        async with self.gate.cell(self.cell) as conn:
            await host_reports.report_compute_node(conn, payload)

    async def _host_instances(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        async with self.cell.reading() as conn:
            found = await host_reports.host_instances(conn, payload["host"])
            for record in found:
                record["bdms"] = await host_reports.list_bdms(conn, record["uuid"])
        return found

    async def _build_failed(self, payload: dict[str, Any]) -> None:
        uuid = payload["instance_uuid"]
        await self.placement.delete_allocations(uuid)
        async with self.cell.reading() as conn:
            try:
                instance = await objects.get_instance(conn, uuid)
            except InstanceNotFound:
                return
        alternates: list[rpc.Selection] = list(payload.get("alternates") or [])
        while alternates:
            chosen = alternates.pop(0)
            if await self.placement.claim(uuid, chosen["allocation_request"],
                                          instance["project_id"], instance["user_id"]):
                await self._rebuild_on(instance, chosen, alternates, payload)
                return
        await self._bury(instance, payload)

    async def _rebuild_on(self, instance: dict[str, Any], chosen: rpc.Selection,
                          alternates: list[rpc.Selection], failed: dict[str, Any]) -> None:
        async with self.gate.cell(self.cell) as conn:
            await host_reports.reset_made_bdms(conn, instance["uuid"])
            updated = await objects.update_instance(conn, instance["uuid"], {
                "host": chosen["host"], "node": chosen["nodename"],
                "launched_on": chosen["host"], "task_state": "scheduling",
                "availability_zone": chosen["availability_zone"]})
            bdms = await host_reports.list_bdms(conn, instance["uuid"])
        record = {**host_reports.wire(updated), "bdms": bdms,
                  "requested_networks": failed.get("requested_networks") or []}
        await self.bus.cast(rpc.COMPUTE, rpc.HostMethod.BUILD_AND_RUN, {
            "instance_uuid": instance["uuid"], "request_id": failed["request_id"],
            "instance": record,
            "alternates": alternates}, server=chosen["host"])

    async def _bury(self, instance: dict[str, Any], payload: dict[str, Any]) -> None:
        uuid = instance["uuid"]
        reason = payload.get("reason") or ""
        message = retries_exceeded(uuid) if payload.get("retried", True) else reason
        async with self.gate.cell(self.cell) as conn:
            try:
                await objects.update_instance(conn, uuid, {"vm_state": "error",
                                                           "task_state": None})
            except (InstanceNotFound, UnexpectedTaskState):
                return
            await objects.add_fault(conn, uuid, code=500, message=message, details=reason,
                                    host=payload.get("host"))
            await instance_actions.record_event(
                conn, instance_uuid=uuid, request_id=payload["request_id"], event=BUILD_EVENT,
                host=payload.get("host"), result="Error", details=reason)


async def _record_event(conn: Any, payload: dict[str, Any]) -> None:
    await instance_actions.record_event(
        conn, instance_uuid=payload["instance_uuid"], request_id=payload["request_id"],
        event=payload["event"], host=payload.get("host"), result=payload.get("result"),
        details=payload.get("details"))
