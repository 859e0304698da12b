"""/lbaas/l7policies/{l7policy_id}/rules: list, create, show, update, delete."""

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
    list_response,
    visible_project,
)
from pocketstack.loadbalancer.handlers.children import create_child, delete_child, update_child
from pocketstack.loadbalancer.objects import graph, l7
from pocketstack.loadbalancer.objects.errors import Conflict, NotFound
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.schemas import l7 as schemas
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["create_l7rule", "delete_l7rule", "get_l7rule", "list_l7rules", "new_l7rule",
           "update_l7rule"]

_FILTERS = ("id", "provisioning_status", "operating_status", "admin_state_up", "type",
            "compare_type", "key", "value", "invert", "project_id", "created_at", "updated_at")


async def _policy(svc: LoadBalancerService, request: Request, action: str) -> Record:
    async with svc.reading() as conn:
        policy = await graph.get(conn, "l7policy", request.path_params["l7policy_id"],
                                 project_id=visible_project(svc, request))
    authorize(svc, request, "l7rule", action, policy["project_id"])
    return policy


async def _rule(svc: LoadBalancerService, request: Request, action: str) -> Record:
    policy = await _policy(svc, request, action)
    async with svc.reading() as conn:
        rule = await graph.get(conn, "l7rule", request.path_params["l7rule_id"])
    if rule["l7policy_id"] != policy["id"]:
        raise NotFound.of("l7rule", rule["id"])
    return rule


def new_l7rule(spec: dict[str, Any], policy: Record) -> Record:
    """The record of a new rule of ``policy`` (checked for its type)."""
    record: Record = {"key": None, "invert": False, "admin_state_up": True,
                      **{k: v for k, v in spec.items() if k not in ("project_id", "tenant_id")},
                      "l7policy_id": policy["id"], "load_balancer_id": policy["load_balancer_id"],
                      "project_id": policy["project_id"], "operating_status": "OFFLINE"}
    record["invert"] = bool(record["invert"])
    record["admin_state_up"] = record["admin_state_up"] is not False
    l7.check_rule(record)
    return record


async def list_l7rules(svc: LoadBalancerService, request: Request) -> Response:
    policy = await _policy(svc, request, "get_all")
    async with svc.reading() as conn:
        records = await graph.select(conn, "l7rule", l7policy_id=policy["id"])
    return list_response(request, records, plural="rules", filterable=_FILTERS,
                         view=lambda r: views.render("l7rule", r))


async def get_l7rule(svc: LoadBalancerService, request: Request) -> Response:
    return json_response({"rule": views.render("l7rule", await _rule(svc, request, "get_one"))})


async def create_l7rule(svc: LoadBalancerService, request: Request) -> Response:
    policy = await _policy(svc, request, "post")
    spec = await body_of(request, "rule", schemas.RULE_CREATE)
    record = new_l7rule(spec, policy)

    async def check(conn: AsyncConnection) -> None:
        if len(await graph.select(conn, "l7rule", l7policy_id=policy["id"])) >= l7.MAX_RULES:
            raise Conflict(f"Too many rules on L7 policy {policy['id']}.")

    made = await create_child(svc, "l7rule", record, listener_ids=[policy["listener_id"]],
                              check=check)
    return json_response({"rule": views.render("l7rule", made)}, 201)


async def update_l7rule(svc: LoadBalancerService, request: Request) -> Response:
    rule = await _rule(svc, request, "put")
    spec = await body_of(request, "rule", schemas.RULE_UPDATE)
    changes = dict(spec)
    for name, default in (("invert", False), ("admin_state_up", False)):
        if name in changes and changes[name] is None:
            changes[name] = default
    l7.check_rule({**rule, **changes})
    async with svc.reading() as conn:
        policy = await graph.get(conn, "l7policy", rule["l7policy_id"])
    updated = await update_child(svc, "l7rule", rule, changes,
                                 listener_ids=[policy["listener_id"]])
    return json_response({"rule": views.render("l7rule", updated)})


async def delete_l7rule(svc: LoadBalancerService, request: Request) -> Response:
    rule = await _rule(svc, request, "delete")
    async with svc.reading() as conn:
        policy = await graph.get(conn, "l7policy", rule["l7policy_id"])
    await delete_child(svc, "l7rule", rule, listener_ids=[policy["listener_id"]])
    return empty_response(204)
