"""Allocations: what consumers hold on providers, and the claim that replaces them.

A claim (PUT or POST /allocations, and the reshaper) is one write transaction that
 1. reads the consumers named (their generations are checked from 1.28), the providers and
    resource classes (unknown ones are a 400);
 2. locks every provider that gains allocations by bumping its generation, in id order (two
    claims never wait on each other in a cycle); providers that only lose allocations go
    to the change log;
 3. checks, in one query and after the locks, that every (provider, class) has inventory and
    room: allocated by others + requested <= (total - reserved) * allocation_ratio, and that
    each amount respects min_unit, max_unit and step_size (else a 409);
 4. writes the consumers (a generation compare-and-swap), then swaps their allocation rows.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.placement.db import models as m
from pocketstack.placement.objects import consumers
from pocketstack.placement.objects.errors import BadRequest, Conflict, NotFound
from pocketstack.placement.objects.providers_common import bump_generation, now, record_change

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
_inv = m.inventories


def _many(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name, expanding=True)


# The claim's statements are built once (building the capacity query costs more than
# running it); the lists travel as expanding parameters.
_IDS = sa.union_all(
    sa.select(
        sa.literal_column("'provider'").label("kind"), _rp.c.id, _rp.c.uuid.label("name")
    ).where(_rp.c.uuid.in_(_many("providers"))),
    sa.select(sa.literal_column("'class'"), _rc.c.id, _rc.c.name).where(
        _rc.c.name.in_(_many("classes"))
    ),
    *consumers.OWNER_LOOKUPS,
)
_HELD = (
    sa.select(_a.c.consumer_id, _a.c.resource_provider_id)
    .distinct()
    .where(_a.c.consumer_id.in_(_many("consumers")))
)
_USED_BY_OTHERS = (
    sa.select(
        _a.c.resource_provider_id, _a.c.resource_class_id, sa.func.sum(_a.c.used).label("used")
    )
    .where(
        _a.c.resource_provider_id.in_(_many("providers")),
        _a.c.resource_class_id.in_(_many("classes")),
        _a.c.consumer_id.not_in(_many("consumers")),
    )
    .group_by(_a.c.resource_provider_id, _a.c.resource_class_id)
    .subquery()
)
_CAPACITY = (
    sa.select(
        _inv.c.resource_provider_id,
        _inv.c.resource_class_id,
        _inv.c.total,
        _inv.c.reserved,
        _inv.c.min_unit,
        _inv.c.max_unit,
        _inv.c.step_size,
        _inv.c.allocation_ratio,
        _USED_BY_OTHERS.c.used,
    )
    .select_from(
        _inv.outerjoin(
            _USED_BY_OTHERS,
            sa.and_(
                _USED_BY_OTHERS.c.resource_provider_id == _inv.c.resource_provider_id,
                _USED_BY_OTHERS.c.resource_class_id == _inv.c.resource_class_id,
            ),
        )
    )
    .where(
        _inv.c.resource_provider_id.in_(_many("providers2")),
        _inv.c.resource_class_id.in_(_many("classes2")),
    )
)
_DROP = _a.delete().where(_a.c.consumer_id.in_(_many("consumers")))


@dataclasses.dataclass(frozen=True, slots=True)
class Claim:
    """One consumer's wanted allocations (empty: remove them all)."""

    consumer: str
    allocations: Mapping[str, Mapping[str, int]]  # provider uuid -> class -> amount
    project_id: str
    user_id: str
    generation: int | None = None
    check_generation: bool = False  # 1.28: ``generation`` must match (None: a new consumer)
    consumer_type: str | None = None  # 1.38


async def replace(conn: AsyncConnection, claims: Sequence[Claim]) -> None:
    """Give each consumer exactly its claimed allocations, all or nothing."""
    uuids = [c.consumer for c in claims]
    existing = await consumers.get_many(conn, uuids)
    for claim in claims:
        if claim.check_generation:
            consumers.check_generation(
                claim.consumer, existing.get(claim.consumer), claim.generation
            )
    owner_keys = {(c.project_id, c.user_id, c.consumer_type) for c in claims}
    ids = await _ids(conn, claims, consumers.owner_names(owner_keys))
    providers, classes = ids["provider"], ids["class"]
    held = await _held(conn, [u for u in uuids if u in existing])

    wanted = {c.consumer: c for c in claims}
    gaining = {providers[rp] for c in claims for rp in c.allocations}
    emptied = {rp_id for uuid, rp_id in held if not wanted[uuid].allocations}
    for rp_id in sorted(gaining | emptied):
        await bump_generation(conn, rp_id)
    await record_change(conn, sorted({rp_id for _, rp_id in held} - gaining - emptied))
    await _check_capacity(conn, claims, providers, classes)

    owners = await consumers.owner_ids(conn, owner_keys, ids)
    created: list[tuple[str, consumers.Owner]] = []
    for claim in claims:
        owner = owners[(claim.project_id, claim.user_id, claim.consumer_type)]
        current = existing.get(claim.consumer)
        if current is None:
            if claim.allocations:
                created.append((claim.consumer, owner))
        elif claim.allocations:
            await consumers.update(conn, current, owner)
        else:
            await consumers.delete(conn, current)
    await consumers.insert(conn, created)
    if held:
        await conn.execute(_DROP, {"consumers": list({u for u, _ in held})})
    stamp = now()
    rows = [
        {
            "consumer_id": c.consumer,
            "resource_provider_id": providers[rp],
            "resource_class_id": classes[name],
            "used": amount,
            "created_at": stamp,
            "updated_at": stamp,
        }
        for c in claims
        for rp, resources in c.allocations.items()
        for name, amount in resources.items()
    ]
    if rows:
        await conn.execute(_a.insert(), rows)


