"""The health watcher: reads each serving load balancer's data plane and moves operating
statuses as Octavia's health manager does with heartbeats (spec §1.2).

Only this watcher changes operating statuses of load balancers, listeners, pools and
members; provisioning flows never do. A load balancer on the no-op provider is never
watched, so its statuses stay OFFLINE, as upstream's no-op deployments.
"""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa

from pocketstack.loadbalancer.amphora.base import HealthReport
from pocketstack.loadbalancer.db import models
from pocketstack.loadbalancer.objects import graph
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.objects.providers import PROVIDERS
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["derive", "watch_health"]

log = logging.getLogger("pocketstack.loadbalancer")
Statuses = dict[str, dict[str, str]]  # kind -> id -> operating status
_MEMBER = {"UP": "ONLINE", "DOWN": "ERROR", "DRAIN": "DRAINING", "MAINT": "OFFLINE",
           "no check": "NO_MONITOR"}
# Listeners a data plane serves (SCTP is recorded only).
_SERVED_PROTOCOLS = ("HTTP", "HTTPS", "TCP", "TERMINATED_HTTPS", "PROMETHEUS", "UDP")


def derive(report: HealthReport, lb: Record, rows: dict[str, list[Record]]) -> Statuses:
    """Operating statuses from one observation (a pure function of its inputs)."""
    out: Statuses = {"loadbalancer": {}, "listener": {}, "pool": {}, "member": {}}
    lb_status = "ONLINE" if lb["admin_state_up"] else "OFFLINE"
    if lb["admin_state_up"] and not report.alive:
        lb_status = "ERROR"
    for listener in rows["listener"]:
        if not listener["admin_state_up"] or not lb["admin_state_up"] or \
                listener["protocol"] not in _SERVED_PROTOCOLS:
            state = "OFFLINE"
        else:
            state = {"OPEN": "ONLINE", "FULL": "DEGRADED"}.get(
                report.listeners.get(listener["id"], ""), "ERROR")
            if state == "DEGRADED" and lb_status == "ONLINE":
                lb_status = "DEGRADED"
        out["listener"][listener["id"]] = state
    for pool in rows["pool"]:
        pool_state = {"UP": "ONLINE", "DOWN": "ERROR"}.get(report.pools.get(pool["id"], ""),
                                                           "OFFLINE")
        if not pool["admin_state_up"]:
            pool_state = "OFFLINE"
        for member in (m for m in rows["member"] if m["pool_id"] == pool["id"]):
            reported = report.members.get(member["id"])
            state = _MEMBER.get(reported or "", "OFFLINE")
            if reported is None and member["operating_status"] == "NO_MONITOR":
                state = "NO_MONITOR"
            if not member["admin_state_up"]:
                state = "OFFLINE"
            if state == "ERROR" and pool_state == "ONLINE":
                pool_state = "DEGRADED"
            out["member"][member["id"]] = state
        if pool_state == "ERROR":
            lb_status = "ERROR" if lb_status != "OFFLINE" else lb_status
        elif pool_state == "DEGRADED" and lb_status == "ONLINE":
            lb_status = "DEGRADED"
        out["pool"][pool["id"]] = pool_state
    out["loadbalancer"][lb["id"]] = lb_status
    return out


async def _observe(svc: LoadBalancerService, lb: Record) -> None:
    report = await svc.driver_for(lb["provider"]).health(lb["id"])
    async with svc.reading() as conn:
        rows = {kind: [r for r in await graph.select(conn, kind, load_balancer_id=lb["id"])
                       if r["provisioning_status"] not in ("PENDING_DELETE", "DELETED")]
                for kind in ("listener", "pool", "member")}
    wanted = derive(report, lb, rows)
    current = {kind: {r["id"]: r["operating_status"] for r in rs} for kind, rs in rows.items()}
    current["loadbalancer"] = {lb["id"]: lb["operating_status"]}
    changes = {(kind, status): [i for i, s in ids.items() if s == status
                                and current[kind].get(i) != s]
               for kind, ids in wanted.items() for status in set(ids.values())}
    if not any(changes.values()):
        return
    async with svc.writing() as conn:
        for (kind, status), ids in changes.items():
            await graph.set_status(conn, kind, ids, operating=status, touch=False)


async def watch_health(svc: LoadBalancerService) -> None:
    """Until cancelled: every ``health_check_interval`` seconds, observe every ACTIVE load
    balancer served by a real data plane."""
    watched = [name for name, (_, key) in PROVIDERS.items() if key == "amphora"]
    table = models.load_balancers
    while True:
        await asyncio.sleep(svc.settings.loadbalancer.health_check_interval)
        try:
            async with svc.reading() as conn:
                ids = list((await conn.execute(sa.select(table.c.id).where(
                    table.c.provisioning_status == "ACTIVE",
                    table.c.provider.in_(watched)))).scalars())
            for lb_id in ids:
                async with svc.reading() as conn:
                    lb = await graph.get(conn, "loadbalancer", lb_id)
                if lb["provisioning_status"] == "ACTIVE":
                    await _observe(svc, lb)
        except Exception:  # a bad round is logged; the next one tries again
            log.exception("health check round failed")
