"""/lbaas/l7policies: list, create, show, update, delete; positions dense per listener."""

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
from pocketstack.loadbalancer.handlers.children import (
    create_child,
    delete_child,
    find,
    list_kind,
    render,
    update_child,
)
from pocketstack.loadbalancer.objects import graph, l7
from pocketstack.loadbalancer.objects.errors import Invalid
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.schemas import l7 as schemas
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["create_l7policy", "delete_l7policy", "get_l7policy", "list_l7policies",
           "new_l7policy", "update_l7policy"]

_FILTERS = ("id", "name", "description", "provisioning_status", "operating_status",
            "admin_state_up", "action", "position", "listener_id", "redirect_pool_id",
            "redirect_url", "redirect_prefix", "redirect_http_code", "project_id", "created_at",
            "updated_at")


async def list_l7policies(svc: LoadBalancerService, request: Request) -> Response:
    return await list_kind(svc, request, "l7policy", "l7policies", _FILTERS)


async def get_l7policy(svc: LoadBalancerService, request: Request) -> Response:
    policy = await find(svc, request, "l7policy", "l7policy_id", "get_one")
    return json_response({"l7policy": (await render(svc, "l7policy", [policy]))[0]})


def _pool_check(listener: Record, pool_id: str | None) -> Any:
    async def check(conn: AsyncConnection) -> None:
        if pool_id:
            pool = await graph.get(conn, "pool", pool_id)
            if pool["load_balancer_id"] != listener["load_balancer_id"]:
                raise Invalid.validation(f"Pool {pool_id} is not on the listener's load "
                                         "balancer.")
    return check


def new_l7policy(spec: dict[str, Any], listener: Record) -> Record:
    """The record of a new L7 policy of ``listener`` (consistent redirects; placed last)."""
    if listener["protocol"] not in ("HTTP", "TERMINATED_HTTPS"):
        if listener["protocol"] == "PROMETHEUS":
            raise Invalid("Protocol PROMETHEUS listeners cannot have child objects.")
        raise Invalid.validation(f"L7 policies are only for HTTP and TERMINATED_HTTPS "
                                 f"listeners, not {listener['protocol']}.")
    fields = l7.policy_fields({k: v for k, v in spec.items() if k not in (
        "project_id", "tenant_id", "rules", "redirect_pool", "listener_id")}, {})
    record: Record = {"admin_state_up": True, "description": None, **fields,
                      "listener_id": listener["id"],
                      "load_balancer_id": listener["load_balancer_id"],
                      "project_id": listener["project_id"], "operating_status": "OFFLINE",
                      "id": graph.new_id()}
    record["admin_state_up"] = record["admin_state_up"] is not False
    return record


async def create_l7policy(svc: LoadBalancerService, request: Request) -> Response:
    spec = await body_of(request, "l7policy", schemas.POLICY_CREATE)
    async with svc.reading() as conn:
        listener = await graph.get(conn, "listener", spec["listener_id"],
                                   project_id=visible_project(svc, request))
    authorize(svc, request, "l7policy", "post", listener["project_id"])
    if spec.get("rules"):
        raise Invalid.validation("Policies are created without embedded rules here; create "
                                 "them separately.")
    record = new_l7policy(spec, listener)
    wanted = spec.get("position")

    async def after(conn: AsyncConnection) -> None:
        await l7.place(conn, listener["id"], record["id"], wanted)

    made = await create_child(svc, "l7policy", {**record, "position": 2147483647},
                              listener_ids=[listener["id"]],
                              check=_pool_check(listener, record.get("redirect_pool_id")),
                              after=after)
    return json_response({"l7policy": (await render(svc, "l7policy", [made]))[0]}, 201)


async def update_l7policy(svc: LoadBalancerService, request: Request) -> Response:
    policy = await find(svc, request, "l7policy", "l7policy_id", "put")
    spec = await body_of(request, "l7policy", schemas.POLICY_UPDATE)
    async with svc.reading() as conn:
        listener = await graph.get(conn, "listener", policy["listener_id"])
    changes = l7.policy_fields({k: v for k, v in spec.items() if k != "position"}, policy)
    if "admin_state_up" in changes and changes["admin_state_up"] is None:
        changes["admin_state_up"] = False

    async def check(conn: AsyncConnection) -> None:
        await _pool_check(listener, changes.get("redirect_pool_id"))(conn)
        if spec.get("position") is not None:
            await l7.place(conn, listener["id"], policy["id"], spec["position"])

    updated = await update_child(svc, "l7policy", policy, changes,
                                 listener_ids=[listener["id"]], check=check)
    return json_response({"l7policy": (await render(svc, "l7policy", [updated]))[0]})


async def delete_l7policy(svc: LoadBalancerService, request: Request) -> Response:
    policy = await find(svc, request, "l7policy", "l7policy_id", "delete")
    await delete_child(svc, "l7policy", policy, listener_ids=[policy["listener_id"]])
    return empty_response(204)
