"""/lbaas/listeners: list, create, show, update, delete, stats."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.loadbalancer.handlers.base import (
    authorize,
    body_of,
    visible_project,
)
from pocketstack.loadbalancer.handlers.certificates import check_listener_tls, tls_defaults
from pocketstack.loadbalancer.handlers.children import (
    create_child,
    delete_child,
    find,
    list_kind,
    render,
    update_child,
)
from pocketstack.loadbalancer.objects import graph, protocols
from pocketstack.loadbalancer.objects.errors import Conflict, Invalid
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.schemas import listeners as schemas
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["create_listener", "delete_listener", "get_listener", "list_listeners",
           "listener_stats", "new_listener", "render_listeners", "update_listener"]

_FILTERS = ("id", "name", "description", "provisioning_status", "operating_status",
            "admin_state_up", "protocol", "protocol_port", "connection_limit",
            "default_pool_id", "load_balancer_id", "loadbalancer_id", "project_id",
            "timeout_client_data", "timeout_member_connect", "timeout_member_data",
            "timeout_tcp_inspect", "client_authentication", "created_at", "updated_at")
_DEFAULTS: dict[str, Any] = {"connection_limit": -1, "timeout_client_data": 50000,
                             "timeout_member_connect": 5000, "timeout_member_data": 50000,
                             "timeout_tcp_inspect": 0, "client_authentication": "NONE"}
_TLS_PROTOCOLS = ("TERMINATED_HTTPS",)


async def render_listeners(svc: LoadBalancerService, records: list[Record]
                           ) -> list[dict[str, Any]]:
    return await render(svc, "listener", records)


async def list_listeners(svc: LoadBalancerService, request: Request) -> Response:
    return await list_kind(svc, request, "listener", "listeners", _FILTERS)


async def get_listener(svc: LoadBalancerService, request: Request) -> Response:
    listener = await find(svc, request, "listener", "listener_id", "get_one")
    return json_response({"listener": (await render_listeners(svc, [listener]))[0]})


def _normalised(spec: dict[str, Any], record: Record) -> dict[str, Any]:
    """The fields of ``spec`` with PUT's ``null`` meaning "the default"."""
    out = dict(spec)
    for name, default in _DEFAULTS.items():
        if name in out and out[name] is None:
            out[name] = default
    if "admin_state_up" in out and out["admin_state_up"] is None:
        out["admin_state_up"] = False
    if out.get("insert_headers") is None and "insert_headers" in out:
        out["insert_headers"] = {}
    if "allowed_cidrs" in out:
        out["allowed_cidrs"] = sorted(set(out["allowed_cidrs"] or [])) or None
    merged = {**record, **out}
    protocols.check_insert_headers(merged["protocol"], merged.get("insert_headers") or {})
    out.update(tls_defaults(record, out, enabled=merged["protocol"] in _TLS_PROTOCOLS))
    if merged.get("hsts_max_age") is None and (merged.get("hsts_include_subdomains")
                                               or merged.get("hsts_preload")):
        raise Invalid.validation("HSTS configuration options require hsts_max_age to be set.")
    if merged.get("hsts_max_age") is not None and merged["protocol"] != "TERMINATED_HTTPS":
        raise Invalid.validation("The HSTS feature can only be used in combination with a "
                                 "TERMINATED_HTTPS listener.")
    return out


def new_listener(spec: dict[str, Any], lb: Record) -> Record:
    """The record of a new listener of ``lb`` (defaults filled, rules checked)."""
    base: Record = {**_DEFAULTS, "protocol": spec["protocol"],
                    "protocol_port": spec["protocol_port"]}
    fields = {k: v for k, v in spec.items() if k not in (
        "loadbalancer_id", "project_id", "tenant_id", "default_pool", "l7policies")}
    record: Record = {**base, "insert_headers": {}, "sni_container_refs": [],
                      **_normalised(fields, base), "load_balancer_id": lb["id"],
                      "project_id": lb["project_id"], "operating_status": "OFFLINE",
                      "id": graph.new_id()}
    record["admin_state_up"] = record.get("admin_state_up", True) is not False
    return record


def _checks(svc: LoadBalancerService, listener: Record) -> Any:
    async def check(conn: AsyncConnection) -> None:
        for other in await graph.select(conn, "listener",
                                        load_balancer_id=listener["load_balancer_id"]):
            if other["id"] != listener.get("id") and \
                    other["protocol_port"] == listener["protocol_port"] and \
                    protocols.l4_of(other["protocol"]) == protocols.l4_of(listener["protocol"]):
                raise Conflict(
                    f"Another Listener on this Load Balancer is already using protocol "
                    f"{protocols.l4_of(listener['protocol'])} and protocol_port "
                    f"{listener['protocol_port']}")
        pool_id = listener.get("default_pool_id")
        if pool_id:
            pool = await graph.get(conn, "pool", pool_id)
            if pool["load_balancer_id"] != listener["load_balancer_id"]:
                raise Invalid.validation(f"Pool {pool_id} is not on the listener's load "
                                         "balancer.")
            protocols.check_pool_protocol(listener["protocol"], pool["protocol"])
    return check


async def create_listener(svc: LoadBalancerService, request: Request) -> Response:
    spec = await body_of(request, "listener", schemas.CREATE)
    async with svc.reading() as conn:
        lb = await graph.get(conn, "loadbalancer", spec["loadbalancer_id"],
                             project_id=visible_project(svc, request))
    authorize(svc, request, "listener", "post", lb["project_id"])
    if spec.get("default_pool") or spec.get("l7policies"):
        raise Invalid.validation("Listeners are created without embedded pools or policies "
                                 "here; create them separately.")
    record = new_listener(spec, lb)
    await check_listener_tls(svc, record)
    made = await create_child(svc, "listener", record, check=_checks(svc, record))
    return json_response({"listener": (await render_listeners(svc, [made]))[0]}, 201)


async def update_listener(svc: LoadBalancerService, request: Request) -> Response:
    listener = await find(svc, request, "listener", "listener_id", "put")
    spec = await body_of(request, "listener", schemas.UPDATE)
    changes = _normalised(spec, listener)
    merged = {**listener, **changes}
    if any(k.endswith("_ref") or k.endswith("_refs") or k == "client_authentication"
           for k in spec):
        await check_listener_tls(svc, merged)
    updated = await update_child(svc, "listener", listener, changes, listener_ids=[listener["id"]],
                                 check=_checks(svc, merged))
    return json_response({"listener": (await render_listeners(svc, [updated]))[0]})


async def delete_listener(svc: LoadBalancerService, request: Request) -> Response:
    listener = await find(svc, request, "listener", "listener_id", "delete")
    await delete_child(svc, "listener", listener, listener_ids=[listener["id"]])
    return empty_response(204)


async def listener_stats(svc: LoadBalancerService, request: Request) -> Response:
    listener = await find(svc, request, "listener", "listener_id", "get_stats")
    async with svc.reading() as conn:
        lb = await graph.get(conn, "loadbalancer", listener["load_balancer_id"])
    report = await svc.driver_for(lb["provider"]).health(lb["id"])
    stats = report.stats.get(listener["id"])
    names = ("bytes_in", "bytes_out", "active_connections", "total_connections",
             "request_errors")
    return json_response({"stats": {n: int(getattr(stats, n)) if stats else 0 for n in names}})
