"""Domains: the default domain always exists; a domain must be disabled before delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.identity.db import models as m
from pocketstack.identity.objects import rows
from pocketstack.identity.objects.errors import Forbidden, NotFound

__all__ = ["create", "delete", "find", "get", "list_", "update"]

KIND = "domain"


def _shape(row: Any) -> dict[str, Any]:
    data = rows.to_dict(row)
    data.setdefault("options", {})
    return data


async def get(conn: AsyncConnection, ident: str) -> dict[str, Any]:
    return _shape(await rows.fetch_one(conn, m.domains, KIND, ident))


async def list_(conn: AsyncConnection, filters: Mapping[str, str | None]) -> list[dict[str, Any]]:
    return [_shape(r) for r in await rows.list_rows(conn, m.domains, filters)]


async def create(conn: AsyncConnection, values: Mapping[str, Any]) -> dict[str, Any]:
    data = {"description": "", "enabled": True, "tags": [], **values}
    # The caller picks the id only through ``explicit_domain_id``, as in Keystone.
    data["id"] = data.pop("explicit_domain_id", None) or rows.new_id()
    row = rows.split_extra(m.domains, data)
    row["extra"].setdefault("options", {})
    await rows.insert_row(conn, m.domains, KIND, row,
                          f"Duplicate entry found with name {row['name']}.")
    return await get(conn, row["id"])


async def update(conn: AsyncConnection, ident: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    await rows.update_row(conn, m.domains, KIND, ident, changes,
                          f"Duplicate entry found with name {changes.get('name')}.")
    return await get(conn, ident)


async def delete(conn: AsyncConnection, ident: str) -> None:
    domain = await get(conn, ident)
    if domain["enabled"]:
        raise Forbidden("Cannot delete a domain that is enabled, please disable it first.")
    # Everything that hangs off the domain's projects and users goes with them.
    projects = sa.select(m.projects.c.id).where(m.projects.c.domain_id == ident)
    users = sa.select(m.users.c.id).where(m.users.c.domain_id == ident)
    a, creds = m.assignments.c, m.application_credentials.c
    await conn.execute(sa.delete(m.assignments).where(
        a.target_id.in_(projects) | a.actor_id.in_(users) | (a.target_id == ident)))
    await conn.execute(sa.delete(m.application_credentials).where(
        creds.project_id.in_(projects) | creds.user_id.in_(users)))
    for table in (m.projects, m.users):
        await conn.execute(table.delete().where(table.c.domain_id == ident))
    await rows.delete_row(conn, m.domains, KIND, ident)


async def find(conn: AsyncConnection, *, ident: str | None, name: str | None) -> dict[str, Any]:
    """A domain by id or by name (for auth scopes)."""
    if ident:
        return await get(conn, ident)
    found = await list_(conn, {"name": name})
    if not found:
        raise NotFound(KIND, name or "")
    return found[0]
