"""The network service (Neutron v2.0 subset): its spec (routes, error shape) for the stack.

The catalog URL is unversioned (``<public_url>/network``): clients append ``/v2.0``.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

from pocketstack.common.catalog import CatalogEntry
from pocketstack.common.client import Peers
from pocketstack.common.db import DatabaseRegistry, upgrade
from pocketstack.common.errors import format_neutron
from pocketstack.common.service import ServiceSpec
from pocketstack.common.settings import Settings
from pocketstack.network.db import MIGRATIONS
from pocketstack.network.routes import build_routes
from pocketstack.network.service import Network

__all__ = ["PATH", "build_spec", "catalog", "open_service"]

PATH = "/network"


def catalog(public_url: str) -> list[CatalogEntry]:
    return [CatalogEntry("network", "neutron", public_url + PATH)]


async def open_service(
    settings: Settings, databases: DatabaseRegistry, stack: AsyncExitStack,
    peers: Peers | None = None,
) -> tuple[ServiceSpec, Network]:
    """Migrate the network database and build the service."""
    engine = databases.add("network", settings.database_url("network"))
    await upgrade(engine, MIGRATIONS)
    network = Network.build(settings, engine)
    stack.push_async_callback(network.close)
    return build_spec(network), network


def build_spec(svc: Network) -> ServiceSpec:
    return ServiceSpec(name="network", routes=build_routes(svc), formatter=format_neutron)
