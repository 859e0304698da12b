"""/servers/{id}/os-instance-actions[/{request_id}]: what was asked of a server and how
its steps went (§4.8), by microversion."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.common.errors import ApiError
from pocketstack.compute.handlers.base import want
from pocketstack.compute.handlers.servers import find_server
from pocketstack.compute.objects import instance_actions
from pocketstack.compute.service import Compute

__all__ = ["list_actions", "show_action"]

_RULE = "os_compute_api:os-instance-actions:"


def _time(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _action(row: dict[str, Any], request: Request) -> dict[str, Any]:
    shown = {"action": row["action"], "instance_uuid": row["instance_uuid"],
             "message": row["message"], "project_id": row["project_id"],
             "request_id": row["request_id"], "start_time": _time(row["start_time"]),
             "user_id": row["user_id"]}
    if want(request, (2, 58)):
        shown["updated_at"] = _time(row["updated_at"] or row["created_at"])
    return shown


def _event(row: dict[str, Any], request: Request, project_id: str,
           admin: bool) -> dict[str, Any]:
    shown = {"event": row["event"], "start_time": _time(row["start_time"]),
             "finish_time": _time(row["finish_time"]), "result": row["result"]}
    if admin or not want(request, (2, 51)):
        shown["traceback"] = row["traceback"]
    if want(request, (2, 62)):
        host = row["host"] or ""
        if admin:
            shown["host"] = host
        shown["hostId"] = hashlib.sha224((project_id + host).encode()).hexdigest() if (
            host) else ""
    if want(request, (2, 84)):
        shown["details"] = row["details"]
    return shown


async def _cell_of(svc: Compute, request: Request, rule: str) -> Any:
    server_id = request.path_params["server_id"]
    _, found = await find_server(svc, request, server_id, _RULE + rule)
    return found


def _page(request: Request, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """≥ 2.58: ``marker`` (a request id) and ``limit``; whether the page is full."""
    params = request.query_params
    if not want(request, (2, 58)):
        return rows, False
    marker = params.get("marker")
    if marker is not None:
        ids = [r["request_id"] for r in rows]
        if marker not in ids:
            raise ApiError(400, f"Marker {marker} could not be found.")
        rows = rows[ids.index(marker) + 1:]
    if "limit" not in params:
        return rows, False
    try:
        limit = int(params["limit"])
    except ValueError:
        raise ApiError(400, "limit param must be an integer") from None
    return rows[:limit], len(rows) >= limit > 0


async def list_actions(svc: Compute, request: Request) -> Response:
    found = await _cell_of(svc, request, "list")
    rows: list[dict[str, Any]] = []
    if found.cell is not None:
        async with found.cell.reading() as conn:
            rows = await instance_actions.list_actions(conn, found.instance["uuid"])
    rows, full = _page(request, rows)
    body: dict[str, Any] = {"instanceActions": [_action(r, request) for r in rows]}
    if full:
        query = urlencode({**request.query_params, "marker": rows[-1]["request_id"]})
        body["links"] = [{"rel": "next", "href": f"{str(request.url).split('?')[0]}?{query}"}]
    return json_response(body)


async def show_action(svc: Compute, request: Request) -> Response:
    found = await _cell_of(svc, request, "show")
    request_id = request.path_params["request_id"]
    got = None
    if found.cell is not None:
        async with found.cell.reading() as conn:
            got = await instance_actions.get_action(conn, found.instance["uuid"], request_id)
    if got is None:
        raise ApiError(404, f"Action {request_id} on instance {found.instance['uuid']} "
                            "could not be found.")
    row, events = got
    shown = _action(row, request)
    auth = context_of(request).authenticated
    if svc.enforcer.check(_RULE + "events", {"project_id": row["project_id"]},
                          auth.credentials()) or want(request, (2, 51)):
        admin = svc.enforcer.check(_RULE + "events", {"project_id": row["project_id"]},
                                   auth.credentials())
        shown["events"] = [_event(e, request, found.instance["project_id"], admin)
                           for e in events]
    return json_response({"instanceAction": shown})
