"""The no-op amphora driver: records each load balancer's last configuration and serves
nothing, as upstream's noop driver (API-only deployments, the API test suites)."""

from __future__ import annotations

import asyncio

from pocketstack.loadbalancer.amphora.base import HealthReport
from pocketstack.loadbalancer.amphora.model import LoadBalancerConfig

__all__ = ["NoopDriver"]


class NoopDriver:
    def __init__(self) -> None:
        self.applied: dict[str, LoadBalancerConfig] = {}
        # Tests hold changes in flight (PENDING) by clearing this; set, nothing waits.
        self.proceed = asyncio.Event()
        self.proceed.set()

    async def apply(self, config: LoadBalancerConfig) -> None:
        await self.proceed.wait()
        self.applied[config.id] = config

    async def remove(self, lb_id: str) -> None:
        self.applied.pop(lb_id, None)

    async def failover(self, config: LoadBalancerConfig, old_amphora_ids: tuple[str, ...]) -> None:
        self.applied[config.id] = config

    async def health(self, lb_id: str) -> HealthReport:
        return HealthReport(alive=False)

    async def running(self) -> set[str]:
        return set(self.applied)

    async def close(self) -> None:
        self.applied.clear()
