"""The key manager service (a Barbican v1 subset): its spec for the all-in-one process."""

from __future__ import annotations

from contextlib import AsyncExitStack

from pocketstack.common.catalog import CatalogEntry
from pocketstack.common.client import Peers
from pocketstack.common.db import DatabaseRegistry, upgrade
from pocketstack.common.errors import format_barbican
from pocketstack.common.service import ServiceSpec
from pocketstack.common.settings import Settings
from pocketstack.secrets.db import MIGRATIONS
from pocketstack.secrets.routes import build_routes
from pocketstack.secrets.service import KeyManager

__all__ = ["PATH", "build_spec", "catalog", "open_service"]

PATH = "/key-manager"


def catalog(public_url: str) -> list[CatalogEntry]:
    return [CatalogEntry("key-manager", "barbican", public_url + PATH)]


async def open_service(
    settings: Settings, databases: DatabaseRegistry, stack: AsyncExitStack,
    peers: Peers | None = None,
) -> tuple[ServiceSpec, KeyManager]:
    """Migrate, load (or create) the key-encryption key, and build the service."""
    engine = databases.add("secrets", settings.database_url("secrets"))
    await upgrade(engine, MIGRATIONS)
    manager = KeyManager.build(settings, engine)
    stack.push_async_callback(manager.close)
    return build_spec(manager), manager


def build_spec(svc: KeyManager) -> ServiceSpec:
    # No microversions: Barbican answers 1.0 to a client that sends no header, and
    # python-barbicanclient then speaks 1.0 (secret consumers, 1.1, are not served).
    return ServiceSpec(name="secrets", routes=build_routes(svc), formatter=format_barbican)
