"""The volume service's parts, built once in the lifespan and handed to every handler."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.db import ReadWrite, create_engine_for
from pocketstack.common.policy import Enforcer
from pocketstack.common.reconcile import ReconcilerRuntime
from pocketstack.common.settings import Settings
from pocketstack.volume.drivers import VolumeBackend
from pocketstack.volume.policies import RULES

__all__ = ["VolumeService"]


@dataclasses.dataclass
class VolumeService(ReadWrite):
    settings: Settings
    engine: AsyncEngine  # reads
    writer: AsyncEngine  # status changes (BEGIN IMMEDIATE on SQLite, row locks elsewhere)
    enforcer: Enforcer
    backend: VolumeBackend
    # Set once the reconciler runs (open_service); None in a process that only serves reads.
    runtime: ReconcilerRuntime | None = None

    @classmethod
    def build(
        cls, settings: Settings, engine: AsyncEngine, backend: VolumeBackend
    ) -> VolumeService:
        url = settings.database_url("volume")
        options: dict[str, Any] = {}
        if make_url(url).get_backend_name() != "sqlite":
            options["isolation_level"] = "READ COMMITTED"  # fresh reads after a row lock
        writer = create_engine_for(url, immediate=True, **options)
        return cls(settings, engine, writer, Enforcer(RULES), backend)

    def nudge(self, volume_id: str) -> None:
        """Ask the reconciler to look at ``volume_id`` soon (after the write committed)."""
        if self.runtime is not None:
            self.runtime.nudge(volume_id)
