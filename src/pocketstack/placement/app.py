"""The placement service: its spec (routes, error shape, microversions) for the stack."""

from __future__ import annotations

from contextlib import AsyncExitStack

from pocketstack.common.catalog import CatalogEntry
from pocketstack.common.client import Peers
from pocketstack.common.db import DatabaseRegistry, upgrade
from pocketstack.common.errors import format_placement
from pocketstack.common.service import ServiceSpec
from pocketstack.common.settings import Settings
from pocketstack.placement.db import MIGRATIONS
from pocketstack.placement.microversion import VERSION_RANGE
from pocketstack.placement.objects.standards import ensure_standards
from pocketstack.placement.routes import build_routes
from pocketstack.placement.service import Placement

__all__ = ["PATH", "build_spec", "catalog", "open_service"]

PATH = "/placement"


def catalog(public_url: str) -> list[CatalogEntry]:
    return [CatalogEntry("placement", "placement", public_url + PATH)]


async def open_service(settings: Settings, databases: DatabaseRegistry,
                       stack: AsyncExitStack, peers: Peers | None = None,
                       ) -> tuple[ServiceSpec, Placement]:
    """Migrate, seed the standard classes and traits, build the service, start its claim
    writer; ``stack`` stops them."""
    engine = databases.add("placement", settings.database_url("placement"))
    await upgrade(engine, MIGRATIONS)
    placement = Placement.build(settings, engine)
    stack.push_async_callback(placement.close)
    async with placement.writing() as conn:
        await ensure_standards(conn)
    placement.claims.start()  # placement.close (on the stack) stops it, then the engines
    return build_spec(placement), placement


def build_spec(svc: Placement) -> ServiceSpec:
    return ServiceSpec(name="placement", routes=build_routes(svc),
                       formatter=format_placement, versions=VERSION_RANGE)
