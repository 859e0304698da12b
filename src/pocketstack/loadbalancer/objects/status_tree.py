"""The ``/status`` tree of a load balancer, as Octavia's code builds it (not its api-ref)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.loadbalancer.objects import graph
from pocketstack.loadbalancer.objects.graph import Record

__all__ = ["build"]


def _head(record: Record) -> dict[str, Any]:
    return {"id": record["id"], "name": record.get("name") or "",
            "provisioning_status": record["provisioning_status"],
            "operating_status": record["operating_status"]}


async def build(conn: AsyncConnection, lb: Record) -> dict[str, Any]:
    lb_id = lb["id"]
    listeners = await graph.select(conn, "listener", load_balancer_id=lb_id)
    pools = {p["id"]: p for p in await graph.select(conn, "pool", load_balancer_id=lb_id)}
    members = await graph.select(conn, "member", load_balancer_id=lb_id)
    monitors = {m["pool_id"]: m for m in await graph.select(conn, "healthmonitor",
                                                             load_balancer_id=lb_id)}
    policies = await graph.select(conn, "l7policy", load_balancer_id=lb_id)

    def pool_tree(pool: Record) -> dict[str, Any]:
        tree = _head(pool)
        monitor = monitors.get(pool["id"])
        if monitor is not None:
            tree["health_monitor"] = {**_head(monitor), "type": monitor["type"]}
        tree["members"] = [{**_head(m), "address": m["address"],
                            "protocol_port": m["protocol_port"]}
                           for m in members if m["pool_id"] == pool["id"]]
        return tree

    out_listeners = []
    for listener in listeners:
        used = [listener.get("default_pool_id")] + [
            p.get("redirect_pool_id") for p in policies if p["listener_id"] == listener["id"]]
        seen: list[str] = []
        for pool_id in used:
            if pool_id and pool_id in pools and pool_id not in seen:
                seen.append(pool_id)
        out_listeners.append({**_head(listener), "pools": [pool_tree(pools[p]) for p in seen]})
    return {**_head(lb), "listeners": out_listeners}
