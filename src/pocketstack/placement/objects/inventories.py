"""Inventories: what a provider offers, one record per resource class.

Every write takes the provider's row lock and bumps its generation first (a compare-and-swap
when the client sent the generation it saw), then reads and changes the inventory rows, so
a concurrent allocation claim on the same provider sees either all of the change or none.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.placement import errors as codes
from pocketstack.placement.db import models as m
from pocketstack.placement.objects.errors import BadRequest, Conflict, NotFound
from pocketstack.placement.objects.providers_common import (
    bump_generation,
    now,
    provider_by_uuid,
)

__all__ = [
    "DEFAULTS",
    "FIELDS",
    "Record",
    "add",
    "apply",
    "check_capacity",
    "complete",
    "delete_one",
    "list_for_provider",
    "replace",
    "update_one",
]

MAX_INT = 2147483647
FIELDS = ("total", "reserved", "min_unit", "max_unit", "step_size", "allocation_ratio")
DEFAULTS: dict[str, Any] = {
    "reserved": 0,
    "min_unit": 1,
    "max_unit": MAX_INT,
    "step_size": 1,
    "allocation_ratio": 1.0,
}

Record = dict[str, Any]  # FIELDS -> value

_inv = m.inventories
_rc = m.resource_classes


def complete(raw: Mapping[str, Any]) -> Record:
    """A record as sent, with upstream's defaults for what was left out."""
    return {f: raw[f] if f in raw else DEFAULTS[f] for f in FIELDS}


def check_capacity(
    provider_uuid: str, records: Mapping[str, Record], *, reserved_may_equal_total: bool
) -> None:
    """400 unless some capacity is left after ``reserved`` (1.26: none left is allowed)."""
    for name, rec in records.items():
        capacity = int((rec["total"] - rec["reserved"]) * rec["allocation_ratio"])
        if capacity < 0 or (capacity == 0 and not reserved_may_equal_total):
            limit = "greater than" if reserved_may_equal_total else "greater than or equal to"
            raise BadRequest(
                f"Unable to update inventory for resource provider "
                f"{provider_uuid}: Invalid inventory for '{name}' on resource "
                f"provider '{provider_uuid}'. The reserved value is {limit} total."
            )


async def list_for_provider(
    conn: AsyncConnection, provider_id: int
) -> tuple[dict[str, Record], datetime.datetime | None]:
    """The provider's inventory by class name, and when it last changed."""
    rows = await conn.execute(
        sa.select(_rc.c.name, *(_inv.c[f] for f in FIELDS), _inv.c.created_at, _inv.c.updated_at)
        .join(_rc, _rc.c.id == _inv.c.resource_class_id)
        .where(_inv.c.resource_provider_id == provider_id)
        .order_by(_rc.c.id)
    )
    found: dict[str, Record] = {}
    modified: datetime.datetime | None = None
    for row in rows:
        found[row.name] = {f: getattr(row, f) for f in FIELDS}
        stamp = row.updated_at or row.created_at
        modified = stamp if modified is None or stamp > modified else modified
    return found, modified


async def _class_ids(
    conn: AsyncConnection, provider_uuid: str, names: Iterable[str]
) -> dict[str, int]:
    wanted = set(names)
    if not wanted:
        return {}
    found = {
        r.name: int(r.id)
        for r in await conn.execute(sa.select(_rc.c.id, _rc.c.name).where(_rc.c.name.in_(wanted)))
    }
    missing = sorted(wanted - set(found))
    if missing:
        raise BadRequest(
            f"Unknown resource class in inventory for resource provider "
            f"{provider_uuid}: No such resource class {missing[0]}."
        )
    return found


async def _refuse_if_in_use(
    conn: AsyncConnection,
    provider: Any,
    class_ids: Iterable[int],
    code: str = codes.INVENTORY_INUSE,
    prefix: str = "",
) -> None:
    ids = set(class_ids)
    if not ids:
        return
    a = m.allocations
    used = [
        r.name
        for r in await conn.execute(
            sa.select(_rc.c.name)
            .distinct()
            .join(_rc, _rc.c.id == a.c.resource_class_id)
            .where(a.c.resource_provider_id == provider.id, a.c.resource_class_id.in_(ids))
            .order_by(_rc.c.name)
        )
    ]
    if used:
        # Nova matches this sentence (its _RE_INV_IN_USE): keep the wording.
        raise Conflict(
            f"{prefix}Inventory for '{', '.join(used)}' on resource provider "
            f"'{provider.uuid}' in use.",
            code=code,
        )


