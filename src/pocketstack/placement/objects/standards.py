"""The standard resource classes and traits (from os-resource-classes and os-traits)."""

from __future__ import annotations

import os_resource_classes
import os_traits
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.placement.db import models as m
from pocketstack.placement.objects.providers_common import now

__all__ = ["STANDARD_CLASSES", "STANDARD_TRAITS", "ensure_standards"]

STANDARD_CLASSES: tuple[str, ...] = tuple(os_resource_classes.STANDARDS)
STANDARD_TRAITS: tuple[str, ...] = tuple(sorted(os_traits.get_traits()))


async def _ensure(conn: AsyncConnection, table: sa.Table, names: tuple[str, ...]) -> None:
    have = {r.name for r in await conn.execute(sa.select(table.c.name))}
    stamp = now()
    missing = [{"name": n, "created_at": stamp, "updated_at": stamp}
               for n in names if n not in have]
    if missing:
        await conn.execute(table.insert(), missing)


async def ensure_standards(conn: AsyncConnection) -> None:
    """Insert the standard classes (in their standard order) and traits that are missing."""
    await _ensure(conn, m.resource_classes, STANDARD_CLASSES)
    await _ensure(conn, m.traits, STANDARD_TRAITS)
