"""The load-balancer service's parts, built once in the lifespan and handed to every handler
and to the controller."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.client import Peers
from pocketstack.common.db import ReadWrite, create_engine_for
from pocketstack.common.policy import Enforcer
from pocketstack.common.reconcile import ReconcilerRuntime
from pocketstack.common.settings import Settings
from pocketstack.loadbalancer.amphora.base import AmphoraDriver
from pocketstack.loadbalancer.objects.providers import PROVIDERS
from pocketstack.loadbalancer.policies import RULES
from pocketstack.network.client import NetworkClient
from pocketstack.secrets.client import KeyManagerClient

__all__ = ["LoadBalancerService"]



@dataclasses.dataclass
class LoadBalancerService(ReadWrite):
    settings: Settings
    engine: AsyncEngine  # reads
    writer: AsyncEngine  # changes (BEGIN IMMEDIATE on SQLite, row locks elsewhere)
    enforcer: Enforcer
    drivers: dict[str, AmphoraDriver]  # by driver key ("amphora", "noop")
    peers: Peers | None = None  # the network and key-manager services
    runtime: ReconcilerRuntime | None = None  # set once the controller runs
    _network: NetworkClient | None = None
    _key_manager: KeyManagerClient | None = None

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine, drivers: dict[str, AmphoraDriver],
              peers: Peers | None) -> LoadBalancerService:
        url = settings.database_url("loadbalancer")
        options: dict[str, Any] = {}
        if make_url(url).get_backend_name() != "sqlite":
            options["isolation_level"] = "READ COMMITTED"
        writer = create_engine_for(url, immediate=True, **options)
        enforcer = Enforcer({**RULES, **settings.policy_for(RULES)})
        return cls(settings, engine, writer, enforcer, drivers, peers)

    def driver_for(self, provider: str) -> AmphoraDriver:
        return self.drivers[PROVIDERS.get(provider, PROVIDERS["amphora"])[1]]

    def network(self) -> NetworkClient:
        if self._network is None:
            assert self.peers is not None, "the load-balancer service needs the network service"
            self._network = NetworkClient.from_peers(self.peers)
        return self._network

    def key_manager(self) -> KeyManagerClient:
        if self._key_manager is None:
            assert self.peers is not None, "the load-balancer service needs the key manager"
            self._key_manager = KeyManagerClient(
                self.peers.base_url + "/key-manager", tokens=self.peers.tokens,
                transport=self.peers.transport)
        return self._key_manager

    async def close(self) -> None:
        for client in (self._network, self._key_manager):
            if client is not None:
                await client.close()
        await super().close()

    def nudge(self, lb_id: str) -> None:
        """Ask the controller to look at load balancer ``lb_id`` (after the write committed)."""
        if self.runtime is not None:
            self.runtime.nudge(lb_id)
