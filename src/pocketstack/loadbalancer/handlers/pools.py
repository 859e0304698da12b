"""/lbaas/pools: list, create (on a load balancer or as a listener's default), show, update,
delete."""

from __future__ import annotations

import re
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
from pocketstack.loadbalancer.handlers.certificates import check_pool_tls, tls_defaults
from pocketstack.loadbalancer.handlers.children import (
    create_child,
    delete_child,
    find,
    list_kind,
    render,
    update_child,
)
from pocketstack.loadbalancer.objects import graph, locks, protocols
from pocketstack.loadbalancer.objects.errors import Conflict, Invalid, NotImplementedByProvider
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.objects.providers import PROVIDERS
from pocketstack.loadbalancer.schemas import pools as schemas
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["create_pool", "delete_pool", "get_pool", "list_pools", "new_pool", "render_pools",
           "update_pool"]

_FILTERS = ("id", "name", "description", "provisioning_status", "operating_status",
            "admin_state_up", "protocol", "lb_algorithm", "load_balancer_id", "loadbalancer_id",
            "project_id", "tls_enabled", "created_at", "updated_at")
_COOKIE = re.compile(r'^[^\x00-\x20\x7f"(),/:;<=>?@\[\\\]{}]+$')


async def render_pools(svc: LoadBalancerService, records: list[Record]
                       ) -> list[dict[str, Any]]:
    return await render(svc, "pool", records)


async def list_pools(svc: LoadBalancerService, request: Request) -> Response:
    return await list_kind(svc, request, "pool", "pools", _FILTERS)


async def get_pool(svc: LoadBalancerService, request: Request) -> Response:
    pool = await find(svc, request, "pool", "pool_id", "get_one")
    return json_response({"pool": (await render_pools(svc, [pool]))[0]})


def _persistence(protocol: str, given: Any, stored: Any) -> Any:
    if given is None:
        return None
    merged = {**(stored or {}), **given}
    if "type" not in merged:
        raise Invalid("Invalid input for field/attribute session_persistence. Value: 'None'. "
                      "Mandatory field missing.")
    kind = merged["type"]
    cookie = merged.get("cookie_name")
    if kind == "APP_COOKIE" and not cookie:
        raise Invalid.validation("Field cookie_name is required when session persistence type "
                                 "is APP_COOKIE.")
    if kind != "APP_COOKIE" and cookie:
        raise Invalid.validation(f"Field cookie_name is not valid for session persistence type "
                                 f"{kind}.")
    if cookie and not _COOKIE.match(cookie):
        raise Invalid.validation("cookie_name must be a valid cookie name.")
    udp = protocol in ("UDP", "SCTP")
    if udp and kind != "SOURCE_IP":
        raise Invalid.validation(f"Session persistence of type {kind} is not supported for "
                                 f"{protocol} protocol pools.")
    if not udp and (merged.get("persistence_timeout") is not None
                    or merged.get("persistence_granularity") is not None):
        raise Invalid.validation("persistence_timeout and persistence_granularity are only for "
                                 "UDP and SCTP pools.")
    return {"type": kind, "cookie_name": cookie,
            "persistence_timeout": merged.get("persistence_timeout"),
            "persistence_granularity": merged.get("persistence_granularity")}


def _normalised(spec: dict[str, Any], record: Record, provider: str) -> dict[str, Any]:
    out = {k: v for k, v in spec.items() if k not in (
        "loadbalancer_id", "listener_id", "project_id", "tenant_id", "healthmonitor", "members")}
    if "admin_state_up" in out and out["admin_state_up"] is None:
        out["admin_state_up"] = False
    merged = {**record, **out}
    if merged.get("lb_algorithm") == "SOURCE_IP_PORT" and PROVIDERS.get(
            provider, ("", "amphora"))[1] == "amphora":
        raise NotImplementedByProvider(
            f"Provider '{provider}' does not support a requested option: Amphora provider does "
            "not support SOURCE_IP_PORT algorithm.")
    if "session_persistence" in out:
        out["session_persistence"] = _persistence(
            merged["protocol"], out["session_persistence"], record.get("session_persistence"))
    if "tls_enabled" in out and out["tls_enabled"] is None:
        out["tls_enabled"] = False
    out.update(tls_defaults(record, out, enabled=bool(merged.get("tls_enabled"))))
    return out


