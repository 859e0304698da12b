"""The identity service's parts, built once in the lifespan and handed to every handler."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pocketstack.common.policy import Enforcer
from pocketstack.common.settings import Settings
from pocketstack.identity.authz import AuthzView
from pocketstack.identity.passwords import PasswordHasher
from pocketstack.identity.policies import RULES
from pocketstack.identity.tokens.keys import KeyRepository
from pocketstack.identity.tokens.payload import TokenCodec
from pocketstack.identity.tokens.validator import LocalTokenValidator

__all__ = ["Identity"]


@dataclasses.dataclass
class Identity:
    settings: Settings
    engine: AsyncEngine
    hasher: PasswordHasher
    keys: KeyRepository
    codec: TokenCodec
    view: AuthzView
    validator: LocalTokenValidator
    enforcer: Enforcer

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine) -> Identity:
        keys = KeyRepository(settings.keys_dir, max_active_keys=settings.identity.max_active_keys)
        codec = TokenCodec(keys)
        view = AuthzView(engine)
        return cls(
            settings=settings, engine=engine,
            hasher=PasswordHasher(settings.identity.password_hash_rounds),
            keys=keys, codec=codec, view=view,
            validator=LocalTokenValidator(codec, view,
                                          cache_size=settings.identity.token_cache_size),
            enforcer=Enforcer(RULES),
        )

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """One transaction; after it commits, tokens see the change at once."""
        async with self.engine.begin() as conn:
            yield conn
        await self.view.reload()
