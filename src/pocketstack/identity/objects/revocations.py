"""Revocation events: there is no token table, only events that tokens are matched against."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.identity.db import models as m

__all__ = ["prune", "revoke_audit", "revoke_project", "revoke_user"]


async def _record(conn: AsyncConnection, **fields: object) -> None:
    now = time.time()
    await conn.execute(m.revocation_events.insert().values(issued_before=now, revoked_at=now,
                                                           **fields))


async def revoke_audit(conn: AsyncConnection, audit_id: str) -> None:
    """Revoke one token and every token re-scoped from it (they share the audit chain)."""
    await _record(conn, audit_id=audit_id)


async def revoke_user(conn: AsyncConnection, user_id: str) -> None:
    await _record(conn, user_id=user_id)


async def revoke_project(conn: AsyncConnection, project_id: str) -> None:
    await _record(conn, project_id=project_id)


async def prune(conn: AsyncConnection, older_than: float) -> int:
    """Drop events no live token can match any more (older than the longest token life)."""
    result = await conn.execute(sa.delete(m.revocation_events)
                                .where(m.revocation_events.c.revoked_at < older_than))
    return int(result.rowcount or 0)
