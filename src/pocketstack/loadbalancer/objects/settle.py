"""The last step of every change: one transaction that makes the records say what the data
plane now has. Pending deletions disappear (with what hangs off them), pending creations and
updates become ACTIVE, the load balancer ACTIVE; or, when the data plane refused, the
changed objects ERROR and their parents ACTIVE again."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.loadbalancer.objects import graph
from pocketstack.loadbalancer.objects.graph import DROP

__all__ = ["settle_deleted", "settle_failure", "settle_success"]

_PENDING = ("PENDING_CREATE", "PENDING_UPDATE")
_ORDER = ("l7rule", "l7policy", "member", "healthmonitor", "pool", "listener")


async def _delete_pending(conn: AsyncConnection, lb_id: str) -> None:
    rows = {kind: await graph.select(conn, kind, load_balancer_id=lb_id) for kind in _ORDER}
    gone = {kind: {r["id"] for r in rs if r["provisioning_status"] == "PENDING_DELETE"}
            for kind, rs in rows.items()}
    # What hangs off a deleted object goes with it.
    gone["l7policy"] |= {p["id"] for p in rows["l7policy"] if p["listener_id"] in gone["listener"]}
    gone["l7rule"] |= {r["id"] for r in rows["l7rule"] if r["l7policy_id"] in gone["l7policy"]}
    gone["member"] |= {m["id"] for m in rows["member"] if m["pool_id"] in gone["pool"]}
    gone["healthmonitor"] |= {m["id"] for m in rows["healthmonitor"]
                              if m["pool_id"] in gone["pool"]}
    for listener in rows["listener"]:
        if listener.get("default_pool_id") in gone["pool"] and listener["id"] not in \
                gone["listener"]:
            await graph.update(conn, "listener", listener["id"], {"default_pool_id": None})
    unmonitored = {m["pool_id"] for m in rows["healthmonitor"] if m["id"] in gone["healthmonitor"]}
    await graph.set_status(conn, "member", [m["id"] for m in rows["member"]
                                            if m["pool_id"] in unmonitored],
                           operating="NO_MONITOR", touch=False)
    for kind in _ORDER:
        await graph.delete(conn, kind, sorted(gone[kind]))


async def settle_success(conn: AsyncConnection, lb_id: str) -> None:
    await _delete_pending(conn, lb_id)
    for kind in _ORDER:
        pending = [r for r in await graph.select(conn, kind, load_balancer_id=lb_id)
                   if r["provisioning_status"] in _PENDING]
        await graph.set_status(conn, kind, [r["id"] for r in pending], provisioning="ACTIVE")
        if kind in ("healthmonitor", "l7policy", "l7rule"):
            for state in (True, False):
                await graph.set_status(conn, kind, [r["id"] for r in pending
                                                    if bool(r["admin_state_up"]) is state],
                                       operating="ONLINE" if state else "OFFLINE", touch=False)
    await graph.update(conn, "loadbalancer", lb_id,
                       {"provisioning_status": "ACTIVE", "_failover": DROP})


async def settle_failure(conn: AsyncConnection, lb_id: str, *, creating: bool) -> None:
    for kind in _ORDER:
        rows = await graph.select(conn, kind, load_balancer_id=lb_id)
        failed = [r["id"] for r in rows if r["provisioning_status"] in
                  ("PENDING_CREATE", "PENDING_DELETE") or (
                      r["provisioning_status"] == "PENDING_UPDATE"
                      and kind not in ("listener", "pool"))]
        parents = [r["id"] for r in rows if r["provisioning_status"] == "PENDING_UPDATE"
                   and kind in ("listener", "pool")]
        await graph.set_status(conn, kind, failed, provisioning="ERROR")
        await graph.set_status(conn, kind, parents, provisioning="ACTIVE")
    await graph.update(conn, "loadbalancer", lb_id, {
        "provisioning_status": "ERROR" if creating else "ACTIVE", "_failover": DROP})


async def settle_deleted(conn: AsyncConnection, lb_id: str) -> None:
    for kind in _ORDER:
        await graph.delete(conn, kind, [r["id"] for r in await graph.select(
            conn, kind, load_balancer_id=lb_id)])
    await graph.update(conn, "loadbalancer", lb_id, {
        "provisioning_status": "DELETED", "deleted_at": graph.now()})
