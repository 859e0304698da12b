"""The image service's parts, built once in the lifespan and handed to every handler."""

from __future__ import annotations

import dataclasses

from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.db import ReadWrite, create_engine_for
from pocketstack.common.policy import Enforcer
from pocketstack.common.settings import Settings
from pocketstack.image.drivers.filesystem import FilesystemStore
from pocketstack.image.drivers.store import ImageStore
from pocketstack.image.policies import RULES

__all__ = ["ImageService"]


@dataclasses.dataclass
class ImageService(ReadWrite):
    settings: Settings
    engine: AsyncEngine  # reads
    writer: AsyncEngine  # read-decide-write transactions (BEGIN IMMEDIATE on SQLite)
    enforcer: Enforcer
    store: ImageStore
    size_cap: int

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine) -> ImageService:
        return cls(
            settings=settings,
            engine=engine,
            writer=create_engine_for(settings.database_url("image"), immediate=True),
            enforcer=Enforcer(RULES),
            store=FilesystemStore(settings.data_dir / "images"),
            size_cap=settings.image.size_cap,
        )
