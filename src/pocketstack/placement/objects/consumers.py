"""Consumers of allocations and the projects, users and consumer types they belong to.

A consumer row exists while the consumer has allocations; its ``generation`` (1.28) is a
compare-and-swap on the whole set of its allocations. Projects, users and consumer types are
created on first sight; a racing insert of the same name fails the transaction on the unique
constraint, and the claim's transaction runs again (it then finds the row).

The writes here are synchronous (a :class:`sqlalchemy.Connection`): they are part of a claim
(:mod:`.claims`), which runs as one synchronous function inside its transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from pocketstack.placement.db import models as m
from pocketstack.placement.objects.errors import ConcurrentUpdate
from pocketstack.placement.objects.providers_common import now

__all__ = [
    "INCOMPLETE",
    "OWNER_LOOKUPS",
    "UNKNOWN_TYPE",
    "Consumer",
    "Owner",
    "OwnerKey",
    "check_generation",
    "delete",
    "insert",
    "owner_ids",
    "owner_names",
    "update",
]

# Before 1.8 a consumer names no project or user: upstream files it under these.
INCOMPLETE = "00000000-0000-0000-0000-000000000000"
UNKNOWN_TYPE = "unknown"  # what a consumer without a type is called (1.38)

_c = m.consumers


@dataclasses.dataclass(frozen=True, slots=True)
class Consumer:
    id: int
    uuid: str
    generation: int
    project_id: int
    user_id: int
    consumer_type_id: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class Owner:
    """Internal ids of a consumer's project, user and (1.38) type."""

    project_id: int
    user_id: int
    consumer_type_id: int | None


def check_generation(uuid: str, existing: Consumer | None, given: int | None) -> None:
    """1.28: the generation the client saw must be the consumer's (null: no consumer yet)."""
    if existing is None:
        if given is not None:
            raise ConcurrentUpdate(f"consumer generation conflict - expected null but got {given}")
    elif existing.generation != given:
        raise ConcurrentUpdate(
            f"consumer generation conflict - expected {existing.generation} but got {given}"
        )


OwnerKey = tuple[str, str, str | None]  # project, user, consumer type (None before 1.38)

_NAMED: dict[str, tuple[sa.Table, str]] = {
    "project": (m.projects, "external_id"),
    "user": (m.users, "external_id"),
    "type": (m.consumer_types, "name"),
}
# (kind, id, name) of the projects, users and types named: parts of a caller's one lookup
# query, with the names as the expanding parameters "project", "user" and "type".
OWNER_LOOKUPS = tuple(
    sa.select(
        sa.literal_column(f"'{kind}'").label("kind"), table.c.id, table.c[column].label("name")
    ).where(table.c[column].in_(sa.bindparam(kind, expanding=True)))
    for kind, (table, column) in _NAMED.items()
)


def owner_names(keys: Iterable[OwnerKey]) -> dict[str, list[str]]:
    """The parameters of :data:`OWNER_LOOKUPS` for these owners."""
    wanted = set(keys)
    return {
        "project": sorted({p for p, _, _ in wanted}),
        "user": sorted({u for _, u, _ in wanted}),
        "type": sorted({t for _, _, t in wanted if t is not None}),
    }


def owner_ids(
    conn: sa.Connection, keys: Iterable[OwnerKey], known: Mapping[str, Mapping[str, int]]
) -> dict[OwnerKey, Owner]:
    """Internal ids for ``(project, user, type)`` names: ``known`` holds what the lookup
    found (kind -> name -> id); the rest is created here."""
    wanted = set(keys)
    found = {kind: dict(known.get(kind, {})) for kind in _NAMED}
    for kind, names in owner_names(wanted).items():
        table, column = _NAMED[kind]
        for name in names:
            if name not in found[kind]:
                result = conn.execute(table.insert().values({column: name}))
                key = result.inserted_primary_key
                assert key is not None
                found[kind][name] = int(key[0])
    return {
        (p, u, t): Owner(
            found["project"][p], found["user"][u], None if t is None else found["type"][t]
        )
        for p, u, t in wanted
    }


def insert(conn: sa.Connection, rows: list[tuple[str, Owner]]) -> None:
    """New consumers (generation 1: created and given their first allocations)."""
    if not rows:
        return
    stamp = now()
    conn.execute(
        _c.insert(),
        [
            {
                "uuid": uuid,
                "project_id": o.project_id,
                "user_id": o.user_id,
                "consumer_type_id": o.consumer_type_id,
                "generation": 1,
                "created_at": stamp,
                "updated_at": stamp,
            }
            for uuid, o in rows
        ],
    )


def update(conn: sa.Connection, consumer: Consumer, owner: Owner) -> None:
    """Bump the generation (a CAS on the one read) and take the project/user/type sent."""
    values: dict[str, Any] = {
        "generation": consumer.generation + 1,
        "updated_at": now(),
        "project_id": owner.project_id,
        "user_id": owner.user_id,
    }
    if owner.consumer_type_id is not None:
        values["consumer_type_id"] = owner.consumer_type_id
    result = conn.execute(
        _c.update()
        .where(_c.c.id == consumer.id, _c.c.generation == consumer.generation)
        .values(values)
    )
    if result.rowcount != 1:
        raise _changed()


def delete(conn: sa.Connection, consumer: Consumer) -> None:
    """A consumer left without allocations goes (CAS on the generation read)."""
    result = conn.execute(
        _c.delete().where(_c.c.id == consumer.id, _c.c.generation == consumer.generation)
    )
    if result.rowcount != 1:
        raise _changed()


def _changed() -> ConcurrentUpdate:
    return ConcurrentUpdate(
        "Inventory and/or allocations changed while attempting to "
        "allocate: Another thread concurrently updated the data. "
        "Please retry your update"
    )
