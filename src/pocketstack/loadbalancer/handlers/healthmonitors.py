"""/lbaas/healthmonitors: list, create, show, update, delete (one per pool)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.loadbalancer.handlers import views
from pocketstack.loadbalancer.handlers.base import (
    authorize,
    body_of,
    visible_project,
)
from pocketstack.loadbalancer.handlers.children import (
    create_child,
    delete_child,
    find,
    list_kind,
    update_child,
)
from pocketstack.loadbalancer.objects import graph, locks
from pocketstack.loadbalancer.objects.errors import Conflict, Invalid
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.schemas import healthmonitors as schemas
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["create_health_monitor", "delete_health_monitor", "get_health_monitor",
           "list_health_monitors", "new_health_monitor", "update_health_monitor"]

_FILTERS = ("id", "name", "provisioning_status", "operating_status", "admin_state_up",
            "type", "delay", "timeout", "max_retries", "max_retries_down", "http_method",
            "url_path", "expected_codes", "pool_id", "project_id", "created_at", "updated_at")
_HTTP = ("HTTP", "HTTPS")
_UDP_POOL_TYPES = {"UDP-CONNECT", "SCTP", "TCP", "HTTP"}


def _checked(fields: Record, pool_protocol: str) -> Record:
    kind = fields["type"]
    if kind not in _HTTP:
        for name in ("http_method", "url_path", "expected_codes"):
            if fields.get(name) is not None:
                raise Invalid.validation(f"{name} is not a valid option for health monitors of "
                                         f"type {kind}")
    else:
        fields.setdefault("http_method", "GET")
        fields.setdefault("url_path", "/")
        fields.setdefault("expected_codes", "200")
        for name, default in (("http_method", "GET"), ("url_path", "/"),
                              ("expected_codes", "200")):
            if fields.get(name) is None:
                fields[name] = default
    if fields.get("domain_name") and fields.get("http_version") != 1.1:
        raise Invalid.validation("http_version 1.1 is required when domain_name is given.")
    udp = pool_protocol in ("UDP", "SCTP")
    if udp and kind not in _UDP_POOL_TYPES:
        raise Invalid.validation(f"The associated pool protocol is {pool_protocol}, so only "
                                 "UDP-CONNECT, SCTP, TCP and HTTP health monitors are allowed.")
    if not udp and kind in ("UDP-CONNECT", "SCTP"):
        raise Invalid.validation(f"Health monitor type {kind} is only for UDP and SCTP pools.")
    if fields.get("max_retries_down") is None:
        fields["max_retries_down"] = 3
    return fields


def new_health_monitor(spec: dict[str, Any], pool: Record) -> Record:
    """The record of a new health monitor of ``pool`` (defaults filled, rules checked)."""
    fields = {k: v for k, v in spec.items() if k not in ("project_id", "tenant_id", "pool_id")}
    record: Record = {"http_version": None, "domain_name": None, "admin_state_up": True,
                      **_checked(fields, pool["protocol"]), "pool_id": pool["id"],
                      "load_balancer_id": pool["load_balancer_id"],
                      "project_id": pool["project_id"], "operating_status": "OFFLINE"}
    record["admin_state_up"] = record["admin_state_up"] is not False
    return record


async def list_health_monitors(svc: LoadBalancerService, request: Request) -> Response:
    return await list_kind(svc, request, "healthmonitor", "healthmonitors", _FILTERS)


async def get_health_monitor(svc: LoadBalancerService, request: Request) -> Response:
    hm = await find(svc, request, "healthmonitor", "hm_id", "get_one")
    return json_response({"healthmonitor": views.render("healthmonitor", hm,
                                                         pools=[{"id": hm["pool_id"]}])})


async def create_health_monitor(svc: LoadBalancerService, request: Request) -> Response:
    spec = await body_of(request, "healthmonitor", schemas.CREATE)
    async with svc.reading() as conn:
        pool = await graph.get(conn, "pool", spec["pool_id"],
                               project_id=visible_project(svc, request))
        using = await locks.listeners_using_pool(conn, pool["load_balancer_id"], pool["id"])
    authorize(svc, request, "healthmonitor", "post", pool["project_id"])
    record = new_health_monitor(spec, pool)

    async def check(conn: AsyncConnection) -> None:
        if await graph.select(conn, "healthmonitor", pool_id=pool["id"]):
            raise Conflict(f"Pool {pool['id']} already has a health monitor.")
        await graph.set_status(conn, "pool", [pool["id"]], provisioning="PENDING_UPDATE")

    made = await create_child(svc, "healthmonitor", record, listener_ids=using, check=check)
    return json_response({"healthmonitor": views.render("healthmonitor", made,
                                                         pools=[{"id": pool["id"]}])}, 201)


async def update_health_monitor(svc: LoadBalancerService, request: Request) -> Response:
    hm = await find(svc, request, "healthmonitor", "hm_id", "put")
    spec = await body_of(request, "healthmonitor", schemas.UPDATE)
    async with svc.reading() as conn:
        pool = await graph.get(conn, "pool", hm["pool_id"])
        using = await locks.listeners_using_pool(conn, pool["load_balancer_id"], pool["id"])
    changes: dict[str, Any] = dict(spec)
    if "admin_state_up" in changes and changes["admin_state_up"] is None:
        changes["admin_state_up"] = False
    merged = _checked({**hm, **changes}, pool["protocol"])
    changes = {k: merged[k] for k in (*changes, "http_method", "url_path", "expected_codes",
                                      "max_retries_down") if k in merged}
    updated = await update_child(svc, "healthmonitor", hm, changes, listener_ids=using)
    return json_response({"healthmonitor": views.render("healthmonitor", updated,
                                                         pools=[{"id": pool["id"]}])})


async def delete_health_monitor(svc: LoadBalancerService, request: Request) -> Response:
    hm = await find(svc, request, "healthmonitor", "hm_id", "delete")
    async with svc.reading() as conn:
        using = await locks.listeners_using_pool(conn, hm["load_balancer_id"], hm["pool_id"])
    await delete_child(svc, "healthmonitor", hm, listener_ids=using)
    return empty_response(204)
