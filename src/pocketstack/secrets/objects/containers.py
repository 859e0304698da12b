"""Containers: named references to secrets of the same project.

A ``certificate`` container needs a ``certificate`` and may add ``private_key``,
``intermediates`` and ``private_key_passphrase``; an ``rsa`` container needs
``public_key`` and ``private_key`` and may add ``private_key_passphrase``; a ``generic``
container holds any names. Every referenced secret must exist (unexpired) in the caller's
project, checked in the same transaction that writes the container.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.secrets.db import models as m
from pocketstack.secrets.objects.errors import BadRequest, NotFound
from pocketstack.secrets.objects.secrets import now

__all__ = [
    "CONTAINER_NOT_FOUND",
    "Container",
    "ContainerRef",
    "check_names",
    "create",
    "delete",
    "get",
    "list_",
]

_c = m.containers
_cs = m.container_secrets
_s = m.secrets

CONTAINER_NOT_FOUND = "Not Found. Sorry but your container is in another castle."

# type -> (required names, optional names); a type not listed takes any names.
_TYPED_NAMES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "certificate": (
        frozenset({"certificate"}),
        frozenset({"private_key", "private_key_passphrase", "intermediates"}),
    ),
    "rsa": (frozenset({"public_key", "private_key"}), frozenset({"private_key_passphrase"})),
}
_NAMES_MESSAGES = {
    "certificate": (
        "only 'private_key', 'certificate' , 'private_key_passphrase',  or 'intermediates' "
        "reference names are allowed for Certificate type",
        "The minimum required reference name is 'certificate' for Certificate type",
    ),
    "rsa": (
        "only 'private_key', 'public_key' and 'private_key_passphrase' reference names are "
        "allowed for RSA type",
        "The minimum required reference names are 'public_key' and'private_key' for RSA type",
    ),
}


@dataclasses.dataclass(frozen=True, slots=True)
class ContainerRef:
    name: str | None
    secret_id: str


@dataclasses.dataclass(frozen=True, slots=True)
class Container:
    id: str
    project_id: str
    creator_id: str | None
    name: str | None
    type: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    refs: tuple[ContainerRef, ...]


def check_names(container_type: str, refs: Sequence[ContainerRef]) -> None:
    """Barbican's rules for the reference names of a typed container (400 when broken)."""
    names = [ref.name or "" for ref in refs]
    if len(set(names)) != len(names):
        raise BadRequest("Duplicate reference names are not allowed")
    if len({ref.secret_id for ref in refs}) != len(refs):
        raise BadRequest("Duplicate secret ids are not allowed")
    if container_type not in _TYPED_NAMES:
        return
    required, optional = _TYPED_NAMES[container_type]
    unsupported, too_few = _NAMES_MESSAGES[container_type]
    if set(names) - required - optional:
        raise BadRequest(unsupported)
    if not required <= set(names):
        raise BadRequest(too_few)


async def create(
    conn: AsyncConnection,
    *,
    project_id: str,
    creator_id: str | None,
    name: str | None,
    container_type: str,
    refs: Sequence[ContainerRef],
) -> Container:
    check_names(container_type, refs)
    moment = now()
    for ref in refs:
        found = (
            await conn.execute(
                sa.select(_s.c.id).where(
                    _s.c.id == ref.secret_id,
                    _s.c.project_id == project_id,
                    sa.or_(_s.c.expiration.is_(None), _s.c.expiration > moment),
                )
            )
        ).first()
        if found is None:
            raise NotFound(f"Secret provided for '{ref.name}' doesn't exist.")
    container_id = str(uuid.uuid4())
    await conn.execute(
        _c.insert().values(
            id=container_id,
            project_id=project_id,
            creator_id=creator_id,
            name=name,
            type=container_type,
            created_at=moment,
            updated_at=moment,
        )
    )
    if refs:
        await conn.execute(
            _cs.insert(),
            [
                {
                    "container_id": container_id,
                    "secret_id": ref.secret_id,
                    "name": ref.name,
                    "position": position,
                }
                for position, ref in enumerate(refs)
            ],
        )
    return await get(conn, container_id)


async def _refs(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, list[ContainerRef]]:
    found: dict[str, list[ContainerRef]] = {container_id: [] for container_id in ids}
    if ids:
        rows = await conn.execute(
            sa.select(_cs)
            .where(_cs.c.container_id.in_(ids))
            .order_by(_cs.c.container_id, _cs.c.position)
        )
        for row in rows:
            found[row.container_id].append(ContainerRef(row.name, row.secret_id))
    return found


def _build(row: Any, refs: list[ContainerRef]) -> Container:
    return Container(
        row.id,
        row.project_id,
        row.creator_id,
        row.name,
        row.type,
        row.created_at,
        row.updated_at,
        tuple(refs),
    )


async def get(conn: AsyncConnection, container_id: str) -> Container:
    """The container (any project's: the caller decides who may see it); 404 when missing."""
    row = (await conn.execute(sa.select(_c).where(_c.c.id == container_id))).first()
    if row is None:
        raise NotFound(CONTAINER_NOT_FOUND)
    return _build(row, (await _refs(conn, [container_id]))[container_id])


def _filtered(
    query: sa.Select[Any], project_id: str, name: str | None, container_type: str | None
) -> sa.Select[Any]:
    query = query.where(_c.c.project_id == project_id)
    if name:
        query = query.where(_c.c.name == name)
    if container_type:
        query = query.where(_c.c.type == container_type)
    return query


async def list_(
    conn: AsyncConnection,
    project_id: str,
    *,
    name: str | None,
    container_type: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Container], int]:
    """One page of the project's containers, oldest first, and how many match in all."""
    total = int(
        (
            await conn.execute(
                _filtered(
                    sa.select(sa.func.count()).select_from(_c), project_id, name, container_type
                )
            )
        ).scalar_one()
    )
    rows = list(
        await conn.execute(
            _filtered(sa.select(_c), project_id, name, container_type)
            .order_by(_c.c.created_at, _c.c.id)
            .offset(offset)
            .limit(limit)
        )
    )
    refs = await _refs(conn, [row.id for row in rows])
    return [_build(row, refs[row.id]) for row in rows], total


async def delete(conn: AsyncConnection, container_id: str) -> None:
    await get(conn, container_id)
    await conn.execute(_cs.delete().where(_cs.c.container_id == container_id))
    await conn.execute(_c.delete().where(_c.c.id == container_id))
