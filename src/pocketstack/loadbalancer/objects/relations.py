"""The relation lists Octavia shows on each object (``loadbalancers: [{"id"}]`` and the
like), read for a whole page of records at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.loadbalancer.objects import graph
from pocketstack.loadbalancer.objects.graph import Record

__all__ = ["of", "of_health_monitors", "of_l7policies", "of_listeners", "of_pools"]

Relations = dict[str, dict[str, Any]]


def _lbs(records: Sequence[Record]) -> list[str]:
    return sorted({r["load_balancer_id"] for r in records})


async def of_listeners(conn: AsyncConnection, records: Sequence[Record]) -> Relations:
    policies = await graph.select(conn, "l7policy", listener_id=[r["id"] for r in records])
    return {r["id"]: {"loadbalancers": [{"id": r["load_balancer_id"]}],
                      "l7policies": [{"id": p["id"]} for p in policies
                                     if p["listener_id"] == r["id"]]}
            for r in records}


async def of_pools(conn: AsyncConnection, records: Sequence[Record]) -> Relations:
    lbs = _lbs(records)
    listeners = await graph.select(conn, "listener", load_balancer_id=lbs)
    policies = await graph.select(conn, "l7policy", load_balancer_id=lbs)
    members = await graph.select(conn, "member", pool_id=[r["id"] for r in records])
    monitors = await graph.select(conn, "healthmonitor", pool_id=[r["id"] for r in records])
    out: Relations = {}
    for r in records:
        using = [x["id"] for x in listeners if x.get("default_pool_id") == r["id"]]
        using += [p["listener_id"] for p in policies
                  if p.get("redirect_pool_id") == r["id"] and p["listener_id"] not in using]
        monitor = next((m["id"] for m in monitors if m["pool_id"] == r["id"]), None)
        out[r["id"]] = {"loadbalancers": [{"id": r["load_balancer_id"]}],
                        "listeners": [{"id": i} for i in using],
                        "members": [{"id": m["id"]} for m in members if m["pool_id"] == r["id"]],
                        "healthmonitor_id": monitor}
    return out


async def of_health_monitors(conn: AsyncConnection, records: Sequence[Record]) -> Relations:
    return {r["id"]: {"pools": [{"id": r["pool_id"]}]} for r in records}


async def of_l7policies(conn: AsyncConnection, records: Sequence[Record]) -> Relations:
    rules = await graph.select(conn, "l7rule", l7policy_id=[r["id"] for r in records])
    return {r["id"]: {"rules": [{"id": x["id"]} for x in rules if x["l7policy_id"] == r["id"]]}
            for r in records}


async def of(conn: AsyncConnection, kind: str, records: Sequence[Record]) -> Relations:
    """The relations of ``records`` of ``kind`` (none for members and rules)."""
    finder = {"listener": of_listeners, "pool": of_pools,
              "healthmonitor": of_health_monitors, "l7policy": of_l7policies}.get(kind)
    return {} if finder is None else await finder(conn, records)
