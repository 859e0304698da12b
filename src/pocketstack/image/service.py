"""The image service's parts, built once in the lifespan and handed to every handler."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pocketstack.common.db import create_engine_for
from pocketstack.common.policy import Enforcer
from pocketstack.common.settings import Settings
from pocketstack.image.drivers.filesystem import FilesystemStore
from pocketstack.image.drivers.store import ImageStore
from pocketstack.image.policies import RULES

__all__ = ["DEFAULT_SIZE_CAP", "SIZE_CAP_ENV", "ImageService", "size_cap_from"]

DEFAULT_SIZE_CAP = 1 << 40  # bytes: Glance's [DEFAULT] image_size_cap, 1 TiB
SIZE_CAP_ENV = "POCKETSTACK_IMAGE__SIZE_CAP"


def size_cap_from(env: Mapping[str, str]) -> int:
    """The upload size cap: ``POCKETSTACK_IMAGE__SIZE_CAP`` (bytes) or Glance's default."""
    raw = env.get(SIZE_CAP_ENV, "").strip()
    if not raw:
        return DEFAULT_SIZE_CAP
    if not raw.isdigit():
        raise ValueError(f"{SIZE_CAP_ENV} must be a number of bytes, not {raw!r}")
    return int(raw)


@dataclasses.dataclass
class ImageService:
    settings: Settings
    engine: AsyncEngine  # reads
    writer: AsyncEngine  # read-decide-write transactions (BEGIN IMMEDIATE on SQLite)
    enforcer: Enforcer
    store: ImageStore
    size_cap: int

    @classmethod
    def build(
        cls, settings: Settings, engine: AsyncEngine, *, env: Mapping[str, str] | None = None
    ) -> ImageService:
        return cls(
            settings=settings,
            engine=engine,
            writer=create_engine_for(settings.database_url("image"), immediate=True),
            enforcer=Enforcer(RULES),
            store=FilesystemStore(settings.data_dir / "images"),
            size_cap=size_cap_from(os.environ if env is None else env),
        )

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
