"""/lbaas/pools/{pool_id}/members: list, create, show, update, delete, and the batch PUT."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.schema import read_json
from pocketstack.loadbalancer.handlers import views
from pocketstack.loadbalancer.handlers.base import (
    authorize,
    body_of,
    list_response,
    visible_project,
)
from pocketstack.loadbalancer.handlers.children import (
    create_child,
    delete_child,
    update_child,
)
from pocketstack.loadbalancer.objects import graph, locks, quotas
from pocketstack.loadbalancer.objects.errors import Conflict, Invalid, NotFound
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.schemas import members as schemas
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["batch_update_members", "create_member", "delete_member", "get_member",
           "list_members", "new_member", "update_member"]

_FILTERS = ("id", "name", "provisioning_status", "operating_status", "admin_state_up",
            "address", "protocol_port", "weight", "backup", "subnet_id", "monitor_address",
            "monitor_port", "project_id", "created_at", "updated_at")


async def _pool(svc: LoadBalancerService, request: Request, action: str) -> Record:
    async with svc.reading() as conn:
        pool = await graph.get(conn, "pool", request.path_params["pool_id"],
                               project_id=visible_project(svc, request))
    authorize(svc, request, "member", action, pool["project_id"])
    return pool


async def _member(svc: LoadBalancerService, request: Request, action: str) -> Record:
    pool = await _pool(svc, request, action)
    async with svc.reading() as conn:
        member = await graph.get(conn, "member", request.path_params["member_id"])
    if member["pool_id"] != pool["id"]:
        raise NotFound.of("member", member["id"])
    return member


async def list_members(svc: LoadBalancerService, request: Request) -> Response:
    pool = await _pool(svc, request, "get_all")
    async with svc.reading() as conn:
        records = await graph.select(conn, "member", pool_id=pool["id"])
    return list_response(request, records, plural="members", filterable=_FILTERS,
                         view=lambda r: views.render("member", r))


async def get_member(svc: LoadBalancerService, request: Request) -> Response:
    member = await _member(svc, request, "get_one")
    return json_response({"member": views.render("member", member)})


def _address(text: str, name: str = "address") -> str:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise Invalid(f"Invalid input for field/attribute {name}. Value: '{text}'. Value "
                      "should be IPv4 or IPv6 format") from None
    if address.is_unspecified or address.is_multicast:
        raise Invalid.validation(f"{text} is not a valid option for {name}")
    return str(address)


def _fields(spec: dict[str, Any], *, creating: bool) -> Record:
    out = {k: v for k, v in spec.items() if k not in ("project_id", "tenant_id", "request_sriov")}
    if "weight" in out and out["weight"] is None:
        out["weight"] = 1
    for name in ("admin_state_up", "backup"):
        if name in out and out[name] is None:
            out[name] = name == "admin_state_up" and not creating
    if creating:
        out["address"] = _address(out["address"])
    if out.get("monitor_address"):
        out["monitor_address"] = _address(out["monitor_address"], "monitor_address")
    return out


def new_member(pool: Record, spec: dict[str, Any], monitored: bool) -> Record:
    """The record of a new member of ``pool`` (NO_MONITOR unless ``monitored``)."""
    record: Record = {"weight": 1, "backup": False, "subnet_id": None, "monitor_address": None,
                      "monitor_port": None, "vnic_type": "normal", "admin_state_up": True,
                      **_fields(spec, creating=True), "pool_id": pool["id"],
                      "load_balancer_id": pool["load_balancer_id"],
                      "project_id": pool["project_id"],
                      "operating_status": "OFFLINE" if monitored else "NO_MONITOR"}
    record["admin_state_up"] = record["admin_state_up"] is not False
    return record


async def _monitored(conn: AsyncConnection, pool_id: str) -> bool:
    return bool(await graph.select(conn, "healthmonitor", pool_id=pool_id))


def _unique(pool_id: str, record: Record) -> Any:
    async def check(conn: AsyncConnection) -> None:
        pool = await graph.get(conn, "pool", pool_id)
        if pool["provisioning_status"] not in ("ACTIVE",):
            raise Conflict(f"Pool {pool_id} is immutable and cannot be updated.")
        for other in await graph.select(conn, "member", pool_id=pool_id):
            if (other["address"], other["protocol_port"]) == (
                    record["address"], record["protocol_port"]) and other["id"] != record.get("id"):
                raise Conflict(f"Another member on this pool is already using ip address "
                               f"{record['address']} on protocol_port {record['protocol_port']}")
        await graph.set_status(conn, "pool", [pool_id], provisioning="PENDING_UPDATE")
    return check


async def create_member(svc: LoadBalancerService, request: Request) -> Response:
    pool = await _pool(svc, request, "post")
    spec = await body_of(request, "member", schemas.CREATE)
    async with svc.reading() as conn:
        record = new_member(pool, spec, await _monitored(conn, pool["id"]))
        using = await locks.listeners_using_pool(conn, pool["load_balancer_id"], pool["id"])
    made = await create_child(svc, "member", record, listener_ids=using,
                              check=_unique(pool["id"], record))
    return json_response({"member": views.render("member", made)}, 201)


async def update_member(svc: LoadBalancerService, request: Request) -> Response:
    member = await _member(svc, request, "put")
    spec = await body_of(request, "member", schemas.UPDATE)
    async with svc.reading() as conn:
        using = await locks.listeners_using_pool(conn, member["load_balancer_id"],
                                                 member["pool_id"])
    updated = await update_child(svc, "member", member, _fields(spec, creating=False),
                                 listener_ids=using, check=_unique(member["pool_id"], member))
    return json_response({"member": views.render("member", updated)})


async def delete_member(svc: LoadBalancerService, request: Request) -> Response:
    member = await _member(svc, request, "delete")
    async with svc.reading() as conn:
        using = await locks.listeners_using_pool(conn, member["load_balancer_id"],
                                                 member["pool_id"])
    await delete_child(svc, "member", member, listener_ids=using,
                       check=_unique(member["pool_id"], {"address": None, "protocol_port": None}))
    return empty_response(204)


async def batch_update_members(svc: LoadBalancerService, request: Request) -> Response:
    """Members matched by (address, protocol_port): new ones created, known ones updated,
    the rest deleted unless ``additive_only``; all in one change of the load balancer."""
    pool = await _pool(svc, request, "put")
    document = await read_json(request, schemas.BATCH)
    additive = request.query_params.get("additive_only", "false").lower() in ("true", "1")
    wanted: dict[tuple[str, int], dict[str, Any]] = {}
    for spec in document["members"]:
        key = (_address(spec["address"]), int(spec["protocol_port"]))
        if key in wanted:
            raise Invalid.validation(f"Member {key[0]}:{key[1]} is given twice.")
        wanted[key] = spec
    async with svc.writing() as conn:
        existing = {(m["address"], m["protocol_port"]): m
                    for m in await graph.select(conn, "member", pool_id=pool["id"])}
        monitored = await _monitored(conn, pool["id"])
        new = [k for k in wanted if k not in existing]
        gone = [] if additive else [m for k, m in existing.items() if k not in wanted]
        changed = [(existing[k], _fields(s, creating=False)) for k, s in wanted.items()
                   if k in existing and any(existing[k].get(f) != v for f, v in
                                            _fields(s, creating=False).items()
                                            if f not in ("address", "protocol_port"))]
        if not (new or gone or changed):
            return empty_response(202)
        using = await locks.listeners_using_pool(conn, pool["load_balancer_id"], pool["id"])
        await locks.lock_for_child(conn, pool["load_balancer_id"], listener_ids=using)
        await graph.set_status(conn, "pool", [pool["id"]], provisioning="PENDING_UPDATE")
        await quotas.check(conn, svc.settings.loadbalancer, pool["project_id"],
                           {"member": len(new)})
        for key in new:
            await graph.insert(conn, "member", {**new_member(pool, wanted[key], monitored),
                                                "provisioning_status": "PENDING_CREATE"})
        for member, fields in changed:
            fields.pop("address", None)
            fields.pop("protocol_port", None)
            await graph.update(conn, "member", member["id"],
                               {**fields, "provisioning_status": "PENDING_UPDATE"})
        await graph.set_status(conn, "member", [m["id"] for m in gone],
                               provisioning="PENDING_DELETE")
    svc.nudge(pool["load_balancer_id"])
    return empty_response(202)
