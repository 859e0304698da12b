"""A host agent, Nova's ``nova-compute``: one per hypervisor, on its cell's bus only.

It holds its cell's bus, the placement/network/image/volume clients and a virt driver, no
database: every state change is a call to the cell conductor. At start it registers its
service and compute node, publishes its inventory to placement and re-adopts the instances
the cell says it runs; then it heartbeats and serves ``compute`` casts addressed to it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid as uuidlib
from typing import Any

from pocketstack.common.bus import Bus, BusError, Subscription
from pocketstack.common.reconcile import GuardedTasks
from pocketstack.compute import rpc
from pocketstack.compute.host.devices import DeviceProvider
from pocketstack.compute.host.operations import Operations
from pocketstack.compute.virt.driver import VirtDriver
from pocketstack.image.client import ImageClient
from pocketstack.network.client import NetworkClient
from pocketstack.placement.client import PlacementClient
from pocketstack.volume.client import VolumeClient

__all__ = ["CONDUCTOR_TIMEOUT", "HostAgent", "HostClients", "node_uuid"]

log = logging.getLogger("pocketstack.compute.host")

CONDUCTOR_TIMEOUT = 30.0
_NAMESPACE = uuidlib.UUID("6f1d6c1e-52c4-4a51-9a43-2b0f8f3f5c11")


def node_uuid(host: str) -> str:
    """The compute node's (and resource provider's) uuid, the same at every start."""
    return str(uuidlib.uuid5(_NAMESPACE, host))


@dataclasses.dataclass
class HostClients:
    placement: PlacementClient
    image: ImageClient
    network: NetworkClient
    volume: VolumeClient


class HostAgent:
    def __init__(self, host: str, bus: Bus, clients: HostClients, driver: VirtDriver, *,
                 report_interval: float, devices: list[DeviceProvider] | None = None,
                 logger: logging.Logger = log) -> None:
        self.host = host
        self.devices = {device.uuid: device for device in devices or []}  # by provider
        self.bus = bus
        self.clients = clients
        self.driver = driver
        self.report_interval = report_interval
        self.uuid = node_uuid(host)
        self.tasks = GuardedTasks(logger=logger)
        self._subscription: Subscription | None = None

    async def conductor(self, method: str, payload: dict[str, Any]) -> Any:
        return await self.bus.call(rpc.CELL_CONDUCTOR, method, payload,
                                   timeout=CONDUCTOR_TIMEOUT)

    async def start(self) -> None:
        await self.report()
        totals = self.driver.get_available_resource()
        await self.clients.placement.ensure_provider(self.uuid, self.host, {
            "VCPU": {"total": totals["vcpus"], "allocation_ratio": 16.0},
            "MEMORY_MB": {"total": totals["memory_mb"], "allocation_ratio": 1.5,
                          "reserved": 512},
            "DISK_GB": {"total": totals["local_gb"], "allocation_ratio": 1.0}})
        for device in self.devices.values():  # each GPU a child provider, as Nova's
            await self.clients.placement.ensure_provider(
                device.uuid, device.name,
                {device.resource_class: {"total": device.total, "max_unit": device.total}},
                parent=self.uuid, traits=list(device.traits))
        for record in await self.conductor(rpc.ConductorMethod.HOST_INSTANCES,
                                           {"host": self.host}):
            if record.get("vm_state") in ("active", "stopped", "paused", "suspended"):
                self.driver.adopt(record, int(record.get("power_state") or 0))
        ops = Operations(self)
        self._subscription = await self.bus.serve(rpc.COMPUTE, ops.handle, server=self.host)
        if self.report_interval > 0:
            self.tasks.spawn(self._heartbeat(), name=f"heartbeat {self.host}",
                             finishable=False)

    async def report(self) -> dict[str, Any]:
        service: dict[str, Any] = await self.conductor(
            rpc.ConductorMethod.SERVICE_REPORT, {"host": self.host, "binary": "nova-compute"})
        totals = self.driver.get_available_resource()
        await self.conductor(rpc.ConductorMethod.COMPUTE_NODE_REPORT, {
            "host": self.host, "uuid": self.uuid, "hypervisor_hostname": self.host,
            "hypervisor_type": self.driver.hypervisor_type,
            "hypervisor_version": self.driver.hypervisor_version, "host_ip": "127.0.0.1",
            **totals})
        return service

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.report_interval)
            try:
                await self.report()
            except BusError as exc:
                log.warning("%s could not report: %s", self.host, exc)

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.cancel()
            self._subscription = None
        await self.tasks.close()
