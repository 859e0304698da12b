"""Application credentials: bound to a user and a project; the secret is shown only once."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.identity.db import models as m
from pocketstack.identity.objects import rows
from pocketstack.identity.objects.errors import NotFound
from pocketstack.identity.passwords import PasswordHasher

__all__ = ["create", "delete", "find_for_auth", "get", "list_"]

KIND = "application_credential"


def _shape(row: Any, role_names: dict[str, str]) -> dict[str, Any]:
    data = rows.to_dict(row, hide=("secret_hash",))
    data["roles"] = [{"id": r, "name": role_names.get(r, ""), "domain_id": None}
                     for r in data["roles"]]
    return data


async def _role_names(conn: AsyncConnection) -> dict[str, str]:
    return {r.id: r.name for r in await conn.execute(sa.select(m.roles.c.id, m.roles.c.name))}


async def get(conn: AsyncConnection, user_id: str, ident: str) -> dict[str, Any]:
    row = await rows.fetch_one(conn, m.application_credentials, KIND, ident)
    if row.user_id != user_id:
        raise NotFound(KIND, ident)
    return _shape(row, await _role_names(conn))


async def list_(conn: AsyncConnection, user_id: str, name: str | None) -> list[dict[str, Any]]:
    found = await rows.list_rows(conn, m.application_credentials,
                                 {"user_id": user_id, "name": name})
    names = await _role_names(conn)
    return [_shape(r, names) for r in found]


async def create(conn: AsyncConnection, hasher: PasswordHasher, *, user_id: str,
                 project_id: str, name: str, description: str | None, secret: str | None,
                 expires_at: float | None, unrestricted: bool, role_ids: Sequence[str],
                 access_rules: list[Any]) -> dict[str, Any]:
    if not secret:
        secret = base64.urlsafe_b64encode(secrets.token_bytes(64)).rstrip(b"=").decode()
    ident = rows.new_id()
    row: dict[str, Any] = {"id": ident, "name": name, "user_id": user_id, "project_id": project_id,
           "secret_hash": await hasher.hash(secret), "description": description,
           "expires_at": expires_at, "unrestricted": unrestricted, "roles": list(role_ids),
           "access_rules": access_rules}
    await rows.insert_row(conn, m.application_credentials, KIND, row,
                          f"Duplicate entry found with name {name}.")
    created = await get(conn, user_id, ident)
    created["secret"] = secret
    return created


async def delete(conn: AsyncConnection, user_id: str, ident: str) -> None:
    await get(conn, user_id, ident)
    await rows.delete_row(conn, m.application_credentials, KIND, ident)


async def find_for_auth(conn: AsyncConnection, *, ident: str | None, name: str | None,
                        user_id: str | None) -> Any:
    """The raw row (with the secret hash) for authentication."""
    if ident:
        return await rows.fetch_one(conn, m.application_credentials, KIND, ident)
    found = await rows.list_rows(conn, m.application_credentials,
                                 {"name": name, "user_id": user_id})
    if not found or not user_id:
        raise NotFound(KIND, name or "")
    return found[0]
