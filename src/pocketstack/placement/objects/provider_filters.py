"""The filters of GET /resource_providers as SQL conditions on ``resource_providers.id``.

Names (traits, resource classes, aggregates) are resolved to ids first, one query per kind;
each condition is then an ``IN (subquery)``, so a filtered listing is a single query however
many providers there are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.placement.db import models as m
from pocketstack.placement.objects.errors import BadRequest
from pocketstack.placement.objects.providers_common import resource_class_ids, trait_ids

__all__ = ["ProviderFilters", "conditions"]

_rp = m.resource_providers


@dataclasses.dataclass(frozen=True)
class ProviderFilters:
    """What a listing asks for; every part is ANDed with the others."""

    name: str | None = None
    uuid: str | None = None
    in_tree: str | None = None
    member_of: Sequence[frozenset[str]] = ()  # each: in any of these aggregates
    forbidden_aggregates: frozenset[str] = frozenset()
    resources: Mapping[str, int] = dataclasses.field(default_factory=dict)
    required_traits: Sequence[frozenset[str]] = ()  # each: has any of these traits
    forbidden_traits: frozenset[str] = frozenset()


def _in_aggregates(aggregate_ids: Iterable[int]) -> sa.ColumnElement[bool]:
    pa = m.provider_aggregates.c
    return _rp.c.id.in_(
        sa.select(pa.resource_provider_id).where(pa.aggregate_id.in_(sorted(set(aggregate_ids))))
    )


def _with_traits(ids: Iterable[int]) -> sa.ColumnElement[bool]:
    pt = m.provider_traits.c
    return _rp.c.id.in_(sa.select(pt.resource_provider_id).where(pt.trait_id.in_(sorted(set(ids)))))


def _with_capacity(class_id: int, amount: int) -> sa.ColumnElement[bool]:
    """Providers whose inventory of the class can take ``amount`` more (units and steps)."""
    inv, alloc = m.inventories.c, m.allocations.c
    used = (
        sa.select(alloc.resource_provider_id, sa.func.sum(alloc.used).label("used"))
        .where(alloc.resource_class_id == class_id)
        .group_by(alloc.resource_provider_id)
        .subquery("usage")
    )
    capacity = (inv.total - inv.reserved) * inv.allocation_ratio
    fits = (
        sa.select(inv.resource_provider_id)
        .select_from(
            m.inventories.outerjoin(used, used.c.resource_provider_id == inv.resource_provider_id)
        )
        .where(
            inv.resource_class_id == class_id,
            capacity >= sa.func.coalesce(used.c.used, 0) + amount,
            inv.min_unit <= amount,
            inv.max_unit >= amount,
            sa.literal(amount) % inv.step_size == 0,
        )
    )
    return _rp.c.id.in_(fits)


async def _aggregate_ids(conn: AsyncConnection, uuids: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(uuids))
    if not wanted:
        return {}
    pa = m.placement_aggregates.c
    rows = await conn.execute(sa.select(pa.uuid, pa.id).where(pa.uuid.in_(wanted)))
    return {r.uuid: int(r.id) for r in rows}


async def _trait_ids(conn: AsyncConnection, names: Iterable[str]) -> dict[str, int]:
    try:
        return await trait_ids(conn, sorted(set(names)))
    except BadRequest as error:
        raise BadRequest(f'Invalid trait(s) in "required" parameter: {error}') from None


async def conditions(
    conn: AsyncConnection, wanted: ProviderFilters
) -> list[sa.ColumnElement[bool]] | None:
    """The WHERE clauses for ``wanted``; None when nothing can match (e.g. unknown tree)."""
    where: list[sa.ColumnElement[bool]] = []
    if wanted.name:
        where.append(_rp.c.name == wanted.name)
    if wanted.uuid:
        where.append(_rp.c.uuid == wanted.uuid)
    if wanted.in_tree:
        root = await conn.scalar(
            sa.select(_rp.c.root_provider_id).where(_rp.c.uuid == wanted.in_tree)
        )
        if root is None:
            return None
        where.append(_rp.c.root_provider_id == root)
    traits = await _trait_ids(
        conn,
        [t for group in wanted.required_traits for t in group] + sorted(wanted.forbidden_traits),
    )
    where += [_with_traits(traits[t] for t in group) for group in wanted.required_traits]
    if wanted.forbidden_traits:
        where.append(sa.not_(_with_traits(traits[t] for t in wanted.forbidden_traits)))
    aggregates = await _aggregate_ids(
        conn, [a for group in wanted.member_of for a in group] + sorted(wanted.forbidden_aggregates)
    )
    for group in wanted.member_of:
        known = [aggregates[a] for a in group if a in aggregates]
        if not known:
            return None
        where.append(_in_aggregates(known))
    forbidden = [aggregates[a] for a in wanted.forbidden_aggregates if a in aggregates]
    if forbidden:
        where.append(sa.not_(_in_aggregates(forbidden)))
    if wanted.resources:
        try:
            classes = await resource_class_ids(conn, list(wanted.resources))
        except BadRequest as error:
            raise BadRequest(f"Invalid resource class in resources parameter: {error}") from None
        where += [
            _with_capacity(classes[name], amount) for name, amount in wanted.resources.items()
        ]
    return where
