"""Password and secret hashing with bcrypt, off the event loop. Never logged.

bcrypt reads at most 72 bytes; longer secrets are first reduced with SHA-256 so that every
byte counts.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib

import bcrypt

__all__ = ["PasswordHasher"]

_MAX_BCRYPT = 72


def _prepare(secret: str) -> bytes:
    raw = secret.encode("utf-8")
    if len(raw) > _MAX_BCRYPT:
        raw = base64.b64encode(hashlib.sha256(raw).digest())
    return raw


class PasswordHasher:
    def __init__(self, rounds: int = 12) -> None:
        if not 4 <= rounds <= 31:
            raise ValueError("bcrypt rounds must be between 4 and 31")
        self.rounds = rounds

    def hash_sync(self, secret: str) -> str:
        return bcrypt.hashpw(_prepare(secret), bcrypt.gensalt(self.rounds)).decode()

    async def hash(self, secret: str) -> str:
        return await asyncio.to_thread(self.hash_sync, secret)

    async def verify(self, secret: str, hashed: str | None) -> bool:
        if not hashed:
            return False
        return await asyncio.to_thread(bcrypt.checkpw, _prepare(secret), hashed.encode())
