"""Roles (global or domain-specific) and implied roles (admin => manager => member => reader)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.identity.db import models as m
from pocketstack.identity.objects import rows
from pocketstack.identity.objects.errors import Conflict, Invalid, NotFound

__all__ = ["add_implied", "create", "delete", "get", "list_", "list_implied", "remove_implied",
           "update"]

KIND = "role"


def _shape(row: Any) -> dict[str, Any]:
    data = rows.to_dict(row)
    if data["domain_id"] == m.GLOBAL:
        data["domain_id"] = None
    data.setdefault("options", {})
    return data


async def get(conn: AsyncConnection, ident: str) -> dict[str, Any]:
    return _shape(await rows.fetch_one(conn, m.roles, KIND, ident))


async def list_(conn: AsyncConnection, filters: Mapping[str, str | None]) -> list[dict[str, Any]]:
    wanted = dict(filters)
    wanted["domain_id"] = wanted.get("domain_id") or m.GLOBAL
    return [_shape(r) for r in await rows.list_rows(conn, m.roles, wanted)]


async def create(conn: AsyncConnection, values: Mapping[str, Any]) -> dict[str, Any]:
    data = {"description": None, **values, "id": rows.new_id()}
    data["domain_id"] = data.get("domain_id") or m.GLOBAL
    row = rows.split_extra(m.roles, data)
    await rows.insert_row(conn, m.roles, KIND, row,
                          f"Duplicate entry found with name {row['name']}.")
    return await get(conn, row["id"])


async def update(conn: AsyncConnection, ident: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    current = await get(conn, ident)
    if "domain_id" in changes and changes["domain_id"] != current["domain_id"]:
        raise Invalid("Update of `domain_id` is not allowed.")
    allowed = {k: v for k, v in changes.items() if k != "domain_id"}
    await rows.update_row(conn, m.roles, KIND, ident, allowed,
                          f"Duplicate entry found with name {changes.get('name')}.")
    return await get(conn, ident)


async def delete(conn: AsyncConnection, ident: str) -> None:
    await rows.fetch_one(conn, m.roles, KIND, ident)
    await conn.execute(sa.delete(m.assignments).where(m.assignments.c.role_id == ident))
    await conn.execute(sa.delete(m.implied_roles).where(
        (m.implied_roles.c.prior_role_id == ident) | (m.implied_roles.c.implied_role_id == ident)))
    await rows.delete_row(conn, m.roles, KIND, ident)


async def add_implied(conn: AsyncConnection, prior: str, implied: str) -> None:
    await get(conn, prior)
    await get(conn, implied)
    if prior == implied:
        raise Invalid("A role cannot imply itself.")
    try:
        async with conn.begin_nested():
            await conn.execute(m.implied_roles.insert().values(prior_role_id=prior,
                                                               implied_role_id=implied))
    except IntegrityError:
        raise Conflict("Conflict occurred attempting to store implied_role - Duplicate entry."
                       ) from None


async def remove_implied(conn: AsyncConnection, prior: str, implied: str) -> None:
    result = await conn.execute(sa.delete(m.implied_roles).where(
        (m.implied_roles.c.prior_role_id == prior)
        & (m.implied_roles.c.implied_role_id == implied)))
    if not result.rowcount:
        raise NotFound("implied role", f"{prior} implies {implied}")


async def list_implied(conn: AsyncConnection, prior: str | None = None) -> list[tuple[str, str]]:
    query = sa.select(m.implied_roles)
    if prior:
        query = query.where(m.implied_roles.c.prior_role_id == prior)
    return [(r.prior_role_id, r.implied_role_id) for r in await conn.execute(query)]
