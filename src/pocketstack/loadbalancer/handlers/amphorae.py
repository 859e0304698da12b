"""/octavia/amphorae (admin): list, show, failover, config, stats, delete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.loadbalancer.handlers.base import authorize, list_response
from pocketstack.loadbalancer.handlers.views import iso
from pocketstack.loadbalancer.objects import amphorae, graph, locks
from pocketstack.loadbalancer.objects.errors import Conflict
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["amphora_stats", "configure_amphora", "delete_amphora", "failover_amphora",
           "get_amphora", "list_amphorae"]

_FILTERS = ("id", "loadbalancer_id", "compute_id", "lb_network_ip", "vrrp_ip", "ha_ip",
            "role", "status", "vrrp_priority", "created_at", "updated_at")


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "loadbalancer_id": row["load_balancer_id"],
            "compute_id": row["id"], "lb_network_ip": row["lb_network_ip"],
            "vrrp_ip": row["ha_ip"], "ha_ip": row["ha_ip"], "vrrp_port_id": None,
            "ha_port_id": None, "cert_expiration": None, "cert_busy": False,
            "role": row["role"], "status": row["status"], "vrrp_interface": None,
            "vrrp_id": 1 if row["role"] in ("MASTER", "BACKUP") else None,
            "vrrp_priority": row["vrrp_priority"], "cached_zone": None, "image_id": None,
            "compute_flavor": None, "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"])}


async def list_amphorae(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "amphora", "get_all", None)
    async with svc.reading() as conn:
        rows = await amphorae.list_(conn)
    records = [{**r, "loadbalancer_id": r["load_balancer_id"], "vrrp_ip": r["ha_ip"],
                "compute_id": r["id"]} for r in rows]
    return list_response(request, records, plural="amphorae", filterable=_FILTERS,
                         view=_view)


async def get_amphora(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "amphora", "get_one", None)
    async with svc.reading() as conn:
        row = await amphorae.get(conn, request.path_params["amphora_id"])
    return json_response({"amphora": _view(row)})


async def failover_amphora(svc: LoadBalancerService, request: Request) -> Response:
    """Replace the amphora (its load balancer's, as Octavia locks it) by a new one."""
    authorize(svc, request, "amphora", "put_failover", None)
    async with svc.writing() as conn:
        row = await amphorae.get(conn, request.path_params["amphora_id"])
        await locks.lock_load_balancer(conn, row["load_balancer_id"],
                                       allowed=("ACTIVE", "ERROR"), to="PENDING_UPDATE")
        await graph.update(conn, "loadbalancer", row["load_balancer_id"], {"_failover": True})
    svc.nudge(row["load_balancer_id"])
    return empty_response(202)


async def configure_amphora(svc: LoadBalancerService, request: Request) -> Response:
    """Push the agent's configuration: here, re-apply the load balancer's (hitless)."""
    authorize(svc, request, "amphora", "put_config", None)
    async with svc.reading() as conn:
        row = await amphorae.get(conn, request.path_params["amphora_id"])
    svc.nudge(row["load_balancer_id"])
    return empty_response(202)


async def amphora_stats(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "amphora", "get_stats", None)
    async with svc.reading() as conn:
        row = await amphorae.get(conn, request.path_params["amphora_id"])
        lb = await graph.get(conn, "loadbalancer", row["load_balancer_id"])
    report = await svc.driver_for(lb["provider"]).health(lb["id"])
    stats = [{"id": row["id"], "loadbalancer_id": lb["id"], "listener_id": listener_id,
              "active_connections": s.active_connections, "bytes_in": s.bytes_in,
              "bytes_out": s.bytes_out, "request_errors": s.request_errors,
              "total_connections": s.total_connections}
             for listener_id, s in sorted(report.stats.items())]
    return json_response({"amphora_stats": stats})


async def delete_amphora(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "amphora", "delete", None)
    async with svc.writing() as conn:
        row = await amphorae.get(conn, request.path_params["amphora_id"])
        if row["status"] != "ERROR":
            raise Conflict(f"Amphora {row['id']} is in status {row['status']}; only "
                           "amphorae in ERROR can be deleted.")
        await amphorae.mark_deleted(conn, [row["id"]])
    return empty_response(204)
