"""/os-services (admins): the services of every cell with zone and up/down state; enable,
disable and force down a compute service (by uuid from 2.53, by action before), delete."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.compute.cells import CellHandle
from pocketstack.compute.handlers.base import authorize, want
from pocketstack.compute.objects import aggregates, cell_admin, services
from pocketstack.compute.schemas import services as schemas
from pocketstack.compute.service import Compute

__all__ = ["delete_service", "list_services", "update_service", "view_service"]

_RULE = "os_compute_api:os-services:"
_LEGACY = {"enable", "disable", "disable-log-reason", "force-down"}


def view_service(service: dict[str, Any], zones: dict[str, str], *, up: bool,
                 ver: tuple[int, int]) -> dict[str, Any]:
    compute = service["binary"] == "nova-compute"
    seen = service["updated_at"] or service["last_seen_up"] or service["created_at"]
    body: dict[str, Any] = {
        "id": service["uuid"] if ver >= (2, 53) else service["id"],
        "binary": service["binary"], "host": service["host"],
        "zone": zones.get(service["host"], aggregates.DEFAULT_ZONE) if compute else "internal",
        "status": "disabled" if service["disabled"] else "enabled",
        "state": "up" if up else "down",
        "updated_at": seen.isoformat() if seen is not None else None,
        "disabled_reason": service["disabled_reason"]}
    if ver >= (2, 11):
        body["forced_down"] = service["forced_down"]
    return body


async def _views(svc: Compute, request: Request,
                 found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    async with svc.reading() as conn:
        zones = await aggregates.host_zones(conn)
    moment = services.now()
    ver = (2, 53) if want(request, (2, 53)) else (2, 11) if want(request, (2, 11)) else (2, 1)
    down_time = svc.settings.compute.service_down_time
    return [view_service(s, zones, up=services.is_up(s, moment, down_time), ver=ver)
            for s in found]


async def list_services(svc: Compute, request: Request) -> Response:
    """Every cell's services; from 2.69 a down cell shows one UNKNOWN nova-compute per host
    mapped to it (below, it is left out)."""
    authorize(svc, request, _RULE + "list")
    found, down = await services.services_by_cell(svc.cells.all(),
                                                  within=svc.settings.cells.timeout)
    views = await _views(svc, request, found)
    if down and want(request, (2, 69)):
        async with svc.reading() as api:
            for cell in down:
                views += [{"binary": "nova-compute", "host": host, "status": "UNKNOWN"}
                          for _, host in await cell_admin.list_hosts(api, cell.uuid)]
    for name in ("host", "binary"):
        if name in request.query_params:
            views = [v for v in views if v[name] == request.query_params[name]]
    return json_response({"services": views})


def _changes(given: dict[str, Any]) -> dict[str, Any]:
    if "status" not in given and "forced_down" not in given:
        raise ApiError(400, "No updates were requested. Fields 'status' or 'forced_down' "
                            "should be specified.")
    if "disabled_reason" in given and given.get("status") != "disabled":
        raise ApiError(400, f"Specifying 'disabled_reason' with status "
                            f"'{given.get('status')}' is invalid.")
    changes: dict[str, Any] = {"updated_at": services.now()}
    if "status" in given:
        disabled = given["status"] == "disabled"
        changes.update(disabled=disabled,
                       disabled_reason=given.get("disabled_reason") if disabled else None)
    if "forced_down" in given:
        changes["forced_down"] = given["forced_down"]
    return changes


async def _legacy_update(svc: Compute, request: Request, action: str) -> Response:
    given = await read_json(request, schemas.LEGACY)
    found = [s for s in await services.gather_services(
        svc.cells.all(), within=svc.settings.cells.timeout)
        if s["host"] == given["host"] and s["binary"] == given["binary"]]
    if not found:
        raise ApiError(404, "Unknown service")
    changes: dict[str, Any] = (
        {"forced_down": bool(given.get("forced_down", False))} if action == "force-down"
        else {"disabled": action != "enable",
              "disabled_reason": given.get("disabled_reason") if action != "enable" else None})
    await services.update_service(svc.cells.get(found[0]["cell_uuid"]), found[0]["uuid"],
                                  changes)
    body: dict[str, Any] = {"host": given["host"], "binary": given["binary"]}
    if action == "force-down":
        body["forced_down"] = changes["forced_down"]
    else:
        body["status"] = "disabled" if changes["disabled"] else "enabled"
        if action == "disable-log-reason":
            body["disabled_reason"] = changes["disabled_reason"]
    return json_response({"service": body})


async def update_service(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "update")
    service_id = request.path_params["service_id"]
    if not want(request, (2, 53)):
        if service_id not in _LEGACY:
            raise ApiError(404, "Unknown action")
        return await _legacy_update(svc, request, service_id)
    _check_uuid(service_id)
    changes = _changes(await read_json(request, schemas.UPDATE_V253))
    cell, service = await _find(svc, service_id)
    if service["binary"] != "nova-compute":
        raise ApiError(400, f"Updating a {service['binary']} service is not supported. Only "
                            "nova-compute services can be updated.")
    updated = await services.update_service(cell, service["uuid"], changes)
    return json_response({"service": (await _views(svc, request, [updated]))[0]})


async def delete_service(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "delete")
    service_id = request.path_params["service_id"]
    if want(request, (2, 53)):
        _check_uuid(service_id)
    elif not service_id.isdigit():
        raise ApiError(400, f"Invalid ID {service_id}")
    cell, service = await _find(svc, service_id)
    async with svc.writing() as conn:
        try:
            await services.delete_service(conn, cell, service)
        except services.ServiceInUse as error:
            raise ApiError(409, str(error)) from None
    return empty_response(204)


def _check_uuid(value: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError:
        raise ApiError(400, f"Invalid uuid {value}") from None


async def _find(svc: Compute, service_id: str) -> tuple[CellHandle, dict[str, Any]]:
    try:
        return await services.find_service(svc.cells.all(), service_id,
                                           within=svc.settings.cells.timeout)
    except services.ServiceNotFound as error:
        raise ApiError(404, str(error)) from None
