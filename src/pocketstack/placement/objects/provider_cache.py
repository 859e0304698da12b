"""The in-memory provider model of this process, kept current by following the change log.

Every write that changes a provider appends its id to ``provider_changes`` (a NULL id: a
global change). :meth:`ProviderCache.sync` loads everything on first use (four bulk
queries), then reads only the log rows it has not seen and reloads just those providers:
one small query per request when nothing changed. Each process has its own cache; the log
in the shared database keeps them all current.

Two things can hide a row from a reader that has moved past its ``seq``: a transaction that
took its ``seq`` earlier but committed later (not on SQLite, whose writers are serialized),
and pruning. The first is covered by re-reading the holes in the sequence for a minute, the
second by reloading everything after half an hour without a sync (pruning only removes rows
older than an hour, and never the newest row, so sequence numbers are never reused).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Iterable
from typing import Any

import os_resource_classes
import os_traits
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.placement.db import models as m
from pocketstack.placement.objects.errors import BadRequest
from pocketstack.placement.objects.provider_index import Inventory, Provider, ProviderIndex

__all__ = ["ProviderCache"]

_rp, _log = m.resource_providers, m.provider_changes
_root, _parent = _rp.alias("root_rp"), _rp.alias("parent_rp")

GAP_TTL_S = 60.0  # how long a hole in the log's sequence is re-read
MAX_GAPS = 1_000  # holes re-read at most (below the newest seq seen)
IDLE_RELOAD_S = 1800.0  # no sync for this long: the log may have been pruned past us
PRUNE_AGE_S = 3600.0  # log rows older than this may go
PRUNE_EVERY_ROWS = 10_000  # prune once this many rows were appended since the last time
BULK_RELOAD = 2_000  # more changed providers than this: reload everything

_STANDARD_CLASSES = frozenset(os_resource_classes.STANDARDS)
_STANDARD_TRAITS = frozenset(os_traits.get_traits())


class ProviderCache:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.index = ProviderIndex()
        self._clock = clock
        self._lock = asyncio.Lock()
        self._loaded = False
        self._last_seq = 0
        self._synced_at = 0.0
        self._gaps: dict[int, float] = {}  # missing seq -> when first missed
        self._pruned_seq = 0

    async def sync(self, conn: AsyncConnection) -> None:
        """Bring the index up to date with the database (one query when nothing changed)."""
        async with self._lock:
            now = self._clock()
            if not self._loaded or now - self._synced_at > IDLE_RELOAD_S:
                await self._reload_all(conn)
            else:
                await self._follow_log(conn, now)
            self._synced_at = now

    async def _reload_all(self, conn: AsyncConnection) -> None:
        last = await conn.scalar(sa.select(sa.func.max(_log.c.seq)))  # before the data
        self.index = ProviderIndex((await _load(conn, None)).values())
        self._last_seq, self._gaps, self._loaded = int(last or 0), {}, True
        self._pruned_seq = self._pruned_seq or self._last_seq

    async def _follow_log(self, conn: AsyncConnection, now: float) -> None:
        newer = _log.c.seq > self._last_seq
        if self._gaps:
            newer = newer | _log.c.seq.in_(sorted(self._gaps))
        rows = (
            await conn.execute(sa.select(_log.c.seq, _log.c.resource_provider_id).where(newer))
        ).all()
        if not rows:
            self._expire_gaps(now)
            return
        seen = {int(r.seq) for r in rows}
        top = max(seen)
        for seq in seen:
            self._gaps.pop(seq, None)
        if top > self._last_seq:
            holes = range(max(self._last_seq + 1, top - MAX_GAPS), top)
            self._gaps.update(dict.fromkeys(set(holes) - seen, now))
            self._last_seq = top
        self._expire_gaps(now)
        changed = {r.resource_provider_id for r in rows}
        if None in changed or len(changed) > BULK_RELOAD:
            await self._reload_all(conn)
            self._last_seq = max(self._last_seq, top)
            return
        await self._reload(conn, {int(pid) for pid in changed if pid is not None})

    def _expire_gaps(self, now: float) -> None:
        for seq in [s for s, since in self._gaps.items() if now - since > GAP_TTL_S]:
            del self._gaps[seq]

    async def _reload(self, conn: AsyncConnection, ids: set[int]) -> None:
        fresh = await _load(conn, ids)
        # A provider that moved to another tree takes its descendants along: reload them.
        moved = {
            p.id
            for p in fresh.values()
            if (old := self.index.get(p.id)) is not None and old.root_id != p.root_id
        }
        if moved:
            extra = _descendants(self.index, moved) - ids
            fresh.update(await _load(conn, extra))
            ids |= extra
        for provider_id in sorted(ids):
            provider = fresh.get(provider_id)
            if provider is None:
                self.index.remove(provider_id)
            else:
                self.index.put(provider)

    async def check_names(
        self, conn: AsyncConnection, classes: Collection[str], traits: Collection[str]
    ) -> None:
        """400 for a resource class or trait that does not exist.

        Names some provider uses, and the standard ones, exist; only others cost a query.
        """
        unsure = sorted(
            set(classes)
            - _STANDARD_CLASSES
            - {name for name, held in self.index.fits.items() if held}
        )
        if unsure:
            missing = await _missing(conn, m.resource_classes, unsure)
            if missing:
                raise BadRequest(
                    "Invalid resource class in resources parameter: "
                    f"No such resource class {missing[0]}."
                )
        unsure = sorted(
            set(traits) - _STANDARD_TRAITS - {t for t, ids in self.index.by_trait.items() if ids}
        )
        if unsure:
            missing = await _missing(conn, m.traits, unsure)
            if missing:
                raise BadRequest(f"No such trait(s): {', '.join(missing)}.")

    @property
    def prune_due(self) -> bool:
        return self._last_seq - self._pruned_seq >= PRUNE_EVERY_ROWS

    async def prune(self, conn: AsyncConnection) -> int:
        """Delete log rows older than an hour (never the newest); return how many went."""
        self._pruned_seq = self._last_seq
        newest = sa.select(sa.func.max(_log.c.seq)).scalar_subquery()
        result = await conn.execute(
            _log.delete().where(
                _log.c.changed_at < self._clock() - PRUNE_AGE_S, _log.c.seq < newest
            )
        )
        return int(result.rowcount or 0)


def _descendants(index: ProviderIndex, roots: Iterable[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for provider in index.providers.values():
        if provider.parent_id is not None:
            children.setdefault(provider.parent_id, []).append(provider.id)
    found: set[int] = set()
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


async def _missing(conn: AsyncConnection, table: sa.Table, names: list[str]) -> list[str]:
    have = set(
        (await conn.execute(sa.select(table.c.name).where(table.c.name.in_(names)))).scalars()
    )
    return [n for n in names if n not in have]


async def _load(conn: AsyncConnection, ids: Collection[int] | None) -> dict[int, Provider]:
    """Providers (all when ``ids`` is None) with inventories, usages, traits, aggregates.

    Three queries: inventories with their usage, traits and aggregates, providers.
    """
    if ids is not None and not ids:
        return {}

    def only(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        return sa.true() if ids is None else column.in_(sorted(ids))

    inv, alloc = m.inventories.c, m.allocations.c
    rc, tr, agg = m.resource_classes.c, m.traits.c, m.placement_aggregates.c
    pt, pa = m.provider_traits.c, m.provider_aggregates.c
    used = (
        sa.select(sa.func.coalesce(sa.func.sum(alloc.used), 0))
        .where(
            alloc.resource_provider_id == inv.resource_provider_id,
            alloc.resource_class_id == inv.resource_class_id,
        )
        .scalar_subquery()
    )
    inventories: dict[int, dict[str, Inventory]] = {}
    for row in await conn.execute(
        sa.select(
            inv.resource_provider_id,
            rc.name,
            inv.total,
            inv.reserved,
            inv.min_unit,
            inv.max_unit,
            inv.step_size,
            inv.allocation_ratio,
            used.label("used"),
        )
        .join_from(m.inventories, m.resource_classes, rc.id == inv.resource_class_id)
        .where(only(inv.resource_provider_id))
        .order_by(inv.resource_class_id)
    ):
        inventories.setdefault(int(row[0]), {})[row.name] = Inventory(
            int(row.total),
            int(row.reserved),
            int(row.min_unit),
            int(row.max_unit),
            int(row.step_size),
            float(row.allocation_ratio),
            int(row.used or 0),
        )
    traits: dict[int, list[str]] = {}
    aggregates: dict[int, list[str]] = {}
    for pid, is_trait, value in await conn.execute(
        sa.union_all(
            sa.select(pt.resource_provider_id, sa.literal(1), tr.name)
            .join_from(m.provider_traits, m.traits, tr.id == pt.trait_id)
            .where(only(pt.resource_provider_id)),
            sa.select(pa.resource_provider_id, sa.literal(0), agg.uuid)
            .join_from(m.provider_aggregates, m.placement_aggregates, agg.id == pa.aggregate_id)
            .where(only(pa.resource_provider_id)),
        )
    ):
        (traits if is_trait else aggregates).setdefault(int(pid), []).append(value)
    providers = await conn.execute(
        sa.select(
            _rp.c.id,
            _rp.c.uuid,
            _rp.c.name,
            _rp.c.generation,
            _rp.c.parent_provider_id,
            _rp.c.root_provider_id,
            _parent.c.uuid.label("parent_uuid"),
            _root.c.uuid.label("root_uuid"),
        )
        .select_from(
            _rp.outerjoin(_root, _rp.c.root_provider_id == _root.c.id).outerjoin(
                _parent, _rp.c.parent_provider_id == _parent.c.id
            )
        )
        .where(only(_rp.c.id))
    )
    return {
        int(r.id): Provider(
            id=int(r.id),
            uuid=r.uuid,
            name=r.name,
            generation=int(r.generation),
            parent_id=r.parent_provider_id,
            root_id=int(r.root_provider_id or r.id),
            parent_uuid=r.parent_uuid,
            root_uuid=r.root_uuid or r.uuid,
            inventories=inventories.get(int(r.id), {}),
            traits=frozenset(traits.get(int(r.id), ())),
            aggregates=frozenset(aggregates.get(int(r.id), ())),
        )
        for r in providers
    }
