"""Moves after a restart, and resizes nobody confirmed.

``resume_moves`` reads every cell's unsettled migrations; for each, the copy in the cell
the server is mapped to is authoritative (§4.10: the mapping decides). A move cut before
its swap is rolled back (the server ACTIVE on its source again); one whose target copy
was already mapped finishes its swap; a confirm or revert under way is finished.
``confirm_overdue`` confirms resizes waiting longer than ``resize_confirm_window``.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from typing import Any

from pocketstack.compute.cells.registry import CellHandle
from pocketstack.compute.cells.scatter import scatter_gather
from pocketstack.compute.conductor.gate import WriteGate
from pocketstack.compute.conductor.migrate import FORWARD_STEPS, finish_swap, roll_back
from pocketstack.compute.conductor.moves import Move, MoveFailed
from pocketstack.compute.conductor.resize_end import confirm_resize, revert_resize
from pocketstack.compute.objects import build_requests, move_requests
from pocketstack.compute.objects import migrations as records
from pocketstack.compute.objects.instances import UnexpectedTaskState, now
from pocketstack.compute.service import Compute

__all__ = ["INTERRUPTED", "confirm_overdue", "confirm_overdue_forever", "resume_moves"]

log = logging.getLogger("pocketstack.compute.conductor")

INTERRUPTED = "The migration was interrupted by a restart and has been reverted."
AUTO_CONFIRM_USER = "resize-confirm-window"


async def _unsettled(svc: Compute) -> list[tuple[CellHandle, dict[str, Any]]]:
    """(cell, migration) of the authoritative copy of every unsettled migration."""
    async def read(cell: CellHandle) -> list[dict[str, Any]]:
        async with cell.reading() as conn:
            return await records.unsettled(conn)

    results = await scatter_gather(svc.cells.computes(), read,
                                   timeout=svc.settings.cells.timeout)
    copies: dict[str, list[tuple[CellHandle, dict[str, Any]]]] = {}
    for cell in svc.cells.computes():
        result = results.get(cell.uuid)
        if result is None or not result.ok:
            continue
        for row in result.unwrap():
            copies.setdefault(str(row["uuid"]), []).append((cell, row))
    if not copies:
        return []
    uuids = {str(row["instance_uuid"]) for found in copies.values() for _, row in found}
    async with svc.reading() as api:
        mappings = await build_requests.get_mappings(api, list(uuids))
    chosen = []
    for found in copies.values():
        mapping = mappings.get(str(found[0][1]["instance_uuid"]))
        mapped = [c for c in found if mapping is not None and c[0].mapping.id == mapping.cell_id]
        chosen.append(mapped[0] if mapped else found[0])
    return chosen


async def resume_moves(svc: Compute, gate: WriteGate) -> None:
    for cell, row in await _unsettled(svc):
        try:
            await _resume(svc, gate, cell, row)
        except Exception:  # one move must not keep the others from settling
            log.exception("resuming migration %s failed", row["uuid"])


async def _resume(svc: Compute, gate: WriteGate, cell: CellHandle,
                  row: dict[str, Any]) -> None:
    uuid, status = str(row["uuid"]), row["status"]
    if status == "confirming":
        await confirm_resize(svc, gate, uuid, cell.uuid)
    elif status == "reverting":
        await revert_resize(svc, gate, uuid, cell.uuid)
    else:
        async with gate.move_lock(uuid):
            move = await Move.load(svc, gate, uuid, cell.uuid)  # as it is now
            await _settle(move, cell)


async def _settle(move: Move, cell: CellHandle) -> None:
    status, step = move.migration["status"], move.step
    if status == "finished":
        if move.cross_cell and move.dest is not None and cell.uuid != move.source.uuid:
            await finish_swap(move)  # the source copy may still be visible: hide it
    elif status != "error" and step in FORWARD_STEPS:
        if move.dest is not None and (step == "finished_at_dest"
                                      or cell.uuid != move.source.uuid):
            await finish_swap(move)  # spawned on the target already: the swap was cut
            return
        log.warning("migration %s of %s was cut by a restart at %s: reverting", move.uuid,
                    move.instance_uuid, step)
        await roll_back(move, INTERRUPTED)


async def confirm_overdue(svc: Compute, gate: WriteGate) -> int:
    """Confirm the resizes that waited longer than the window; how many."""
    window = svc.settings.compute.resize_confirm_window
    if window <= 0:
        return 0
    limit = now() - datetime.timedelta(seconds=window)
    done = 0
    for cell, row in await _unsettled(svc):
        if row["status"] != "finished" or row["updated_at"] is None or (
                row["updated_at"] > limit):
            continue
        request_id = f"req-auto-confirm-{row['uuid']}"
        try:
            async with gate.cell(cell) as conn:
                await move_requests.begin_confirm(
                    conn, str(row["instance_uuid"]), str(row["uuid"]),
                    request_id=request_id, user_id=AUTO_CONFIRM_USER,
                    project_id=str(row["project_id"] or ""))
        except (UnexpectedTaskState, move_requests.MoveConflict):
            continue  # a user acted on it meanwhile
        try:
            await confirm_resize(svc, gate, str(row["uuid"]), cell.uuid)
        except MoveFailed:
            continue
        done += 1
    return done


async def confirm_overdue_forever(svc: Compute, gate: WriteGate) -> None:
    window = svc.settings.compute.resize_confirm_window
    interval = max(0.5, min(window / 4, 30.0))
    while True:
        await asyncio.sleep(interval)
        try:
            confirmed = await confirm_overdue(svc, gate)
        except Exception:
            log.exception("confirming overdue resizes failed")
            continue
        if confirmed:
            log.info("confirmed %d resize(s) past resize_confirm_window", confirmed)
