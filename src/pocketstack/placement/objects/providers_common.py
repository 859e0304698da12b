"""What every placement write shares: find a provider, bump its generation (a CAS), log it.

Rule for every object module: a write that changes what a provider offers, has consumed,
its traits, aggregates, name or place in a tree goes through :func:`bump_generation`, which
increments the generation only if it still has the expected value (else
:class:`ConcurrentUpdate`) and appends the provider to the change log that caches follow.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.placement.db import models as m
from pocketstack.placement.errors import RESOURCE_PROVIDER_NOT_FOUND
from pocketstack.placement.objects.errors import BadRequest, ConcurrentUpdate, NotFound

__all__ = [
    "bump_generation",
    "change_rows",
    "now",
    "provider_by_uuid",
    "record_change",
    "resource_class_ids",
    "trait_ids",
]


def now() -> datetime.datetime:
    """Naive UTC, as the tables store it."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


async def provider_by_uuid(conn: AsyncConnection, uuid: str) -> Any:
    row = (await conn.execute(sa.select(m.resource_providers)
                              .where(m.resource_providers.c.uuid == uuid))).first()
    if row is None:
        raise NotFound(f"No resource provider with uuid {uuid} found",
                       code=RESOURCE_PROVIDER_NOT_FOUND)
    return row


def change_rows(provider_ids: Iterable[int | None]) -> list[dict[str, Any]]:
    """The change-log rows (``m.provider_changes``) saying these providers changed now."""
    stamp = time.time()
    return [{"resource_provider_id": pid, "changed_at": stamp} for pid in provider_ids]


async def record_change(conn: AsyncConnection, provider_ids: Iterable[int | None]) -> None:
    """Append providers to the change log (``None``: something global changed)."""
    rows = change_rows(provider_ids)
    if rows:
        await conn.execute(m.provider_changes.insert(), rows)


async def bump_generation(conn: AsyncConnection, provider_id: int,
                          expected: int | None = None) -> int:
    """Increment a provider's generation (CAS on ``expected`` when given); return the new one.

    Also takes the provider's row lock for the rest of the transaction, so a capacity check
    made after it sees every committed allocation.
    """
    rp = m.resource_providers.c
    where = rp.id == provider_id
    if expected is not None:
        where = where & (rp.generation == expected)
    result = await conn.execute(m.resource_providers.update().where(where)
                                .values(generation=rp.generation + 1, updated_at=now()))
    if result.rowcount != 1:  # no UPDATE ... RETURNING: MariaDB lacks it
        raise ConcurrentUpdate("resource provider generation conflict: another process "
                               "changed the provider first. Please update the generation "
                               "and try again.")
    await record_change(conn, [provider_id])
    generation = await conn.scalar(sa.select(rp.generation).where(rp.id == provider_id))
    return int(generation or 0)


async def _ids(conn: AsyncConnection, table: sa.Table, names: Sequence[str],
               kind: str) -> dict[str, int]:
    if not names:
        return {}
    found = {r.name: int(r.id) for r in await conn.execute(
        sa.select(table.c.id, table.c.name).where(table.c.name.in_(set(names))))}
    missing = sorted(set(names) - set(found))
    if missing:
        raise BadRequest(f"Unknown {kind}: {', '.join(missing)}")
    return found


async def resource_class_ids(conn: AsyncConnection, names: Sequence[str]) -> dict[str, int]:
    """Ids of resource classes by name; an unknown name is a 400 (as upstream)."""
    return await _ids(conn, m.resource_classes, names, "resource class")


async def trait_ids(conn: AsyncConnection, names: Sequence[str]) -> dict[str, int]:
    return await _ids(conn, m.traits, names, "traits")
