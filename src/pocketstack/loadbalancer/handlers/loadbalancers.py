"""/lbaas/loadbalancers: list, create, show, update, delete (cascade), status, stats,
failover."""

from __future__ import annotations

import collections
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.context import caller_token, context_of
from pocketstack.loadbalancer import vips
from pocketstack.loadbalancer.handlers import full_graph, views
from pocketstack.loadbalancer.handlers.base import (
    authorize,
    body_of,
    is_admin,
    list_response,
    visible_project,
)
from pocketstack.loadbalancer.objects import (
    availability_zones,
    flavors,
    graph,
    load_balancers,
    locks,
    quotas,
    status_tree,
)
from pocketstack.loadbalancer.objects.errors import Invalid, LbError
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.schemas import loadbalancers as schemas
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["create_load_balancer", "delete_load_balancer", "failover_load_balancer",
           "get_load_balancer", "list_load_balancers", "load_balancer_stats",
           "load_balancer_status", "update_load_balancer"]

_FILTERS = ("id", "name", "description", "provisioning_status", "operating_status",
            "admin_state_up", "vip_address", "vip_port_id", "vip_subnet_id", "vip_network_id",
            "vip_qos_policy_id", "provider", "flavor_id", "availability_zone", "project_id",
            "created_at", "updated_at")
_UPDATABLE = ("name", "description", "admin_state_up", "vip_qos_policy_id", "vip_sg_ids", "tags")


async def _view(svc: LoadBalancerService, records: list[Record]) -> list[dict[str, Any]]:
    async with svc.reading() as conn:
        children = await load_balancers.children(conn, [r["id"] for r in records])
    return [views.render("loadbalancer", r, **children[r["id"]]) for r in records]


async def list_load_balancers(svc: LoadBalancerService, request: Request) -> Response:
    ctx = authorize(svc, request, "loadbalancer", "get_all", None)
    project = None if is_admin(svc, ctx) else ctx.authenticated.project_id or ""
    if project is None and "project_id" in request.query_params:
        project = request.query_params["project_id"]
    async with svc.reading() as conn:
        records = await graph.select(conn, "loadbalancer", project_id=project)
        children = await load_balancers.children(conn, [r["id"] for r in records])
    return list_response(
        request, records, plural="loadbalancers", filterable=_FILTERS,
        view=lambda r: views.render("loadbalancer", r, **children[r["id"]]))


async def _visible(svc: LoadBalancerService, request: Request, action: str) -> Record:
    async with svc.reading() as conn:
        lb = await graph.get(conn, "loadbalancer", request.path_params["lb_id"],
                             project_id=visible_project(svc, request))
    authorize(svc, request, "loadbalancer", action, lb["project_id"])
    return lb


async def get_load_balancer(svc: LoadBalancerService, request: Request) -> Response:
    lb = await _visible(svc, request, "get_one")
    return json_response({"loadbalancer": (await _view(svc, [lb]))[0]})


async def create_load_balancer(svc: LoadBalancerService, request: Request) -> Response:
    spec = await body_of(request, "loadbalancer", schemas.CREATE)
    ctx = context_of(request)
    project = spec.get("project_id") or spec.get("tenant_id") or ctx.authenticated.project_id
    if not project:
        raise Invalid("Missing project ID in request where one is required.")
    authorize(svc, request, "loadbalancer", "post", project)
    network = svc.network()
    vip = await vips.resolve(network, spec, caller_token(request))
    lb_id = graph.new_id()
    planned = await full_graph.plan(svc, spec, lb_id, project)
    async with svc.writing() as conn:
        provider, topology = await flavors.placement_of(
            conn, spec.get("flavor_id"), spec.get("provider"), svc.settings.loadbalancer)
        if spec.get("availability_zone"):
            await availability_zones.check_usable(conn, spec["availability_zone"])
        counts = collections.Counter(kind for kind, _ in planned)
        await quotas.check(conn, svc.settings.loadbalancer, project,
                           {"loadbalancer": 1, **counts})
        lb = await load_balancers.insert_new(
            conn, {**spec, "id": lb_id, "vip_address": vip.address, "vip_port_id": vip.port_id},
            project_id=project, provider=provider, topology=topology,
            vip_network_id=vip.network_id, vip_subnet_id=vip.subnet_id)
        await full_graph.insert(conn, planned)
    try:
        vip = await vips.ensure_port(network, lb["id"], project, vip)
    except LbError:
        async with svc.writing() as conn:  # nothing half-made: the request failed whole
            await load_balancers.discard(conn, lb["id"])
        raise
    async with svc.writing() as conn:
        await load_balancers.record_vip(conn, lb["id"], port_id=vip.port_id or "",
                                        address=vip.address)
        lb = await graph.get(conn, "loadbalancer", lb["id"])
    svc.nudge(lb["id"])
    view = (await _view(svc, [lb]))[0]
    if planned:  # a full graph is answered with its objects, not only their ids
        view.update(await full_graph.embedded(svc, lb["id"]))
    return json_response({"loadbalancer": view}, 201)


async def update_load_balancer(svc: LoadBalancerService, request: Request) -> Response:
    lb = await _visible(svc, request, "put")
    spec = await body_of(request, "loadbalancer", schemas.UPDATE)
    changes = {k: (False if k == "admin_state_up" and v is None else v)
               for k, v in spec.items() if k in _UPDATABLE}
    async with svc.writing() as conn:
        await locks.lock_load_balancer(conn, lb["id"], allowed=("ACTIVE",), to="PENDING_UPDATE")
        await graph.update(conn, "loadbalancer", lb["id"], changes)
        lb = await graph.get(conn, "loadbalancer", lb["id"])
    svc.nudge(lb["id"])
    return json_response({"loadbalancer": (await _view(svc, [lb]))[0]})


async def delete_load_balancer(svc: LoadBalancerService, request: Request) -> Response:
    lb = await _visible(svc, request, "delete")
    cascade = request.query_params.get("cascade", "false").lower() in ("true", "1", "yes")
    async with svc.writing() as conn:
        await load_balancers.mark_deleting(conn, lb["id"], cascade=cascade)
    svc.nudge(lb["id"])
    return empty_response(204)


async def failover_load_balancer(svc: LoadBalancerService, request: Request) -> Response:
    lb = await _visible(svc, request, "put_failover")
    async with svc.writing() as conn:
        await locks.lock_load_balancer(conn, lb["id"], allowed=("ACTIVE", "ERROR"),
                                       to="PENDING_UPDATE")
        await graph.update(conn, "loadbalancer", lb["id"], {"_failover": True})
    svc.nudge(lb["id"])
    return empty_response(202)


async def load_balancer_status(svc: LoadBalancerService, request: Request) -> Response:
    lb = await _visible(svc, request, "get_status")
    async with svc.reading() as conn:
        tree = await status_tree.build(conn, lb)
    return json_response({"statuses": {"loadbalancer": tree}})


async def load_balancer_stats(svc: LoadBalancerService, request: Request) -> Response:
    lb = await _visible(svc, request, "get_stats")
    report = await svc.driver_for(lb["provider"]).health(lb["id"])
    totals = {"bytes_in": 0, "bytes_out": 0, "active_connections": 0, "total_connections": 0,
              "request_errors": 0}
    for stats in report.stats.values():
        for key in totals:
            totals[key] += int(getattr(stats, key))
    return json_response({"stats": totals})
