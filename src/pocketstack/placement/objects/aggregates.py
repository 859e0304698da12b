"""A provider's aggregates: uuids, created in ``placement_aggregates`` on first use.

Setting them goes through ``bump_generation`` (a CAS from 1.19, when the client sends the
generation).
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.placement.db import models as m
from pocketstack.placement.objects.providers_common import bump_generation, provider_by_uuid

__all__ = ["ProviderAggregates", "get", "set_"]

_agg = m.placement_aggregates
_pa = m.provider_aggregates


@dataclasses.dataclass(frozen=True, slots=True)
class ProviderAggregates:
    uuids: list[str]
    generation: int


async def get(conn: AsyncConnection, uuid: str) -> ProviderAggregates:
    rp = await provider_by_uuid(conn, uuid)
    rows = await conn.execute(
        sa.select(_agg.c.uuid)
        .select_from(_agg.join(_pa, _pa.c.aggregate_id == _agg.c.id))
        .where(_pa.c.resource_provider_id == rp.id)
        .order_by(_agg.c.id)
    )
    return ProviderAggregates([r.uuid for r in rows], int(rp.generation))


async def _aggregate_ids(conn: AsyncConnection, uuids: list[str]) -> list[int]:
    """Ids of the aggregates, creating the ones not seen before."""
    if not uuids:
        return []
    known = {
        r.uuid: int(r.id)
        for r in await conn.execute(sa.select(_agg.c.uuid, _agg.c.id).where(_agg.c.uuid.in_(uuids)))
    }
    new = [u for u in uuids if u not in known]
    if new:
        await conn.execute(_agg.insert(), [{"uuid": u} for u in new])
        known.update(
            {
                r.uuid: int(r.id)
                for r in await conn.execute(
                    sa.select(_agg.c.uuid, _agg.c.id).where(_agg.c.uuid.in_(new))
                )
            }
        )
    return [known[u] for u in uuids]


async def set_(
    conn: AsyncConnection, uuid: str, uuids: list[str], generation: int | None
) -> ProviderAggregates:
    """Replace the provider's aggregates (``generation``: the CAS, or None for none)."""
    rp = await provider_by_uuid(conn, uuid)
    new_generation = await bump_generation(conn, int(rp.id), generation)
    ids = await _aggregate_ids(conn, uuids)
    await conn.execute(sa.delete(_pa).where(_pa.c.resource_provider_id == rp.id))
    if ids:
        await conn.execute(
            _pa.insert(), [{"resource_provider_id": rp.id, "aggregate_id": i} for i in ids]
        )
    return ProviderAggregates(list(uuids), new_generation)