async def _ids(
    conn: AsyncConnection, claims: Sequence[Claim], owners: Mapping[str, list[str]]
) -> dict[str, dict[str, int]]:
    """kind -> name -> id for the providers, classes and owners named, in one query.

    An unknown provider or class is a 400; owners not found yet are created later.
    """
    rps = {rp for c in claims for rp in c.allocations}
    names = {n for c in claims for resources in c.allocations.values() for n in resources}
    found: dict[str, dict[str, int]] = {"provider": {}, "class": {}}
    params = {"providers": sorted(rps), "classes": sorted(names), **owners}
    for r in await conn.execute(_IDS, params):
        found.setdefault(r.kind, {})[r.name] = int(r.id)
    for claim in claims:
        for rp, resources in claim.allocations.items():
            if rp not in found["provider"]:
                raise BadRequest(f"Allocation for resource provider '{rp}' that does not exist.")
            for name in resources:
                if name not in found["class"]:
                    raise BadRequest(
                        f"Unable to allocate inventory for consumer {claim.consumer}: "
                        f"No such resource class {name}."
                    )
    return found


async def _held(conn: AsyncConnection, uuids: Collection[str]) -> list[tuple[str, int]]:
    """(consumer, provider id) for what the consumers hold now."""
    if not uuids:
        return []
    rows = await conn.execute(_HELD, {"consumers": list(set(uuids))})
    return [(r.consumer_id, int(r.resource_provider_id)) for r in rows]


async def _check_capacity(
    conn: AsyncConnection,
    claims: Sequence[Claim],
    providers: Mapping[str, int],
    classes: Mapping[str, int],
) -> None:
    wanted: dict[tuple[int, int], int] = defaultdict(int)
    for claim in claims:
        for rp, resources in claim.allocations.items():
            for name, amount in resources.items():
                wanted[(providers[rp], classes[name])] += amount
    if not wanted:
        return
    rp_ids = list({rp for rp, _ in wanted})
    rc_ids = list({rc for _, rc in wanted})
    rows = await conn.execute(
        _CAPACITY,
        {
            "providers": rp_ids,
            "classes": rc_ids,
            "providers2": rp_ids,
            "classes2": rc_ids,
            "consumers": [c.consumer for c in claims],
        },
    )
    inventory = {(int(r.resource_provider_id), int(r.resource_class_id)): r for r in rows}
    for claim in claims:
        for rp, resources in claim.allocations.items():
            for name, amount in resources.items():
                key = (providers[rp], classes[name])
                _fits(inventory.get(key), amount, wanted[key], rp, name)


def _fits(inv: Any, amount: int, total_wanted: int, rp: str, name: str) -> None:
    prefix = "Unable to allocate inventory: "
    if inv is None:
        raise Conflict(f"{prefix}Inventory for '{name}' on resource provider '{rp}' invalid.")
    where = f"Unable to create allocation for '{name}' on resource provider '{rp}'."
    if not inv.min_unit <= amount <= inv.max_unit or amount % inv.step_size:
        raise Conflict(f"{prefix}{where} The requested amount would violate inventory constraints.")
    capacity = (inv.total - inv.reserved) * inv.allocation_ratio
    if (inv.used or 0) + total_wanted > capacity:
        raise Conflict(f"{prefix}{where} The requested amount would exceed the capacity.")


async def delete_for_consumer(conn: AsyncConnection, uuid: str) -> None:
    """DELETE /allocations/{consumer}: its allocations and the consumer go (404: none).

    As upstream, provider generations do not change; the providers go to the change log.
    """
    held = await _held(conn, [uuid])
    if not held:
        raise NotFound(f"No allocations for consumer '{uuid}'")
    await conn.execute(_a.delete().where(_a.c.consumer_id == uuid))
    await conn.execute(m.consumers.delete().where(m.consumers.c.uuid == uuid))
    await record_change(conn, sorted({rp_id for _, rp_id in held}))


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
