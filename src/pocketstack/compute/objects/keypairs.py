"""Key pairs in the API database (global, per user): generate or import, list with paging,
show, delete; fingerprints as Nova computes them."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.db.api_models import key_pairs
from pocketstack.compute.objects.instances import now

__all__ = [
    "KEY_PAIRS_QUOTA",
    "InvalidKeypair",
    "KeypairExists",
    "KeypairNotFound",
    "KeypairQuotaExceeded",
    "create_keypair",
    "delete_keypair",
    "fingerprint",
    "generate_key",
    "get_keypair",
    "list_keypairs",
    "require_keypair",
]

KEY_PAIRS_QUOTA = 100  # [quota] key_pairs, per user


class KeypairNotFound(LookupError):
    def __init__(self, name: str, user_id: str) -> None:
        super().__init__(f"Keypair {name} not found for user {user_id}")


class KeypairExists(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"Key pair '{name}' already exists.")


class InvalidKeypair(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"Keypair data is invalid: {reason}")


class KeypairQuotaExceeded(Exception):
    def __init__(self) -> None:
        super().__init__("Quota exceeded, too many key pairs.")


def fingerprint(public_key: str) -> str:
    """The MD5 fingerprint of an OpenSSH public key (``aa:bb:...``), as Nova shows it."""
    parts = public_key.strip().split()
    if len(parts) < 2:
        raise InvalidKeypair("failed to generate fingerprint")
    try:
        blob = base64.b64decode(parts[1], validate=True)
        serialization.load_ssh_public_key(public_key.strip().encode())
    except (binascii.Error, ValueError, TypeError):
        raise InvalidKeypair("failed to generate fingerprint") from None
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def generate_key() -> tuple[str, str]:
    """A new RSA key: (private key in PEM, OpenSSH public key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return private, public + " Generated-by-Nova"


async def get_keypair(conn: AsyncConnection, user_id: str, name: str) -> dict[str, Any] | None:
    row = (await conn.execute(sa.select(key_pairs).where(
        key_pairs.c.user_id == user_id, key_pairs.c.name == name))).mappings().first()
    return dict(row) if row is not None else None


async def require_keypair(conn: AsyncConnection, user_id: str, name: str) -> dict[str, Any]:
    found = await get_keypair(conn, user_id, name)
    if found is None:
        raise KeypairNotFound(name, user_id)
    return found


async def create_keypair(conn: AsyncConnection, *, user_id: str, name: str, key_type: str,
                         public_key: str, limit: int = KEY_PAIRS_QUOTA) -> dict[str, Any]:
    """Store an (imported or generated) public key; ``limit`` per user (-1: no limit)."""
    print_ = fingerprint(public_key)
    if await get_keypair(conn, user_id, name) is not None:
        raise KeypairExists(name)
    count = (await conn.execute(sa.select(sa.func.count()).select_from(key_pairs).where(
        key_pairs.c.user_id == user_id))).scalar_one()
    if 0 <= limit <= count:
        raise KeypairQuotaExceeded()
    await conn.execute(sa.insert(key_pairs).values(
        name=name, user_id=user_id, fingerprint=print_, public_key=public_key,
        type=key_type, created_at=now()))
    return await require_keypair(conn, user_id, name)


async def list_keypairs(conn: AsyncConnection, user_id: str, *, limit: int | None = None,
                        marker: str | None = None) -> list[dict[str, Any]]:
    """The user's key pairs by name; ``marker`` is the name of the last one already seen."""
    query = sa.select(key_pairs).where(key_pairs.c.user_id == user_id)
    if marker is not None:
        anchor = await get_keypair(conn, user_id, marker)
        if anchor is None:
            raise KeypairNotFound(marker, user_id)
        query = query.where(key_pairs.c.name > marker)
    query = query.order_by(key_pairs.c.name.asc())
    if limit is not None:
        query = query.limit(limit)
    return [dict(row) for row in (await conn.execute(query)).mappings()]


async def delete_keypair(conn: AsyncConnection, user_id: str, name: str) -> None:
    done = await conn.execute(sa.delete(key_pairs).where(
        key_pairs.c.user_id == user_id, key_pairs.c.name == name))
    if not done.rowcount:
        raise KeypairNotFound(name, user_id)
