"""Role assignments: grants of a role to a user on a project, a domain or the system."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.identity.db import models as m
from pocketstack.identity.objects import rows
from pocketstack.identity.objects.errors import NotFound

__all__ = ["Grant", "check", "grant", "list_assignments", "revoke", "roles_of"]

TARGETS = {"UserProject": (m.projects, "project"), "UserDomain": (m.domains, "domain")}


@dataclasses.dataclass(frozen=True)
class Grant:
    type: str  # UserProject, UserDomain, UserSystem
    actor_id: str
    target_id: str
    role_id: str
    inherited: bool = False


async def _check_parts(conn: AsyncConnection, g: Grant, *, role: bool = True) -> None:
    await rows.fetch_one(conn, m.users, "user", g.actor_id)
    if role:
        await rows.fetch_one(conn, m.roles, "role", g.role_id)
    if g.type in TARGETS:
        table, kind = TARGETS[g.type]
        await rows.fetch_one(conn, table, kind, g.target_id)


def _where(g: Grant) -> Any:
    a = m.assignments.c
    return ((a.type == g.type) & (a.actor_id == g.actor_id) & (a.target_id == g.target_id)
            & (a.role_id == g.role_id) & (a.inherited == g.inherited))


async def grant(conn: AsyncConnection, g: Grant) -> None:
    await _check_parts(conn, g)
    try:
        async with conn.begin_nested():
            await conn.execute(m.assignments.insert().values(**dataclasses.asdict(g)))
    except IntegrityError:
        pass  # granting twice is not an error


async def check(conn: AsyncConnection, g: Grant) -> None:
    await _check_parts(conn, g)
    if (await conn.execute(sa.select(m.assignments.c.role_id).where(_where(g)))).first() is None:
        raise NotFound("role assignment", g.role_id)


async def revoke(conn: AsyncConnection, g: Grant) -> None:
    await _check_parts(conn, g)
    result = await conn.execute(sa.delete(m.assignments).where(_where(g)))
    if not result.rowcount:
        raise NotFound("role assignment", g.role_id)


async def roles_of(conn: AsyncConnection, type_: str, actor_id: str, target_id: str,
                   inherited: bool = False) -> list[dict[str, Any]]:
    await _check_parts(conn, Grant(type_, actor_id, target_id, "", inherited), role=False)
    a, r = m.assignments.c, m.roles
    query = (sa.select(r).join(m.assignments, a.role_id == r.c.id)
             .where((a.type == type_) & (a.actor_id == actor_id) & (a.target_id == target_id)
                    & (a.inherited == inherited)).order_by(r.c.name))
    found = []
    for row in await conn.execute(query):
        data = rows.to_dict(row)
        data["domain_id"] = None if data["domain_id"] == m.GLOBAL else data["domain_id"]
        data.setdefault("options", {})
        found.append(data)
    return found


async def list_assignments(conn: AsyncConnection, *, user_id: str | None = None,
                           role_id: str | None = None, project_id: str | None = None,
                           domain_id: str | None = None, system: bool = False) -> list[Grant]:
    a = m.assignments.c
    query = sa.select(m.assignments)
    if user_id:
        query = query.where(a.actor_id == user_id)
    if role_id:
        query = query.where(a.role_id == role_id)
    if project_id:
        query = query.where((a.type == "UserProject") & (a.target_id == project_id))
    if domain_id:
        query = query.where((a.type == "UserDomain") & (a.target_id == domain_id))
    if system:
        query = query.where(a.type == "UserSystem")
    query = query.order_by(a.type, a.target_id, a.actor_id, a.role_id)
    return [Grant(r.type, r.actor_id, r.target_id, r.role_id, r.inherited)
            for r in await conn.execute(query)]
