"""Fernet-equivalent tokens: a key repository, a compact payload, issue and validation."""

from __future__ import annotations

from pocketstack.identity.tokens.keys import KeyRepository
from pocketstack.identity.tokens.payload import Payload, TokenCodec

__all__ = ["KeyRepository", "Payload", "TokenCodec"]
