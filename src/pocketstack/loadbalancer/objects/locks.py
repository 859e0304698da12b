"""Octavia's "immutable while pending" rule: every change locks its load balancer's row and
moves it (and the listeners the change touches) to a PENDING state, or answers 409.

One change per load balancer is in flight at a time; the controller moves everything back
to ACTIVE (or the changed object to ERROR) when the data plane has it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.loadbalancer.objects import graph
from pocketstack.loadbalancer.objects.errors import Conflict
from pocketstack.loadbalancer.objects.graph import Record

__all__ = ["listeners_using_pool", "lock_for_child", "lock_load_balancer"]


async def lock_load_balancer(conn: AsyncConnection, lb_id: str, *, allowed: Iterable[str],
                             to: str, project_id: str | None = None) -> Record:
    """Lock the load balancer itself for an update, delete or failover (409 ``Invalid state``
    unless its status is in ``allowed``), and move it to ``to``."""
    lb = await graph.get(conn, "loadbalancer", lb_id, project_id=project_id, lock=True)
    if lb["provisioning_status"] not in set(allowed):
        raise Conflict(f"Invalid state {lb['provisioning_status']} of loadbalancer resource "
                       f"{lb_id}")
    await graph.set_status(conn, "loadbalancer", [lb_id], provisioning=to)
    return lb


async def lock_for_child(conn: AsyncConnection, lb_id: str, *,
                         listener_ids: Iterable[str] = ()) -> Record:
    """Lock the load balancer for a change of one of its children: it must be ACTIVE (409
    ``immutable`` otherwise); it and ``listener_ids`` become PENDING_UPDATE."""
    lb = await graph.get(conn, "loadbalancer", lb_id, lock=True)
    if lb["provisioning_status"] != "ACTIVE":
        raise Conflict(f"Load Balancer {lb_id} is immutable and cannot be updated.")
    await graph.set_status(conn, "loadbalancer", [lb_id], provisioning="PENDING_UPDATE")
    await graph.set_status(conn, "listener", list(listener_ids), provisioning="PENDING_UPDATE")
    return lb


async def listeners_using_pool(conn: AsyncConnection, lb_id: str, pool_id: str) -> list[str]:
    """Listeners whose default pool is ``pool_id`` or whose L7 policies redirect to it."""
    found = {r["id"] for r in await graph.select(conn, "listener", load_balancer_id=lb_id)
             if r.get("default_pool_id") == pool_id}
    found |= {r["listener_id"] for r in await graph.select(conn, "l7policy",
                                                            load_balancer_id=lb_id)
              if r.get("redirect_pool_id") == pool_id}
    return sorted(found)
