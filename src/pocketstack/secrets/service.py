"""The key manager's parts, built once in the lifespan and handed to every handler."""

from __future__ import annotations

import dataclasses

from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.db import ReadWrite, create_engine_for
from pocketstack.common.policy import Enforcer
from pocketstack.common.settings import Settings
from pocketstack.secrets.crypto import PayloadCipher, kek_path
from pocketstack.secrets.policies import RULES

__all__ = ["KeyManager"]


@dataclasses.dataclass
class KeyManager(ReadWrite):
    settings: Settings
    engine: AsyncEngine  # reads
    writer: AsyncEngine  # read-decide-write transactions (BEGIN IMMEDIATE on SQLite)
    enforcer: Enforcer
    cipher: PayloadCipher  # seals payloads with the key-encryption key of the data dir

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine) -> KeyManager:
        return cls(
            settings=settings,
            engine=engine,
            writer=create_engine_for(settings.database_url("secrets"), immediate=True),
            enforcer=Enforcer(RULES),
            cipher=PayloadCipher.load_or_create(kek_path(settings.data_dir)),
        )
