"""Allocations: what consumers hold on providers; claims replace them (:mod:`.claims`).

:func:`replace` makes one request's claims inside a caller's transaction (the reshaper's);
HTTP claims go through the service's :class:`~.claim_writer.ClaimWriter`, which settles the
requests waiting at once in one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.placement.db import models as m
from pocketstack.placement.objects import consumers
from pocketstack.placement.objects.claims import Claim, apply_batch
from pocketstack.placement.objects.errors import NotFound
from pocketstack.placement.objects.providers_common import record_change

__all__ = [
    "Claim",
    "ConsumerAllocations",
    "delete_for_consumer",
    "for_consumer",
    "for_provider",
    "replace",
]

_a = m.allocations
_rp = m.resource_providers
_rc = m.resource_classes


async def replace(conn: AsyncConnection, claims: Sequence[Claim]) -> None:
    """Give each consumer exactly its claimed allocations, all or nothing (else raise)."""
    [outcome] = await conn.run_sync(apply_batch, [claims])
    if outcome is not None:
        raise outcome


async def delete_for_consumer(conn: AsyncConnection, uuid: str) -> None:
    """DELETE /allocations/{consumer}: its allocations and the consumer go (404: none).

    As upstream, provider generations do not change; the providers go to the change log.
    """
    held = await conn.execute(
        sa.select(_a.c.resource_provider_id).distinct().where(_a.c.consumer_id == uuid)
    )
    providers = sorted(int(rp_id) for rp_id in held.scalars())
    if not providers:
        raise NotFound(f"No allocations for consumer '{uuid}'")
    await conn.execute(_a.delete().where(_a.c.consumer_id == uuid))
    await conn.execute(m.consumers.delete().where(m.consumers.c.uuid == uuid))
    await record_change(conn, providers)


@dataclasses.dataclass(frozen=True, slots=True)
class ConsumerAllocations:
    """GET /allocations/{consumer}: what it holds, by provider, and who it belongs to."""

    allocations: dict[str, dict[str, Any]]  # provider uuid -> {generation, resources}
    project_id: str | None = None
    user_id: str | None = None
    generation: int | None = None
    consumer_type: str | None = None
    last_modified: datetime.datetime | None = None


async def for_consumer(conn: AsyncConnection, uuid: str) -> ConsumerAllocations:
    c, p, u, t = m.consumers, m.projects, m.users, m.consumer_types
    rows = (
        await conn.execute(
            sa.select(
                _rp.c.uuid.label("rp_uuid"),
                _rp.c.generation.label("rp_generation"),
                _rc.c.name,
                _a.c.used,
                _a.c.created_at,
                c.c.generation,
                p.c.external_id.label("project"),
                u.c.external_id.label("user"),
                t.c.name.label("type"),
            )
            .select_from(
                _a.join(_rp, _rp.c.id == _a.c.resource_provider_id)
                .join(_rc, _rc.c.id == _a.c.resource_class_id)
                .join(c, c.c.uuid == _a.c.consumer_id)
                .join(p, p.c.id == c.c.project_id)
                .join(u, u.c.id == c.c.user_id)
                .outerjoin(t, t.c.id == c.c.consumer_type_id)
            )
            .where(_a.c.consumer_id == uuid)
            .order_by(_a.c.id)
        )
    ).all()
    if not rows:
        return ConsumerAllocations({})
    by_provider: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = by_provider.setdefault(r.rp_uuid, {"generation": r.rp_generation, "resources": {}})
        entry["resources"][r.name] = r.used
    first = rows[0]
    return ConsumerAllocations(
        by_provider,
        first.project,
        first.user,
        first.generation,
        first.type or consumers.UNKNOWN_TYPE,
        max(r.created_at for r in rows),
    )


async def for_provider(
    conn: AsyncConnection, provider_id: int
) -> tuple[dict[str, dict[str, Any]], datetime.datetime | None]:
    """A provider's allocations by consumer ({resources, consumer_generation})."""
    c = m.consumers
    rows = await conn.execute(
        sa.select(_a.c.consumer_id, _rc.c.name, _a.c.used, _a.c.created_at, c.c.generation)
        .select_from(
            _a.join(_rc, _rc.c.id == _a.c.resource_class_id).join(c, c.c.uuid == _a.c.consumer_id)
        )
        .where(_a.c.resource_provider_id == provider_id)
        .order_by(_a.c.id)
    )
    found: dict[str, dict[str, Any]] = {}
    modified: datetime.datetime | None = None
    for r in rows:
        entry = found.setdefault(
            r.consumer_id, {"resources": {}, "consumer_generation": r.generation}
        )
        entry["resources"][r.name] = r.used
        modified = r.created_at if modified is None else max(modified, r.created_at)
    return found, modified
