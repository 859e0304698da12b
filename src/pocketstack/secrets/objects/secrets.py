"""Secrets: metadata rows, and their payloads sealed in ``secret_payloads``.

A secret past its expiration is gone: it is neither listed nor found (Barbican's filter).
Storing a payload is a compare-and-swap on ``content_type IS NULL``: of two racing uploads
to a metadata-only secret, one wins and the other is a 409.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.secrets.crypto import PayloadCipher, Sealed, UnreadablePayload
from pocketstack.secrets.db import models as m
from pocketstack.secrets.objects.errors import Conflict, NotFound
from pocketstack.secrets.objects.payloads import Payload

__all__ = [
    "PAYLOAD_NOT_FOUND",
    "SECRET_NOT_FOUND",
    "NewSecret",
    "Secret",
    "SecretFilters",
    "create",
    "delete",
    "get",
    "list_",
    "now",
    "read_payload",
    "store_payload",
]

_s = m.secrets
_p = m.secret_payloads

SECRET_NOT_FOUND = "Not Found. Sorry but your secret is in another castle."
PAYLOAD_NOT_FOUND = "Not Found. Sorry but your payload is in another castle."


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


@dataclasses.dataclass(frozen=True, slots=True)
class Secret:
    id: str
    project_id: str
    creator_id: str | None
    name: str | None
    secret_type: str
    algorithm: str | None
    bit_length: int | None
    mode: str | None
    expiration: datetime.datetime | None
    content_type: str | None  # None: no payload yet
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @classmethod
    def from_row(cls, row: Any) -> Secret:
        return cls(**{field.name: getattr(row, field.name) for field in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True, slots=True)
class NewSecret:
    """What a caller asks to store; ``payload`` None makes a metadata-only secret."""

    name: str | None
    secret_type: str
    algorithm: str | None
    bit_length: int | None
    mode: str | None
    expiration: datetime.datetime | None
    payload: Payload | None


@dataclasses.dataclass(frozen=True, slots=True)
class SecretFilters:
    name: str | None = None
    algorithm: str | None = None
    mode: str | None = None
    bit_length: int | None = None
    secret_type: str | None = None


def _alive(moment: datetime.datetime) -> sa.ColumnElement[bool]:
    return sa.or_(_s.c.expiration.is_(None), _s.c.expiration > moment)


async def create(
    conn: AsyncConnection,
    cipher: PayloadCipher,
    *,
    project_id: str,
    creator_id: str | None,
    new: NewSecret,
) -> Secret:
    secret_id, stamp = str(uuid.uuid4()), now()
    payload = new.payload
    await conn.execute(
        _s.insert().values(
            id=secret_id,
            project_id=project_id,
            creator_id=creator_id,
            name=new.name,
            secret_type=new.secret_type,
            algorithm=new.algorithm,
            bit_length=new.bit_length,
            mode=new.mode,
            expiration=new.expiration,
            content_type=payload.content_type if payload else None,
            created_at=stamp,
            updated_at=stamp,
        )
    )
    if payload is not None:
        await _insert_payload(conn, cipher, secret_id, payload, stamp)
    return await get(conn, secret_id)


async def _insert_payload(
    conn: AsyncConnection,
    cipher: PayloadCipher,
    secret_id: str,
    payload: Payload,
    stamp: datetime.datetime,
) -> None:
    sealed = cipher.seal(secret_id, payload.data)
    await conn.execute(
        _p.insert().values(
            secret_id=secret_id,
            kek_id=sealed.kek_id,
            wrapped_key=_text(sealed.wrapped_key),
            ciphertext=_text(sealed.ciphertext),
            created_at=stamp,
        )
    )


def _text(sealed: bytes) -> str:
    return base64.b64encode(sealed).decode("ascii")


def _bytes(stored: str) -> bytes:
    try:
        return base64.b64decode(stored, validate=True)
    except (binascii.Error, ValueError):
        raise UnreadablePayload("the stored payload is not base64") from None


async def get(conn: AsyncConnection, secret_id: str) -> Secret:
    """The secret (any project's: the caller decides who may see it); 404 when gone."""
    row = (await conn.execute(sa.select(_s).where(_s.c.id == secret_id, _alive(now())))).first()
    if row is None:
        raise NotFound(SECRET_NOT_FOUND)
    return Secret.from_row(row)


def _filtered(query: sa.Select[Any], project_id: str, filters: SecretFilters) -> sa.Select[Any]:
    query = query.where(_s.c.project_id == project_id, _alive(now()))
    if filters.name:
        query = query.where(_s.c.name == filters.name)
    if filters.algorithm:
        query = query.where(_s.c.algorithm == filters.algorithm)
    if filters.mode:
        query = query.where(_s.c.mode == filters.mode)
    if filters.bit_length:
        query = query.where(_s.c.bit_length == filters.bit_length)
    if filters.secret_type:
        query = query.where(_s.c.secret_type == filters.secret_type)
    return query


async def list_(
    conn: AsyncConnection, project_id: str, filters: SecretFilters, *, offset: int, limit: int
) -> tuple[list[Secret], int]:
    """One page of the project's secrets, oldest first, and how many match in all."""
    total = int(
        (
            await conn.execute(
                _filtered(sa.select(sa.func.count()).select_from(_s), project_id, filters)
            )
        ).scalar_one()
    )
    rows = await conn.execute(
        _filtered(sa.select(_s), project_id, filters)
        .order_by(_s.c.created_at, _s.c.id)
        .offset(offset)
        .limit(limit)
    )
    return [Secret.from_row(row) for row in rows], total


async def store_payload(
    conn: AsyncConnection, cipher: PayloadCipher, secret_id: str, payload: Payload
) -> None:
    """The second step of a two-step upload: 409 when the secret already has a payload."""
    stamp = now()
    claimed = await conn.execute(
        _s.update()
        .where(_s.c.id == secret_id, _s.c.content_type.is_(None))
        .values(content_type=payload.content_type, updated_at=stamp)
    )
    if claimed.rowcount != 1:
        await get(conn, secret_id)  # 404 when it went away meanwhile
        raise Conflict("Secret already has data, cannot modify it.")
    await _insert_payload(conn, cipher, secret_id, payload, stamp)


async def read_payload(conn: AsyncConnection, cipher: PayloadCipher, secret: Secret) -> bytes:
    """The payload's bytes, decrypted; 404 for a metadata-only secret."""
    row = (await conn.execute(sa.select(_p).where(_p.c.secret_id == secret.id))).first()
    if row is None:
        raise NotFound(PAYLOAD_NOT_FOUND)
    sealed = Sealed(row.kek_id, _bytes(row.wrapped_key), _bytes(row.ciphertext))
    return cipher.open(secret.id, sealed)


async def delete(conn: AsyncConnection, secret_id: str) -> None:
    """Delete the secret, its payload and its places in containers."""
    await get(conn, secret_id)
    await conn.execute(
        m.container_secrets.delete().where(m.container_secrets.c.secret_id == secret_id)
    )
    await conn.execute(_p.delete().where(_p.c.secret_id == secret_id))
    await conn.execute(_s.delete().where(_s.c.id == secret_id))
