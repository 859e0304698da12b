"""Projects: unique name per domain; a top-level project's parent is its domain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.identity.db import models as m
from pocketstack.identity.objects import rows
from pocketstack.identity.objects.errors import Forbidden, Invalid, NotFound

__all__ = ["create", "delete", "find", "get", "list_", "update"]

KIND = "project"


def _shape(row: Any) -> dict[str, Any]:
    data = rows.to_dict(row)
    data["parent_id"] = data["parent_id"] or data["domain_id"]
    data["is_domain"] = False
    data.setdefault("options", {})
    return data


async def get(conn: AsyncConnection, ident: str) -> dict[str, Any]:
    return _shape(await rows.fetch_one(conn, m.projects, KIND, ident))


async def list_(conn: AsyncConnection, filters: Mapping[str, str | None]) -> list[dict[str, Any]]:
    wanted = dict(filters)
    parent = wanted.pop("parent_id", None)
    is_domain = wanted.pop("is_domain", None)
    if is_domain is not None and is_domain.lower() == "true":
        return []
    found = [_shape(r) for r in await rows.list_rows(conn, m.projects, wanted)]
    return [p for p in found if parent is None or p["parent_id"] == parent]


async def create(conn: AsyncConnection, values: Mapping[str, Any]) -> dict[str, Any]:
    data = {"description": "", "enabled": True, "tags": [], **values, "id": rows.new_id()}
    data.pop("is_domain", None)
    await rows.fetch_one(conn, m.domains, "domain", data["domain_id"])
    parent = data.get("parent_id")
    if parent and parent != data["domain_id"]:
        parent_row = await rows.fetch_one(conn, m.projects, KIND, parent)
        if parent_row.domain_id != data["domain_id"]:
            raise Invalid("The parent project must be in the same domain.")
    else:
        data["parent_id"] = None
    row = rows.split_extra(m.projects, data)
    await rows.insert_row(conn, m.projects, KIND, row,
                          f"Duplicate entry found with name {row['name']} at domain ID "
                          f"{row['domain_id']}.")
    return await get(conn, row["id"])


async def update(conn: AsyncConnection, ident: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    current = await get(conn, ident)
    for fixed in ("domain_id", "parent_id", "is_domain"):
        if fixed in changes and changes[fixed] != current[fixed]:
            raise Invalid(f"Update of `{fixed}` is not allowed.")
    allowed = {k: v for k, v in changes.items() if k not in {"domain_id", "parent_id",
                                                              "is_domain"}}
    await rows.update_row(conn, m.projects, KIND, ident, allowed,
                          f"Duplicate entry found with name {changes.get('name')} at domain "
                          f"ID {current['domain_id']}.")
    return await get(conn, ident)


async def delete(conn: AsyncConnection, ident: str) -> None:
    await rows.fetch_one(conn, m.projects, KIND, ident)
    children = await conn.execute(sa.select(m.projects.c.id).where(m.projects.c.parent_id ==
                                                                     ident))
    if children.first() is not None:
        raise Forbidden(f"Cannot delete the project {ident} since it is not a leaf in the "
                        "hierarchy.")
    await conn.execute(sa.delete(m.assignments).where(m.assignments.c.target_id == ident))
    await conn.execute(sa.delete(m.application_credentials)
                       .where(m.application_credentials.c.project_id == ident))
    await rows.delete_row(conn, m.projects, KIND, ident)


async def find(conn: AsyncConnection, *, ident: str | None, name: str | None,
               domain_id: str | None) -> dict[str, Any]:
    if ident:
        return await get(conn, ident)
    found = await list_(conn, {"name": name, "domain_id": domain_id})
    if not found:
        raise NotFound(KIND, name or "")
    return found[0]
