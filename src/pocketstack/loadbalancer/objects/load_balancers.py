"""Load balancers: a new one, its VIP, its children, its deletion (with or without
cascade)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.loadbalancer.objects import graph, locks
from pocketstack.loadbalancer.objects.errors import Invalid
from pocketstack.loadbalancer.objects.graph import Record

__all__ = ["CHILD_KINDS", "children", "discard", "insert_new", "mark_deleting", "record_vip"]

CHILD_KINDS = ("l7rule", "l7policy", "member", "healthmonitor", "pool", "listener")


async def insert_new(conn: AsyncConnection, spec: dict[str, Any], *, project_id: str,
                     provider: str, topology: str, vip_network_id: str,
                     vip_subnet_id: str) -> Record:
    """The load balancer's row, PENDING_CREATE and OFFLINE, its VIP not yet allocated."""
    record: Record = {
        "id": spec.get("id") or graph.new_id(),
        "project_id": project_id,
        "name": spec.get("name"),
        "description": spec.get("description"),
        "admin_state_up": spec.get("admin_state_up", True) is not False,
        "provisioning_status": "PENDING_CREATE",
        "operating_status": "OFFLINE",
        "topology": topology,
        "provider": provider,
        "flavor_id": spec.get("flavor_id"),
        "availability_zone": spec.get("availability_zone"),
        "vip_network_id": vip_network_id,
        "vip_subnet_id": vip_subnet_id,
        "vip_address": spec.get("vip_address"),
        "vip_port_id": spec.get("vip_port_id"),
        "vip_qos_policy_id": spec.get("vip_qos_policy_id"),
        "vip_sg_ids": spec.get("vip_sg_ids") or [],
        "vip_vnic_type": "normal",
        "additional_vips": spec.get("additional_vips") or [],
        "tags": spec.get("tags") or [],
    }
    return await graph.insert(conn, "loadbalancer", record)


async def record_vip(conn: AsyncConnection, lb_id: str, *, port_id: str,
                     address: str | None) -> None:
    await graph.update(conn, "loadbalancer", lb_id,
                       {"vip_port_id": port_id, "vip_address": address}, touch=False)


async def children(conn: AsyncConnection, lb_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``{"listeners": [{"id"}], "pools": [{"id"}]}`` per load balancer."""
    found: dict[str, dict[str, Any]] = {i: {"listeners": [], "pools": []} for i in lb_ids}
    for kind, key in (("listener", "listeners"), ("pool", "pools")):
        table = graph.KINDS[kind]
        rows = await conn.execute(
            sa.select(table.c.load_balancer_id, table.c.id)
            .where(table.c.load_balancer_id.in_(list(lb_ids)))
            .order_by(table.c.created_at, table.c.id))
        for lb_id, child_id in rows:
            found[lb_id][key].append({"id": child_id})
    return found


async def mark_deleting(conn: AsyncConnection, lb_id: str, *, cascade: bool) -> None:
    """Lock the load balancer for deletion (ACTIVE or ERROR, 409 otherwise); without cascade
    a load balancer with listeners or pools is a 400."""
    lb = await graph.get(conn, "loadbalancer", lb_id, lock=True)
    if not cascade:
        for kind in ("listener", "pool"):
            table = graph.KINDS[kind]
            if (await conn.execute(sa.select(table.c.id).where(
                    table.c.load_balancer_id == lb_id).limit(1))).first():
                raise Invalid.validation(
                    f"Cannot delete Load Balancer {lb_id} - it has children")
    await locks.lock_load_balancer(conn, lb["id"], allowed=("ACTIVE", "ERROR"),
                                   to="PENDING_DELETE")
    for kind in CHILD_KINDS:
        table = graph.KINDS[kind]
        await conn.execute(sa.update(table).where(table.c.load_balancer_id == lb_id)
                           .values(provisioning_status="PENDING_DELETE"))


async def discard(conn: AsyncConnection, lb_id: str) -> None:
    """Remove a load balancer that was never made (its create failed whole), with every
    record of its graph."""
    for kind in CHILD_KINDS:
        table = graph.KINDS[kind]
        await conn.execute(sa.delete(table).where(table.c.load_balancer_id == lb_id))
    await graph.delete(conn, "loadbalancer", [lb_id])

