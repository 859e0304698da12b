"""Users: unique name per domain; the password is hashed and never returned."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.identity.db import models as m
from pocketstack.identity.objects import revocations, rows
from pocketstack.identity.objects.errors import Invalid, NotFound, Unauthorized
from pocketstack.identity.passwords import PasswordHasher

__all__ = ["change_password", "create", "delete", "find", "get", "list_", "update"]

KIND = "user"


def _shape(row: Any) -> dict[str, Any]:
    data = rows.to_dict(row, hide=("password_hash",))
    data.setdefault("options", {})
    data["password_expires_at"] = None
    return data


async def get(conn: AsyncConnection, ident: str) -> dict[str, Any]:
    return _shape(await rows.fetch_one(conn, m.users, KIND, ident))


async def list_(conn: AsyncConnection, filters: Mapping[str, str | None]) -> list[dict[str, Any]]:
    return [_shape(r) for r in await rows.list_rows(conn, m.users, filters)]


async def create(conn: AsyncConnection, hasher: PasswordHasher,
                 values: Mapping[str, Any]) -> dict[str, Any]:
    data = {"enabled": True, **values, "id": rows.new_id()}
    password = data.pop("password", None)
    data["password_hash"] = await hasher.hash(password) if password else None
    await rows.fetch_one(conn, m.domains, "domain", data["domain_id"])
    row = rows.split_extra(m.users, data)
    await rows.insert_row(conn, m.users, KIND, row,
                          f"Duplicate entry found with name {row['name']} at domain ID "
                          f"{row['domain_id']}.")
    return await get(conn, row["id"])


async def update(conn: AsyncConnection, hasher: PasswordHasher, ident: str,
                 changes: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(changes)
    current = await rows.fetch_one(conn, m.users, KIND, ident)
    if data.get("domain_id", current.domain_id) != current.domain_id:
        raise Invalid("Update of `domain_id` is not allowed.")
    data.pop("domain_id", None)
    if "password" in data:
        password = data.pop("password")
        data["password_hash"] = await hasher.hash(password) if password else None
        await revocations.revoke_user(conn, ident)
    if data.get("enabled") is False:
        await revocations.revoke_user(conn, ident)
    await rows.update_row(conn, m.users, KIND, ident, data,
                          f"Duplicate entry found with name {data.get('name')} at domain ID "
                          f"{current.domain_id}.")
    return await get(conn, ident)


async def change_password(conn: AsyncConnection, hasher: PasswordHasher, ident: str,
                          original: str, new: str) -> None:
    row = await rows.fetch_one(conn, m.users, KIND, ident)
    if not await hasher.verify(original, row.password_hash):
        raise Unauthorized("The password you entered is incorrect.")
    await update(conn, hasher, ident, {"password": new})


async def delete(conn: AsyncConnection, ident: str) -> None:
    await rows.delete_row(conn, m.users, KIND, ident)
    await conn.execute(sa.delete(m.assignments).where(m.assignments.c.actor_id == ident))
    await conn.execute(sa.delete(m.application_credentials)
                       .where(m.application_credentials.c.user_id == ident))
    await revocations.revoke_user(conn, ident)


async def find(conn: AsyncConnection, *, ident: str | None, name: str | None,
               domain_id: str | None) -> Any:
    """The raw row (with the password hash) for authentication."""
    if ident:
        return await rows.fetch_one(conn, m.users, KIND, ident)
    found = await rows.list_rows(conn, m.users, {"name": name, "domain_id": domain_id})
    if not found:
        raise NotFound(KIND, name or "")
    return found[0]
