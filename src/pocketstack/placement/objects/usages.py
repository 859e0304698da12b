"""Usages: sums of allocations, per provider or per project (and user, and consumer type)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.placement.db import models as m
from pocketstack.placement.objects.consumers import UNKNOWN_TYPE

__all__ = ["by_consumer_type", "for_provider", "totals"]

_a = m.allocations
_c = m.consumers
_rc = m.resource_classes
_inv = m.inventories


async def for_provider(conn: AsyncConnection, provider_id: int) -> dict[str, int]:
    """Every class the provider has inventory of, with what is allocated (0 when nothing)."""
    rows = await conn.execute(
        sa.select(_rc.c.name, sa.func.coalesce(sa.func.sum(_a.c.used), 0).label("used"))
        .select_from(
            _inv.join(_rc, _rc.c.id == _inv.c.resource_class_id).outerjoin(
                _a,
                sa.and_(
                    _a.c.resource_provider_id == _inv.c.resource_provider_id,
                    _a.c.resource_class_id == _inv.c.resource_class_id,
                ),
            )
        )
        .where(_inv.c.resource_provider_id == provider_id)
        .group_by(_rc.c.name)
    )
    return {r.name: int(r.used) for r in rows}


def _owned(project_id: str, user_id: str | None) -> tuple[Any, list[Any]]:
    """Allocations joined to their consumer and its project (and user): from, where."""
    joined = _a.join(_c, _c.c.uuid == _a.c.consumer_id).join(
        m.projects, m.projects.c.id == _c.c.project_id
    )
    where: list[Any] = [m.projects.c.external_id == project_id]
    if user_id is not None:
        joined = joined.join(m.users, m.users.c.id == _c.c.user_id)
        where.append(m.users.c.external_id == user_id)
    return joined, where


async def totals(conn: AsyncConnection, project_id: str, user_id: str | None) -> dict[str, int]:
    """GET /usages before 1.38: the project's (or its user's) usage by class."""
    joined, where = _owned(project_id, user_id)
    rows = await conn.execute(
        sa.select(_rc.c.name, sa.func.sum(_a.c.used).label("used"))
        .select_from(joined.join(_rc, _rc.c.id == _a.c.resource_class_id))
        .where(*where)
        .group_by(_rc.c.name)
    )
    return {r.name: int(r.used) for r in rows}


async def by_consumer_type(
    conn: AsyncConnection, project_id: str, user_id: str | None, consumer_type: str | None
) -> dict[str, dict[str, int]]:
    """GET /usages from 1.38: usage by class and ``consumer_count``, per consumer type.

    ``consumer_type`` filters to one type; ``all`` sums every type under ``all``; ``unknown``
    is the consumers that have no type.
    """
    joined, where = _owned(project_id, user_id)
    types = m.consumer_types
    joined = joined.outerjoin(types, types.c.id == _c.c.consumer_type_id)
    group: list[Any] = [] if consumer_type == "all" else [types.c.name]
    if consumer_type == UNKNOWN_TYPE:
        where.append(_c.c.consumer_type_id.is_(None))
    elif consumer_type not in (None, "all"):
        where.append(types.c.name == consumer_type)

    def key(row: Any) -> str:
        return "all" if consumer_type == "all" else row.name or UNKNOWN_TYPE

    found: dict[str, dict[str, int]] = {}
    counts = await conn.execute(
        sa.select(*group, sa.func.count(sa.distinct(_a.c.consumer_id)).label("n"))
        .select_from(joined)
        .where(*where)
        .group_by(*group)
    )
    for r in counts:
        if r.n:
            found[key(r)] = {"consumer_count": int(r.n)}
    sums = await conn.execute(
        sa.select(*group, _rc.c.name.label("rc"), sa.func.sum(_a.c.used).label("used"))
        .select_from(joined.join(_rc, _rc.c.id == _a.c.resource_class_id))
        .where(*where)
        .group_by(*group, _rc.c.name)
    )
    for r in sums:
        found[key(r)][r.rc] = int(r.used)
    return found
