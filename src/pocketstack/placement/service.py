"""The placement service's parts, built once in the lifespan and handed to every handler."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pocketstack.common.db import create_engine_for
from pocketstack.common.policy import Enforcer
from pocketstack.common.settings import Settings
from pocketstack.placement.policies import RULES

__all__ = ["Placement"]


@dataclasses.dataclass
class Placement:
    settings: Settings
    engine: AsyncEngine  # reads
    writer: AsyncEngine  # read-decide-write transactions (BEGIN IMMEDIATE on SQLite)
    enforcer: Enforcer

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine) -> Placement:
        writer = create_engine_for(settings.database_url("placement"), immediate=True)
        return cls(settings=settings, engine=engine, writer=writer, enforcer=Enforcer(RULES))

    async def close(self) -> None:
        await self.writer.dispose()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """One transaction that commits on success and rolls back on any error."""
        async with self.writer.begin() as conn:
            yield conn
