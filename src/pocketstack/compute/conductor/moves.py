"""What every step of a resize or cold migration needs: the migration and its two cells,
calls to the hosts, instance action events in whichever cells hold the instance, and the
recorded step (with the failure-injection hook that kills the process there).

The super-conductor drives every move, within a cell as across cells (§4.3, §4.5): each
step is recorded in the migration before the next starts, and each host step is
idempotent, so a move cut by a restart is resumed from its last recorded step
(:mod:`.move_resume`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
from typing import Any

from pocketstack.common.bus import BusError, RemoteError
from pocketstack.compute import rpc
from pocketstack.compute.cells.registry import CellHandle
from pocketstack.compute.conductor.gate import WriteGate
from pocketstack.compute.objects import host_reports, instance_actions
from pocketstack.compute.objects import instances as objects
from pocketstack.compute.objects import migrations as records
from pocketstack.compute.service import Compute

__all__ = ["HOST_CALL_TIMEOUT", "Move", "MoveFailed", "crash_hook"]

log = logging.getLogger("pocketstack.compute.conductor")

HOST_CALL_TIMEOUT = 120.0  # seconds a host has for one step (Nova: long_rpc_timeout)


class MoveFailed(Exception):
    """A step failed: the move is rolled back with this reason as the server's fault."""

    def __init__(self, reason: str, event: str | None = None, host: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.event = event
        self.host = host


def crash_hook(svc: Compute, point: str) -> None:
    """Failure injection: SIGKILL this process at ``point`` when the settings name it."""
    if point and svc.settings.compute.crash_at_migration_step == point:
        log.warning("failure injection: killed at migration step %s", point)
        os.kill(os.getpid(), signal.SIGKILL)


@dataclasses.dataclass
class Move:
    """One migration being driven, as last read from the cell the instance is mapped to."""

    svc: Compute
    gate: WriteGate
    migration: dict[str, Any]
    source: CellHandle
    dest: CellHandle | None

    @classmethod
    async def load(cls, svc: Compute, gate: WriteGate, migration_uuid: str,
                   cell_uuid: str) -> Move:
        cell = svc.cells.get(cell_uuid)
        async with cell.reading() as conn:
            migration = await records.get_migration(conn, migration_uuid)
        dest_uuid = migration.get("dest_cell")
        return cls(svc, gate, migration, svc.cells.get(migration["source_cell"]),
                   svc.cells.get(dest_uuid) if dest_uuid else None)

    @property
    def uuid(self) -> str:
        return str(self.migration["uuid"])

    @property
    def instance_uuid(self) -> str:
        return str(self.migration["instance_uuid"])

    @property
    def step(self) -> str:
        return str(self.migration["step"])

    @property
    def cross_cell(self) -> bool:
        return bool(self.migration["cross_cell_move"])

    @property
    def request_id(self) -> str:
        return str(self.migration["request_id"])

    def cells(self) -> list[CellHandle]:
        """The cells that may hold a copy of the instance and of this migration."""
        if self.dest is not None and self.dest.uuid != self.source.uuid:
            return [self.source, self.dest]
        return [self.source]

    # -- records ------------------------------------------------------------------------

    async def record(self, values: dict[str, Any], *, step: str | None = None,
                     cells: list[CellHandle] | None = None) -> None:
        """Write ``values`` (and ``step``) to the migration in ``cells`` (default: every
        copy), then run the failure-injection hook for the step."""
        changes = {**values, **({"step": step} if step else {})}
        for cell in cells or self.cells():
            async with self.gate.cell(cell) as conn:
                await records.set_migration(conn, self.uuid, changes)
        self.migration.update(changes)
        if step:
            crash_hook(self.svc, step)

    async def instance(self, cell: CellHandle | None = None) -> dict[str, Any]:
        """The instance (hidden or not) in ``cell`` (default the source), its mappings."""
        async with (cell or self.source).reading() as conn:
            found = await objects.get_instance(conn, self.instance_uuid)
            record = host_reports.wire(found)
            record["bdms"] = await host_reports.list_bdms(conn, self.instance_uuid)
        return record

    async def update_instance(self, values: dict[str, Any],
                              cell: CellHandle | None = None) -> None:
        async with self.gate.cell(cell or self.source) as conn:
            await objects.update_instance(conn, self.instance_uuid, values)

    async def settle(self, instance: dict[str, Any], migration: dict[str, Any], *, step: str,
                     cell: CellHandle | None = None, fault: str | None = None,
                     fault_host: str | None = None) -> None:
        """The instance's new state, its fault if any, and the migration's status and step,
        in one transaction of ``cell``: whoever sees the server's new status sees the
        migration's too (a confirm right after VERIFY_RESIZE finds it ``finished``)."""
        async with self.gate.cell(cell or self.source) as conn:
            await objects.update_instance(conn, self.instance_uuid, instance)
            if fault is not None:
                await objects.add_fault(conn, self.instance_uuid, code=500, message=fault,
                                        details=fault, host=fault_host)
            await records.set_migration(conn, self.uuid, {**migration, "step": step})
        self.migration.update({**migration, "step": step})
        crash_hook(self.svc, step)

    async def event(self, name: str, host: str | None, result: str | None = None,
                    details: str | None = None, *, request_id: str | None = None) -> None:
        """Start or finish an event of the move's action in every cell holding a copy."""
        for cell in self.cells():
            async with self.gate.cell(cell) as conn:
                await instance_actions.record_event(
                    conn, instance_uuid=self.instance_uuid,
                    request_id=request_id or self.request_id, event=name, host=host,
                    result=result, details=details)

    # -- hosts --------------------------------------------------------------------------

    async def call_host(self, cell: CellHandle, host: str, method: str,
                        payload: dict[str, Any], *, event: str | None) -> dict[str, Any]:
        """One host step inside its instance action event (if any); ``MoveFailed`` when
        the host refuses or does not answer (the event then ends in Error)."""
        if event:
            await self.event(event, host)
        crash_hook(self.svc, f"{self.step}:{method}")
        try:
            bus = await self.svc.cell_bus(cell)
            answer: dict[str, Any] = await bus.call(
                rpc.COMPUTE, method, {"instance_uuid": self.instance_uuid,
                                      "request_id": self.request_id, **payload},
                server=host, timeout=HOST_CALL_TIMEOUT)
        except BusError as exc:
            reason = exc.message if isinstance(exc, RemoteError) else str(exc)
            if event:
                await self.event(event, host, "Error", reason)
            raise MoveFailed(reason, event, host) from exc
        if event:
            await self.event(event, host, "Success")
        return answer or {}