async def apply(
    conn: AsyncConnection,
    provider: Any,
    records: Mapping[str, Record],
    *,
    keep_unlisted: bool = False,
) -> None:
    """Make the provider's inventory ``records`` (plus what it had, with ``keep_unlisted``).

    Removing a class that has allocations is a 409 ``inventory.inuse``; lowering a total
    below what is allocated is allowed (the provider is then over capacity, as upstream).
    The caller holds the provider's lock (it bumped the generation).
    """
    ids = await _class_ids(conn, provider.uuid, records)
    current = {
        int(r.resource_class_id): r
        for r in await conn.execute(
            sa.select(_inv).where(_inv.c.resource_provider_id == provider.id)
        )
    }
    wanted = {ids[name]: rec for name, rec in records.items()}
    gone = set() if keep_unlisted else set(current) - set(wanted)
    await _refuse_if_in_use(conn, provider, gone)
    if gone:
        await conn.execute(
            _inv.delete().where(
                _inv.c.resource_provider_id == provider.id, _inv.c.resource_class_id.in_(gone)
            )
        )
    stamp = now()
    new = [
        {
            "resource_provider_id": provider.id,
            "resource_class_id": rc_id,
            **rec,
            "created_at": stamp,
            "updated_at": stamp,
        }
        for rc_id, rec in wanted.items()
        if rc_id not in current
    ]
    if new:
        await conn.execute(_inv.insert(), new)
    changed = [
        {"b_id": current[rc_id].id, "b_updated_at": stamp, **{f"b_{f}": rec[f] for f in FIELDS}}
        for rc_id, rec in wanted.items()
        if rc_id in current and any(getattr(current[rc_id], f) != rec[f] for f in FIELDS)
    ]
    if changed:
        await conn.execute(
            _inv.update()
            .where(_inv.c.id == sa.bindparam("b_id"))
            .values({f: sa.bindparam(f"b_{f}") for f in (*FIELDS, "updated_at")}),
            changed,
        )


async def replace(
    conn: AsyncConnection, provider_uuid: str, records: Mapping[str, Record], expected: int | None
) -> int:
    """PUT .../inventories (DELETE: no records, no generation): the new generation."""
    provider = await provider_by_uuid(conn, provider_uuid)
    generation = await bump_generation(conn, provider.id, expected)
    await apply(conn, provider, records)
    return generation


async def add(conn: AsyncConnection, provider_uuid: str, name: str, record: Record) -> int:
    """POST .../inventories: one class the provider did not offer yet."""
    provider = await provider_by_uuid(conn, provider_uuid)
    ids = await _class_ids(conn, provider.uuid, [name])
    generation = await bump_generation(conn, provider.id)
    if await _has(conn, provider, ids[name]):
        raise Conflict(
            f"Update conflict: inventory for '{name}' on resource provider "
            f"'{provider.uuid}' already exists.",
            code=codes.CONCURRENT_UPDATE,
        )
    await apply(conn, provider, {name: record}, keep_unlisted=True)
    return generation


async def update_one(
    conn: AsyncConnection, provider_uuid: str, name: str, record: Record, expected: int
) -> int:
    """PUT .../inventories/{class}: change a class the provider already offers."""
    provider = await provider_by_uuid(conn, provider_uuid)
    generation = await bump_generation(conn, provider.id, expected)
    ids = await _class_ids(conn, provider.uuid, [name])
    if not await _has(conn, provider, ids[name]):
        raise BadRequest(
            f"No inventory record with resource class for resource provider "
            f"{provider.uuid}: No inventory of class {name} found."
        )
    await apply(conn, provider, {name: record}, keep_unlisted=True)
    return generation


async def delete_one(conn: AsyncConnection, provider_uuid: str, name: str) -> None:
    """DELETE .../inventories/{class}: 404 when absent, 409 when allocations use it."""
    provider = await provider_by_uuid(conn, provider_uuid)
    await bump_generation(conn, provider.id)
    rc_id = await conn.scalar(sa.select(_rc.c.id).where(_rc.c.name == name))
    if rc_id is None or not await _has(conn, provider, rc_id):
        raise NotFound(f"No inventory of class {name} found for delete")
    # Upstream answers this 409 with concurrent_update (not inventory.inuse).
    await _refuse_if_in_use(
        conn,
        provider,
        [rc_id],
        code=codes.CONCURRENT_UPDATE,
        prefix=f"Unable to delete inventory of class {name}: ",
    )
    await conn.execute(
        _inv.delete().where(
            _inv.c.resource_provider_id == provider.id, _inv.c.resource_class_id == rc_id
        )
    )


async def _has(conn: AsyncConnection, provider: Any, rc_id: int) -> bool:
    found = await conn.scalar(
        sa.select(_inv.c.id).where(
            _inv.c.resource_provider_id == provider.id, _inv.c.resource_class_id == rc_id
        )
    )
    return found is not None
