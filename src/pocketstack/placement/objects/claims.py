"""Claims: give consumers exactly the allocations they ask for, many requests in one transaction.

A *request* is the claims of one HTTP call (PUT or POST /allocations, a reshape), all or
nothing. :func:`apply_batch` settles a batch of requests in one write transaction. It is
synchronous SQLAlchemy Core (:meth:`Placement.write_sync` runs it in one worker thread on
SQLite, through ``run_sync`` elsewhere), so a batch is one hop between threads, not one for
each statement:

 1. one query reads the providers, resource classes, projects, users and consumer types
    named, the consumers (their generations are checked from 1.28) and what they hold now;
    a request naming an unknown provider or class is a 400;
 2. every provider that may gain allocations, or lose a consumer's last ones, is locked in
    id order (``SELECT ... FOR UPDATE``; on SQLite ``BEGIN IMMEDIATE`` already holds the
    database), so two writers never wait on each other in a cycle and what is read next is
    current;
 3. one query, after the locks, reads each (provider, class) inventory and what consumers
    outside the batch use of it;
 4. the requests are decided in order against running totals: each must fit with what the
    requests before it took (allocated + requested <= (total - reserved) * allocation_ratio,
    and min_unit, max_unit and step_size hold), else it gets its own 409 and takes nothing;
 5. for the requests accepted: each provider that gains allocations or loses a consumer's
    last ones gets one generation bump for the batch, every provider touched goes to the
    change log, consumers are written (a generation compare-and-swap on the ones read) and
    their allocation rows swapped, a statement for each kind of write, not for each request.

No two requests of a batch may name the same consumer (the caller batches them apart). A
consumer compare-and-swap that fails in step 5 (another process wrote the consumer after
step 1) raises :class:`ConcurrentUpdate` for the whole batch: the transaction rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from pocketstack.placement.db import models as m
from pocketstack.placement.objects import consumers
from pocketstack.placement.objects.claim_decisions import Claim, Found, Key, Outcome, Tally
from pocketstack.placement.objects.providers_common import change_rows, now

__all__ = ["Claim", "Outcome", "apply_batch"]

_a = m.allocations
_c = m.consumers
_rp = m.resource_providers
_rc = m.resource_classes
_inv = m.inventories


def _many(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name, expanding=True)


def _row(kind: str, *columns: Any) -> sa.Select[Any]:
    """A branch of the one read: (kind, id, name) and six integers, NULL where not known."""
    ints = [sa.cast(sa.null(), sa.Integer)] * 6
    ints[: len(columns) - 2] = columns[2:]
    return sa.select(sa.literal_column(f"'{kind}'").label("kind"), *columns[:2], *ints)


# The statements are built once (building the capacity query costs more than running it);
# the lists travel as expanding parameters.
_owners = [lookup.subquery() for lookup in consumers.OWNER_LOOKUPS]
_READ = sa.union_all(
    _row("provider", _rp.c.id, _rp.c.uuid).where(_rp.c.uuid.in_(_many("providers"))),
    _row("class", _rc.c.id, _rc.c.name).where(_rc.c.name.in_(_many("classes"))),
    *(sa.select(*sub.c, *[sa.cast(sa.null(), sa.Integer)] * 6) for sub in _owners),
    _row(
        "consumer",
        _c.c.id,
        _c.c.uuid,
        _c.c.generation,
        _c.c.project_id,
        _c.c.user_id,
        _c.c.consumer_type_id,
    ).where(_c.c.uuid.in_(_many("consumers"))),
    _row(
        "held",
        _a.c.id,
        _a.c.consumer_id,
        _a.c.resource_provider_id,
        _a.c.resource_class_id,
        _a.c.used,
    ).where(_a.c.consumer_id.in_(_many("consumers2"))),
)
_LOCK = sa.select(_rp.c.id).where(_rp.c.id.in_(_many("ids"))).order_by(_rp.c.id).with_for_update()
_BUMP = (
    _rp.update()
    .where(_rp.c.id.in_(_many("ids")))
    .values(generation=_rp.c.generation + 1, updated_at=sa.bindparam("stamp"))
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


def apply_batch(conn: sa.Connection, requests: Sequence[Sequence[Claim]]) -> list[Outcome]:
    """Settle each request (all or nothing, in order); return each one's outcome."""
    everyone = [c for request in requests for c in request]
    if len({c.consumer for c in everyone}) != len(everyone):
        raise ValueError("a batch names a consumer twice")
    found = _read(conn, everyone)
    outcomes = [found.check(request) for request in requests]
    live = [c for request, outcome in zip(requests, outcomes, strict=True) if outcome is None
            for c in request]  # fmt: skip
    if not live:
        return outcomes
    may_bump, _ = found.touched(live)
    if may_bump and conn.dialect.name != "sqlite":
        conn.execute(_LOCK, {"ids": sorted(may_bump)})
    tally = Tally(found, _capacity(conn, found, live, everyone))
    accepted: list[Claim] = []
    for i, request in enumerate(requests):
        if outcomes[i] is None:
            outcomes[i] = tally.take(request)
            if outcomes[i] is None:
                accepted.extend(request)
    if accepted:
        _write(conn, found, accepted)
    return outcomes


