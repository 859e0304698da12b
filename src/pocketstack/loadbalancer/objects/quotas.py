"""Quotas per project: custom rows over configured defaults, checked by counting objects."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.common.settings import LoadBalancerSettings
from pocketstack.loadbalancer.db import models
from pocketstack.loadbalancer.objects import graph
from pocketstack.loadbalancer.objects.errors import RESOURCE_NAMES, Forbidden

__all__ = ["ITEMS", "check", "defaults", "delete", "effective", "list_custom", "set_"]

# Quota item (storage and API name) -> the graph kind it counts.
ITEMS = {
    "load_balancer": "loadbalancer",
    "listener": "listener",
    "pool": "pool",
    "member": "member",
    "health_monitor": "healthmonitor",
    "l7policy": "l7policy",
    "l7rule": "l7rule",
}
_q = models.quotas


def defaults(settings: LoadBalancerSettings) -> dict[str, int]:
    return {item: int(getattr(settings, f"quota_{item}")) for item in ITEMS}


async def effective(conn: AsyncConnection, settings: LoadBalancerSettings,
                    project_id: str) -> dict[str, int]:
    values = defaults(settings)
    row = (await conn.execute(sa.select(_q).where(_q.c.project_id == project_id))).first()
    if row is not None:
        values.update({k: v for k, v in row._mapping.items() if k in ITEMS and v is not None})
    return values


async def list_custom(conn: AsyncConnection, project_id: str | None) -> list[str]:
    query = sa.select(_q.c.project_id).order_by(_q.c.project_id)
    if project_id is not None:
        query = query.where(_q.c.project_id == project_id)
    return list((await conn.execute(query)).scalars())


async def set_(conn: AsyncConnection, project_id: str, values: Mapping[str, int | None]) -> None:
    exists = (await conn.execute(sa.select(_q.c.project_id).where(
        _q.c.project_id == project_id))).first()
    if exists is None:
        await conn.execute(sa.insert(_q).values(project_id=project_id, **values))
    elif values:
        await conn.execute(sa.update(_q).where(_q.c.project_id == project_id).values(**values))


async def delete(conn: AsyncConnection, project_id: str) -> None:
    await conn.execute(sa.delete(_q).where(_q.c.project_id == project_id))


async def check(conn: AsyncConnection, settings: LoadBalancerSettings, project_id: str,
                adding: Mapping[str, int]) -> None:
    """403 when adding ``adding`` (graph kind -> count) would pass a limit of the project."""
    limits = await effective(conn, settings, project_id)
    for item, kind in ITEMS.items():
        wanted = adding.get(kind, 0)
        if not wanted or limits[item] < 0:
            continue
        table = graph.KINDS[kind]
        used = (await conn.execute(sa.select(sa.func.count()).select_from(table).where(
            table.c.project_id == project_id,
            table.c.provisioning_status != "DELETED"))).scalar_one()
        if used + wanted > limits[item]:
            raise Forbidden(f"Quota has been met for resources: {RESOURCE_NAMES[kind]}")
