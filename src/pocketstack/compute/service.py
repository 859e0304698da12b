"""The compute API's parts, built once in the lifespan and handed to every handler.

``Compute`` holds the API database (reads on ``engine``, writes on ``writer``), the cell
registry, the buses, the policy enforcer and the clients of the services compute calls.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.bus import Bus
from pocketstack.common.client import Peers
from pocketstack.common.db import ReadWrite, create_engine_for
from pocketstack.common.policy import Enforcer
from pocketstack.common.reconcile import GuardedTasks
from pocketstack.common.settings import Settings
from pocketstack.compute.cells import BusHub, CellHandle, CellRegistry
from pocketstack.compute.cells.faults import CellFaults
from pocketstack.compute.policies import RULES
from pocketstack.compute.view_cache import ViewCache
from pocketstack.identity.client import IdentityClient
from pocketstack.image.client import ImageClient
from pocketstack.network.client import NetworkClient
from pocketstack.placement.client import PlacementClient
from pocketstack.volume.client import VolumeClient

__all__ = ["Clients", "Compute"]

log = logging.getLogger("pocketstack.compute")


@dataclasses.dataclass
class Clients:
    """The services compute calls, each with compute's own token."""

    placement: PlacementClient
    image: ImageClient
    network: NetworkClient
    volume: VolumeClient
    identity: IdentityClient  # with the caller's token (quota sets check projects)

    @classmethod
    def from_peers(cls, peers: Peers) -> Clients:
        return cls(PlacementClient.from_peers(peers), ImageClient.from_peers(peers),
                   NetworkClient.from_peers(peers), VolumeClient.from_peers(peers),
                   IdentityClient(peers.base_url + "/identity", transport=peers.transport))

    async def close(self) -> None:
        for client in (self.placement, self.image, self.network, self.volume, self.identity):
            await client.close()


@dataclasses.dataclass
class Compute(ReadWrite):
    settings: Settings
    engine: AsyncEngine  # API database: reads
    writer: AsyncEngine  # API database: read-decide-write transactions
    enforcer: Enforcer
    cells: CellRegistry
    buses: BusHub
    clients: Clients
    api_bus: Bus
    tasks: GuardedTasks
    views: ViewCache[bytes] = dataclasses.field(default_factory=ViewCache)  # rendered servers
    # build requests' instance records, decoded (build requests never change)
    builds: ViewCache[dict[str, Any]] = dataclasses.field(
        default_factory=lambda: ViewCache(size=5000))

    @classmethod
    async def build(cls, settings: Settings, engine: AsyncEngine, peers: Peers) -> Compute:
        url = settings.database_url("compute_api")
        options: dict[str, Any] = {}
        if make_url(url).get_backend_name() != "sqlite":
            options["isolation_level"] = "READ COMMITTED"
        buses = BusHub()
        api_bus = await buses.get(settings.cell_transport_url("api"))
        return cls(settings, engine, create_engine_for(url, immediate=True, **options),
                   Enforcer(RULES, settings.policy_for(RULES)),
                   CellRegistry(CellFaults() if settings.cells.fault_injection else None),
                   buses, Clients.from_peers(peers), api_bus,
                   GuardedTasks(logger=log))

    async def cell_transport_url(self, cell: CellHandle) -> str:
        """Where this process reaches the bus of ``cell`` (through its fault proxy if any)."""
        url = cell.mapping.transport_url
        if self.cells.faults is not None:
            url = await self.cells.faults.transport_url(cell.uuid, cell.name, url)
        return url

    async def cell_bus(self, cell: CellHandle) -> Bus:
        """The started bus of ``cell`` (never cell0's: nothing runs there)."""
        return await self.buses.get(await self.cell_transport_url(cell))

    async def close(self) -> None:
        """Stop the background work and wait for it (a task cancelled mid-query must give its
        connection back before the engines go), then the buses, clients and databases."""
        running = list(self.tasks)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await self.buses.close()
        await self.clients.close()
        await self.cells.close()
        await self.writer.dispose()
