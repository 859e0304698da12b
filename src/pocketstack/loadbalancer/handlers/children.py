"""The steps every child of a load balancer (listener, pool, member, health monitor, L7
policy and rule) shares: find it as the caller may see it, and create, change or delete it
under the load balancer's lock, leaving the controller to apply the change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.loadbalancer.handlers import views
from pocketstack.loadbalancer.handlers.base import (
    authorize,
    is_admin,
    list_response,
    visible_project,
)
from pocketstack.loadbalancer.objects import graph, locks, quotas, relations
from pocketstack.loadbalancer.objects.errors import RESOURCE_NAMES, Conflict
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["Check", "create_child", "delete_child", "find", "list_kind", "render",
           "update_child"]

# A rule that needs the database, run inside the locked transaction (409s, 400s).
Check = Callable[[AsyncConnection], Awaitable[None]]


async def render(svc: LoadBalancerService, kind: str, records: list[Record]
                 ) -> list[dict[str, Any]]:
    """``records`` as the API shows them, with their relations."""
    async with svc.reading() as conn:
        rel = await relations.of(conn, kind, records)
    return [views.render(kind, r, **rel.get(r["id"], {})) for r in records]


async def list_kind(svc: LoadBalancerService, request: Request, kind: str, plural: str,
                    filterable: Iterable[str]) -> Response:
    """``GET /lbaas/<plural>``: the caller's project's objects (any project's for an admin),
    one page of them."""
    ctx = authorize(svc, request, kind, "get_all", None)
    project = None if is_admin(svc, ctx) else ctx.authenticated.project_id or ""
    async with svc.reading() as conn:
        records = await graph.select(conn, kind, project_id=project)
        rel = await relations.of(conn, kind, records)
    for r in records:
        r["loadbalancer_id"] = r["load_balancer_id"]
    return list_response(request, records, plural=plural, filterable=filterable,
                         view=lambda r: views.render(kind, r, **rel.get(r["id"], {})))


async def find(svc: LoadBalancerService, request: Request, kind: str, param: str,
               action: str) -> Record:
    """The ``kind`` object named by path parameter ``param`` (404 unless the caller may see
    it), after the policy for ``action``."""
    async with svc.reading() as conn:
        record = await graph.get(conn, kind, request.path_params[param],
                                 project_id=visible_project(svc, request))
    authorize(svc, request, kind, action, record["project_id"])
    return record


async def create_child(svc: LoadBalancerService, kind: str, record: Record, *,
                       listener_ids: Iterable[str] = (), check: Check | None = None,
                       after: Check | None = None) -> Record:
    """Insert ``record`` (PENDING_CREATE) under its load balancer's lock and quota."""
    async with svc.writing() as conn:
        await locks.lock_for_child(conn, record["load_balancer_id"], listener_ids=listener_ids)
        if check is not None:
            await check(conn)
        await quotas.check(conn, svc.settings.loadbalancer, record["project_id"], {kind: 1})
        made = await graph.insert(conn, kind, {
            "provisioning_status": "PENDING_CREATE", "tags": [], **record})
        if after is not None:
            await after(conn)
        made = await graph.get(conn, kind, made["id"])
    svc.nudge(record["load_balancer_id"])
    return made


async def update_child(svc: LoadBalancerService, kind: str, record: Record,
                       changes: dict[str, Any], *, listener_ids: Iterable[str] = (),
                       check: Check | None = None) -> Record:
    async with svc.writing() as conn:
        await locks.lock_for_child(conn, record["load_balancer_id"])
        current = await graph.get(conn, kind, record["id"])
        await graph.set_status(conn, "listener", list(listener_ids),
                               provisioning="PENDING_UPDATE")
        if current["provisioning_status"] not in ("ACTIVE", "ERROR"):
            raise Conflict(f"{RESOURCE_NAMES[kind]} {record['id']} is immutable and cannot be "
                           "updated.")
        if check is not None:
            await check(conn)
        await graph.update(conn, kind, record["id"],
                           {**changes, "provisioning_status": "PENDING_UPDATE"})
        updated = await graph.get(conn, kind, record["id"])
    svc.nudge(record["load_balancer_id"])
    return updated


async def delete_child(svc: LoadBalancerService, kind: str, record: Record, *,
                       listener_ids: Iterable[str] = (), check: Check | None = None) -> None:
    async with svc.writing() as conn:
        await locks.lock_for_child(conn, record["load_balancer_id"], listener_ids=listener_ids)
        if check is not None:
            await check(conn)
        await graph.set_status(conn, kind, [record["id"]], provisioning="PENDING_DELETE")
    svc.nudge(record["load_balancer_id"])
