"""Amphora rows: the data-plane instances of each load balancer (one STANDALONE for SINGLE,
a MASTER and a BACKUP for ACTIVE_STANDBY), replaced on failover."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.loadbalancer.amphora.model import AmphoraSpec
from pocketstack.loadbalancer.db import models
from pocketstack.loadbalancer.objects.errors import NotFound
from pocketstack.loadbalancer.objects.graph import new_id, now

__all__ = ["ROLES", "get", "list_", "live", "mark_deleted", "plan", "specs"]

_a = models.amphorae
ROLES = {"SINGLE": (("STANDALONE", None),), "ACTIVE_STANDBY": (("MASTER", 100), ("BACKUP", 90))}


async def live(conn: AsyncConnection, lb_id: str) -> list[dict[str, Any]]:
    rows = await conn.execute(sa.select(_a).where(_a.c.load_balancer_id == lb_id,
                                                  _a.c.status != "DELETED").order_by(_a.c.role))
    return [dict(r._mapping) for r in rows]


def specs(rows: list[dict[str, Any]]) -> tuple[AmphoraSpec, ...]:
    return tuple(AmphoraSpec(r["id"], r["role"], r["vrrp_priority"]) for r in rows)


async def plan(conn: AsyncConnection, lb_id: str, topology: str, vip: str | None, *,
               replace: bool) -> tuple[list[dict[str, Any]], list[str]]:
    """The amphorae the load balancer should have (made now where missing, new ones for all
    when ``replace``), and the ids they replace."""
    current = await live(conn, lb_id)
    old = [r["id"] for r in current] if replace else []
    if replace:
        current = []
    have = {r["role"] for r in current}
    for role, priority in ROLES.get(topology, ROLES["SINGLE"]):
        if role not in have:
            await conn.execute(sa.insert(_a).values(
                id=new_id(), load_balancer_id=lb_id, status="ALLOCATED", role=role,
                vrrp_priority=priority, lb_network_ip="127.0.0.1", ha_ip=vip,
                created_at=now()))
    wanted = [r for r in await live(conn, lb_id) if r["id"] not in old]
    return wanted, old


async def mark_deleted(conn: AsyncConnection, ids: list[str]) -> None:
    if ids:
        await conn.execute(sa.update(_a).where(_a.c.id.in_(ids)).values(
            status="DELETED", updated_at=now()))


async def list_(conn: AsyncConnection, lb_id: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(_a).where(_a.c.status != "DELETED").order_by(_a.c.created_at, _a.c.id)
    if lb_id:
        query = query.where(_a.c.load_balancer_id == lb_id)
    return [dict(r._mapping) for r in await conn.execute(query)]


async def get(conn: AsyncConnection, amphora_id: str) -> dict[str, Any]:
    row = (await conn.execute(sa.select(_a).where(_a.c.id == amphora_id))).first()
    if row is None or row.status == "DELETED":
        raise NotFound.of("amphora", amphora_id)
    return dict(row._mapping)
