"""Traits (standard from os-traits, custom ``CUSTOM_*``) and the traits of a provider.

Setting or clearing a provider's traits goes through ``bump_generation`` (a CAS when the
client sent the generation). Creating or deleting a trait is logged as a global change.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.placement.db import models as m
from pocketstack.placement.objects.errors import BadRequest, Conflict, NotFound
from pocketstack.placement.objects.providers_common import (
    bump_generation,
    now,
    provider_by_uuid,
    record_change,
)

__all__ = [
    "TraitFilters",
    "TraitSet",
    "clear_for_provider",
    "delete",
    "ensure",
    "get",
    "list_",
    "list_for_provider",
    "set_for_provider",
]

_t = m.traits
_pt = m.provider_traits


@dataclasses.dataclass(frozen=True)
class TraitFilters:
    names: frozenset[str] | None = None  # name=in:A,B
    prefix: str | None = None  # name=startswith:CUSTOM_
    associated: bool | None = None  # with at least one provider, or with none


@dataclasses.dataclass(frozen=True, slots=True)
class TraitSet:
    """Trait names (sorted), their newest change, and the provider's generation if any."""

    names: list[str]
    last_modified: datetime.datetime | None
    generation: int = 0


def _trait_set(rows: Any, generation: int = 0) -> TraitSet:
    found = list(rows)
    newest = max((r.updated_at or r.created_at for r in found), default=None)
    return TraitSet(sorted(r.name for r in found), newest, generation)


async def list_(conn: AsyncConnection, wanted: TraitFilters) -> TraitSet:
    query = sa.select(_t.c.name, _t.c.created_at, _t.c.updated_at)
    if wanted.names is not None:
        query = query.where(_t.c.name.in_(sorted(wanted.names)))
    if wanted.prefix is not None:
        query = query.where(_t.c.name.startswith(wanted.prefix, autoescape=True))
    if wanted.associated is not None:
        linked = _t.c.id.in_(sa.select(_pt.c.trait_id))
        query = query.where(linked if wanted.associated else sa.not_(linked))
    return _trait_set(await conn.execute(query))


async def get(conn: AsyncConnection, name: str) -> TraitSet:
    rows = list(await conn.execute(sa.select(_t).where(_t.c.name == name)))
    if not rows:
        raise NotFound(f"No such trait(s): {name}.")
    return _trait_set(rows)


async def ensure(conn: AsyncConnection, name: str) -> tuple[TraitSet, bool]:
    """The trait called ``name``, created if missing; True when this call created it."""
    try:
        return await get(conn, name), False
    except NotFound:
        pass
    stamp = now()
    await conn.execute(_t.insert().values(name=name, created_at=stamp, updated_at=stamp))
    await record_change(conn, [None])
    return await get(conn, name), True


async def delete(conn: AsyncConnection, name: str) -> None:
    """Delete a custom trait that no provider has."""
    row = (await conn.execute(sa.select(_t.c.id).where(_t.c.name == name))).first()
    if row is None:
        raise NotFound(f"No such trait(s): {name}.")
    if not name.startswith("CUSTOM_"):
        raise BadRequest(f"Cannot delete standard trait {name}.")
    used = await conn.scalar(
        sa.select(_pt.c.resource_provider_id).where(_pt.c.trait_id == row.id).limit(1)
    )
    if used is not None:
        raise Conflict(f"The trait {name} is in use by a resource provider.")
    await conn.execute(sa.delete(_t).where(_t.c.id == row.id))
    await record_change(conn, [None])


async def list_for_provider(conn: AsyncConnection, uuid: str) -> TraitSet:
    rp = await provider_by_uuid(conn, uuid)
    rows = await conn.execute(
        sa.select(_t.c.name, _t.c.created_at, _t.c.updated_at)
        .select_from(_t.join(_pt, _pt.c.trait_id == _t.c.id))
        .where(_pt.c.resource_provider_id == rp.id)
    )
    return _trait_set(rows, int(rp.generation))


async def set_for_provider(
    conn: AsyncConnection, uuid: str, names: list[str], generation: int | None
) -> TraitSet:
    """Replace the provider's traits (``generation``: the CAS; None clears unconditionally)."""
    rp = await provider_by_uuid(conn, uuid)
    new_generation = await bump_generation(conn, int(rp.id), generation)
    rows = list(await conn.execute(sa.select(_t).where(_t.c.name.in_(sorted(set(names))))))
    missing = sorted(set(names) - {r.name for r in rows})
    if missing:
        raise BadRequest(f"No such trait(s): {', '.join(missing)}")
    await conn.execute(sa.delete(_pt).where(_pt.c.resource_provider_id == rp.id))
    if rows:
        await conn.execute(
            _pt.insert(), [{"resource_provider_id": rp.id, "trait_id": r.id} for r in rows]
        )
    return _trait_set(rows, new_generation)


async def clear_for_provider(conn: AsyncConnection, uuid: str) -> None:
    await set_for_provider(conn, uuid, [], None)