def _read(conn: sa.Connection, claims: Sequence[Claim]) -> Found:
    uuids = sorted({c.consumer for c in claims})
    params = {
        "providers": sorted({rp for c in claims for rp in c.allocations}),
        "classes": sorted({n for c in claims for res in c.allocations.values() for n in res}),
        "consumers": uuids,
        "consumers2": uuids,
        **consumers.owner_names((c.project_id, c.user_id, c.consumer_type) for c in claims),
    }
    found = Found({"provider": {}, "class": {}}, {}, {})
    for r in conn.execute(_READ, params):
        kind, row_id, name, *ints = r
        if kind == "consumer":
            generation, project, user, type_id = ints[:4]
            found.consumers[name] = consumers.Consumer(
                int(row_id), name, int(generation), int(project), int(user), type_id
            )
        elif kind == "held":
            rp_id, rc_id, used = ints[:3]
            held = found.held.setdefault(name, {})
            held[(int(rp_id), int(rc_id))] = held.get((int(rp_id), int(rc_id)), 0) + int(used)
        else:
            found.ids.setdefault(kind, {})[name] = int(row_id)
    return found


def _capacity(
    conn: sa.Connection, found: Found, live: Sequence[Claim], everyone: Sequence[Claim]
) -> dict[Key, Any]:
    """(provider, class) -> its inventory row for what the live claims want, with ``used``:
    what consumers outside the batch hold of it (:class:`Tally` counts the batch's own)."""
    keys = {key for claim in live for key in found.wanted(claim)}
    if not keys:
        return {}
    rp_ids, rc_ids = sorted({rp for rp, _ in keys}), sorted({rc for _, rc in keys})
    params = {
        "providers": rp_ids,
        "classes": rc_ids,
        "providers2": rp_ids,
        "classes2": rc_ids,
        "consumers": sorted({c.consumer for c in everyone}),
    }
    rows = conn.execute(_CAPACITY, params)
    return {(int(r.resource_provider_id), int(r.resource_class_id)): r for r in rows}


def _write(conn: sa.Connection, found: Found, claims: Sequence[Claim]) -> None:
    """The accepted claims' writes: generations, change log, consumers, allocation rows."""
    bumped, losing = found.touched(claims)
    if bumped:
        conn.execute(_BUMP, {"ids": sorted(bumped), "stamp": now()})
    if bumped | losing:
        conn.execute(m.provider_changes.insert(), change_rows(sorted(bumped | losing)))
    keys = {(c.project_id, c.user_id, c.consumer_type) for c in claims}
    owners = consumers.owner_ids(conn, keys, found.ids)
    created: list[tuple[str, consumers.Owner]] = []
    for claim in claims:
        owner = owners[(claim.project_id, claim.user_id, claim.consumer_type)]
        current = found.consumers.get(claim.consumer)
        if current is None:
            if claim.allocations:
                created.append((claim.consumer, owner))
        elif claim.allocations:
            consumers.update(conn, current, owner)
        else:
            consumers.delete(conn, current)
    consumers.insert(conn, created)
    holders = [c.consumer for c in claims if c.consumer in found.held]
    if holders:
        conn.execute(_DROP, {"consumers": holders})
    stamp = now()
    rows = [
        {
            "consumer_id": claim.consumer,
            "resource_provider_id": rp_id,
            "resource_class_id": rc_id,
            "used": amount,
            "created_at": stamp,
            "updated_at": stamp,
        }
        for claim in claims
        for (rp_id, rc_id), amount in found.wanted(claim).items()
    ]
    if rows:
        conn.execute(_a.insert(), rows)
