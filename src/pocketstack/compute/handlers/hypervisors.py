"""/os-hypervisors (admins): the compute nodes of every cell, by uuid from 2.53, with usage
fields and statistics below 2.88; search by hostname pattern and paging."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.common.errors import ApiError
from pocketstack.compute.handlers.base import authorize, version, want
from pocketstack.compute.objects import hypervisors, services
from pocketstack.compute.service import Compute

__all__ = [
    "list_hypervisors",
    "list_hypervisors_detail",
    "show_hypervisor",
    "show_statistics",
    "view_hypervisor",
]

_RULE = "os_compute_api:os-hypervisors:"


def view_hypervisor(node: dict[str, Any], ver: tuple[int, int], *, up: bool,
                    detail: bool) -> dict[str, Any]:
    new_ids = ver >= (2, 53)
    body: dict[str, Any] = {
        "id": node["uuid"] if new_ids else node["id"],
        "hypervisor_hostname": node["hypervisor_hostname"],
        "state": "up" if up else "down",
        "status": "disabled" if node["disabled"] else "enabled"}
    if not detail:
        return body
    body.update(
        hypervisor_type=node["hypervisor_type"], hypervisor_version=node["hypervisor_version"],
        host_ip=node["host_ip"],
        service={"id": node["service_uuid"] if new_ids else node["service_row_id"],
                 "host": node["host"], "disabled_reason": node["disabled_reason"]})
    if ver >= (2, 88):
        body["uptime"] = None
        return body
    for field in hypervisors.STAT_FIELDS:
        body[field] = node[field]
    body.update(free_ram_mb=node["memory_mb"] - node["memory_mb_used"],
                free_disk_gb=node["local_gb"] - node["local_gb_used"], current_workload=0,
                disk_available_least=node["local_gb"] - node["local_gb_used"],
                cpu_info={} if ver >= (2, 28) else "")
    return body


async def _views(svc: Compute, request: Request, nodes: list[dict[str, Any]], *,
                 detail: bool) -> list[dict[str, Any]]:
    moment, down_time = services.now(), svc.settings.compute.service_down_time
    with_servers = want(request, (2, 53)) and (
        request.query_params.get("with_servers", "").lower() in ("true", "1", "yes"))
    views = []
    for node in nodes:
        state = {"forced_down": node["forced_down"], "last_seen_up": node["last_seen_up"],
                 "updated_at": node["service_updated_at"],
                 "created_at": node["service_created_at"]}
        view = view_hypervisor(node, version(request), up=services.is_up(
            state, moment, down_time), detail=detail)
        if with_servers:
            view["servers"] = await hypervisors.servers_on(
                svc.cells.get(node["cell_uuid"]), node["host"], node["hypervisor_hostname"])
        views.append(view)
    return views


def _page(request: Request, nodes: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    if not want(request, (2, 33)):
        return nodes, 0
    params = request.query_params
    marker, raw = params.get("marker"), params.get("limit")
    if raw is not None and not raw.isdigit():
        raise ApiError(400, f"Invalid input for query parameters limit. Value: {raw}.")
    if marker is not None:
        ids = [str(n["uuid"] if want(request, (2, 53)) else n["id"]) for n in nodes]
        if marker not in ids:
            raise ApiError(400, f"marker [{marker}] not found")
        nodes = nodes[ids.index(marker) + 1:]
    limit = int(raw) if raw is not None else 0
    return (nodes[:limit] if limit else nodes), limit


async def _listing(svc: Compute, request: Request, *, detail: bool) -> Response:
    authorize(svc, request, _RULE + ("list-detail" if detail else "list"))
    pattern = request.query_params.get("hypervisor_hostname_pattern")
    if pattern is not None and want(request, (2, 53)) and (
            "limit" in request.query_params or "marker" in request.query_params):
        raise ApiError(400, "Paging over hypervisors with the hypervisor_hostname_pattern "
                            "query parameter is not supported.")
    nodes = await hypervisors.gather_nodes(svc.cells.computes(),
                                           within=svc.settings.cells.timeout, pattern=pattern)
    if pattern is not None and not nodes:
        raise ApiError(404, f"No hypervisor matching '{pattern}' could be found.")
    nodes, limit = _page(request, nodes)
    body: dict[str, Any] = {"hypervisors": await _views(svc, request, nodes, detail=detail)}
    if limit and len(nodes) == limit:
        base, last = context_of(request).base_url, body["hypervisors"][-1]["id"]
        path = "os-hypervisors/detail" if detail else "os-hypervisors"
        body["hypervisors_links"] = [{"rel": "next",
                                      "href": f"{base}/v2.1/{path}?limit={limit}&marker={last}"}]
    return json_response(body)


async def list_hypervisors(svc: Compute, request: Request) -> Response:
    return await _listing(svc, request, detail=False)


async def list_hypervisors_detail(svc: Compute, request: Request) -> Response:
    return await _listing(svc, request, detail=True)


async def show_hypervisor(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "show")
    wanted = request.path_params["hypervisor_id"]
    if want(request, (2, 53)):
        try:
            uuid.UUID(wanted)
        except ValueError:
            raise ApiError(400, f"Invalid uuid {wanted}") from None
    nodes = await hypervisors.gather_nodes(svc.cells.computes(),
                                           within=svc.settings.cells.timeout)
    key = "uuid" if want(request, (2, 53)) else "id"
    found = [n for n in nodes if str(n[key]) == wanted]
    if not found:
        raise ApiError(404, f"Hypervisor with ID '{wanted}' could not be found.")
    return json_response({"hypervisor": (await _views(svc, request, found[:1], detail=True))[0]})


async def show_statistics(svc: Compute, request: Request) -> Response:
    if want(request, (2, 88)):
        raise ApiError(404, "The resource could not be found.")
    authorize(svc, request, _RULE + "statistics")
    nodes = await hypervisors.gather_nodes(svc.cells.computes(),
                                           within=svc.settings.cells.timeout)
    return json_response({"hypervisor_statistics": hypervisors.statistics(nodes)})
