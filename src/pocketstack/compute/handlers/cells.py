"""/os-cells (admins, a Pocketstack extension): each cell's health as this API process sees
it (up or down, since when, why) and, with ``[cells] fault_injection``, the fault switch of
its database and bus proxies (``pocketstack cell fault`` calls it)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.compute.cells import CellHandle, CellNotFound
from pocketstack.compute.cells.faults import NotProxied
from pocketstack.compute.cells.probe import probe_cell, probe_cell_bus
from pocketstack.compute.handlers.base import authorize
from pocketstack.compute.schemas import cells as schemas
from pocketstack.compute.service import Compute

__all__ = ["list_cells", "set_fault", "view_cell"]

_RULE = "pocketstack:os-cells:"


def view_cell(svc: Compute, cell: CellHandle) -> dict[str, Any]:
    health = cell.health
    faults = svc.cells.faults.modes(cell.uuid) if svc.cells.faults is not None else {}
    return {"uuid": cell.uuid, "name": cell.name, "disabled": cell.mapping.disabled,
            "state": "down" if health.is_down else "up",
            "since": health.since.strftime("%Y-%m-%dT%H:%M:%SZ"), "reason": health.reason,
            "faults": faults}


def _find(svc: Compute, ref: str) -> CellHandle:
    for cell in svc.cells.all():
        if ref in (cell.uuid, cell.name):
            return cell
    raise CellNotFound(f"Cell {ref} could not be found.")


async def list_cells(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "list")
    return json_response({"cells": [view_cell(svc, cell) for cell in svc.cells.all()]})


async def set_fault(svc: Compute, request: Request) -> Response:
    """Switch the cell's proxies; a healed part is probed at once (no wait for the recheck)."""
    authorize(svc, request, _RULE + "fault")
    try:
        cell = _find(svc, request.path_params["cell_id"])
    except CellNotFound as error:
        raise ApiError(404, str(error)) from None
    wanted = (await read_json(request, schemas.FAULT))["fault"]
    if svc.cells.faults is None:
        raise ApiError(409, "Fault injection is off: set [cells] fault_injection = true.")
    try:
        for part, mode in wanted.items():
            await svc.cells.faults.set_mode(cell.uuid, part, mode)
    except NotProxied as error:
        raise ApiError(409, str(error)) from None
    timeout = svc.settings.cells.timeout
    if wanted.get("db") == "heal" and cell.health.part_down("db"):
        await probe_cell(cell, timeout=timeout)
    if wanted.get("bus") == "heal" and cell.health.part_down("bus"):
        await probe_cell_bus(cell, await svc.cell_transport_url(cell), timeout=timeout)
    return json_response({"cell": view_cell(svc, cell)})