def new_pool(spec: dict[str, Any], lb: Record) -> Record:
    """The record of a new pool of ``lb`` (defaults filled, rules checked)."""
    base: Record = {"protocol": spec["protocol"], "lb_algorithm": spec["lb_algorithm"],
                    "session_persistence": None, "tls_enabled": False,
                    "tls_container_ref": None, "ca_tls_container_ref": None,
                    "crl_container_ref": None}
    record: Record = {**base, **_normalised(spec, base, lb["provider"]),
                      "load_balancer_id": lb["id"], "project_id": lb["project_id"],
                      "operating_status": "OFFLINE", "id": graph.new_id()}
    record["admin_state_up"] = record.get("admin_state_up", True) is not False
    return record


async def create_pool(svc: LoadBalancerService, request: Request) -> Response:
    spec = await body_of(request, "pool", schemas.CREATE)
    if spec.get("healthmonitor") or spec.get("members"):
        raise Invalid.validation("Pools are created without embedded members or health "
                                 "monitors here; create them separately.")
    scope = visible_project(svc, request)
    async with svc.reading() as conn:
        listener = None
        if spec.get("listener_id"):
            listener = await graph.get(conn, "listener", spec["listener_id"], project_id=scope)
            lb_id = listener["load_balancer_id"]
            if spec.get("loadbalancer_id") and spec["loadbalancer_id"] != lb_id:
                raise Invalid.validation("The listener is not on the given load balancer.")
        elif spec.get("loadbalancer_id"):
            lb_id = spec["loadbalancer_id"]
        else:
            raise Invalid.validation("Must provide at least one of: loadbalancer_id, "
                                     "listener_id")
        lb = await graph.get(conn, "loadbalancer", lb_id, project_id=scope)
    authorize(svc, request, "pool", "post", lb["project_id"])
    record = new_pool(spec, lb)
    await check_pool_tls(svc, record)

    async def check(conn: AsyncConnection) -> None:
        if listener is not None:
            current = await graph.get(conn, "listener", listener["id"])
            if current.get("default_pool_id"):
                raise Conflict(f"Listener {listener['id']} already has default pool "
                               f"{current['default_pool_id']}.")
            protocols.check_pool_protocol(listener["protocol"], record["protocol"])

    async def after(conn: AsyncConnection) -> None:
        if listener is not None:
            await graph.update(conn, "listener", listener["id"], {"default_pool_id": record["id"]})

    made = await create_child(svc, "pool", record, check=check, after=after,
                              listener_ids=[listener["id"]] if listener else [])
    return json_response({"pool": (await render_pools(svc, [made]))[0]}, 201)


async def update_pool(svc: LoadBalancerService, request: Request) -> Response:
    pool = await find(svc, request, "pool", "pool_id", "put")
    spec = await body_of(request, "pool", schemas.UPDATE)
    async with svc.reading() as conn:
        lb = await graph.get(conn, "loadbalancer", pool["load_balancer_id"])
        using = await locks.listeners_using_pool(conn, lb["id"], pool["id"])
    changes = _normalised(spec, pool, lb["provider"])
    if any(k.endswith("_ref") for k in spec):
        await check_pool_tls(svc, {**pool, **changes})
    updated = await update_child(svc, "pool", pool, changes, listener_ids=using)
    return json_response({"pool": (await render_pools(svc, [updated]))[0]})


async def delete_pool(svc: LoadBalancerService, request: Request) -> Response:
    pool = await find(svc, request, "pool", "pool_id", "delete")
    async with svc.reading() as conn:
        using = await locks.listeners_using_pool(conn, pool["load_balancer_id"], pool["id"])

    async def check(conn: AsyncConnection) -> None:
        for policy in await graph.select(conn, "l7policy",
                                         load_balancer_id=pool["load_balancer_id"]):
            if policy.get("redirect_pool_id") == pool["id"]:
                raise Conflict(f"Pool {pool['id']} is in use by L7 policy {policy['id']} and "
                               "cannot be deleted.")

    await delete_child(svc, "pool", pool, listener_ids=using, check=check)
    return empty_response(204)
