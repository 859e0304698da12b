"""A fake hypervisor: bookkeeping of what it runs and how much it uses, with latencies.

Spawns and power operations wait ``spawn_latency`` / ``power_latency`` seconds (no wait at
zero), and a spawn fails while ``fail_spawn`` is set (from ``[compute] fail_spawn_on`` or
by a test at run time).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from pocketstack.compute.virt.driver import PowerState, SpawnFailed
from pocketstack.compute.virt.gpus import cuda_environment

__all__ = ["FakeHypervisor", "FakeInstance"]


@dataclasses.dataclass
class FakeInstance:
    uuid: str
    vcpus: int
    memory_mb: int
    disk_gb: int
    power_state: int = PowerState.RUNNING


def _usage(flavor: dict[str, Any]) -> tuple[int, int, int]:
    disk = int(flavor.get("root_gb", 0)) + int(flavor.get("ephemeral_gb", 0))
    return int(flavor.get("vcpus", 0)), int(flavor.get("memory_mb", 0)), disk


class FakeHypervisor:
    hypervisor_type = "fake"
    hypervisor_version = 1000

    def __init__(self, host: str, *, vcpus: int, memory_mb: int, disk_gb: int,
                 spawn_latency: float = 0.0, power_latency: float = 0.0,
                 fail_spawn: bool = False) -> None:
        self.host = host
        self.vcpus = vcpus
        self.memory_mb = memory_mb
        self.disk_gb = disk_gb
        self.spawn_latency = spawn_latency
        self.power_latency = power_latency
        self.fail_spawn = fail_spawn
        self.running: dict[str, FakeInstance] = {}
        # Guests powered off by a resize or migration, disks kept for a revert (they still
        # use the host's resources until the move is confirmed, as Nova's tracker counts).
        self.kept: dict[str, FakeInstance] = {}
        # The GPUs each instance was given, and the CUDA environment its workload gets.
        self.devices: dict[str, list[dict[str, Any]]] = {}
        self.environment: dict[str, dict[str, str]] = {}

    def get_available_resource(self) -> dict[str, Any]:
        used = [(i.vcpus, i.memory_mb, i.disk_gb)
                for i in [*self.running.values(), *self.kept.values()]]
        return {"vcpus": self.vcpus, "memory_mb": self.memory_mb, "local_gb": self.disk_gb,
                "vcpus_used": sum(u[0] for u in used),
                "memory_mb_used": sum(u[1] for u in used),
                "local_gb_used": sum(u[2] for u in used), "running_vms": len(self.running)}

    def instances(self) -> dict[str, int]:
        return {uuid: i.power_state for uuid, i in self.running.items()}

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)

    async def spawn(self, instance: dict[str, Any]) -> None:
        await self._wait(self.spawn_latency)
        if self.fail_spawn:
            raise SpawnFailed(f"Fake spawn failure injected on {self.host}")
        vcpus, memory, disk = _usage(instance.get("flavor") or {})
        self.running[instance["uuid"]] = FakeInstance(instance["uuid"], vcpus, memory, disk)
        self._assign(instance)

    def _assign(self, instance: dict[str, Any]) -> None:
        devices = list(instance.get("devices") or [])
        self.devices.pop(instance["uuid"], None)
        self.environment.pop(instance["uuid"], None)
        if devices:
            self.devices[instance["uuid"]] = devices
            first = devices[0]
            share = first["per_device"] // max(first["count"], 1) if first["mdev_type"] else None
            self.environment[instance["uuid"]] = cuda_environment(
                [int(d["index"]) for d in devices], share)

    def adopt(self, instance: dict[str, Any], power_state: int) -> None:
        vcpus, memory, disk = _usage(instance.get("flavor") or {})
        self.running[instance["uuid"]] = FakeInstance(instance["uuid"], vcpus, memory, disk,
                                                      power_state)

    async def destroy(self, instance_uuid: str) -> None:
        await self._wait(self.power_latency)
        self.running.pop(instance_uuid, None)
        self.devices.pop(instance_uuid, None)
        self.environment.pop(instance_uuid, None)

    async def _power(self, instance_uuid: str, state: int) -> None:
        await self._wait(self.power_latency)
        found = self.running.get(instance_uuid)
        if found is None:
            raise LookupError(f"Instance {instance_uuid} is not running on {self.host}")
        found.power_state = state

    async def power_off(self, instance_uuid: str) -> None:
        await self._power(instance_uuid, PowerState.SHUTDOWN)

    async def power_on(self, instance_uuid: str) -> None:
        await self._power(instance_uuid, PowerState.RUNNING)

    async def reboot(self, instance_uuid: str, reboot_type: str) -> None:
        await self._power(instance_uuid, PowerState.RUNNING)

    async def pause(self, instance_uuid: str) -> None:
        await self._power(instance_uuid, PowerState.PAUSED)

    async def unpause(self, instance_uuid: str) -> None:
        await self._power(instance_uuid, PowerState.RUNNING)

    async def suspend(self, instance_uuid: str) -> None:
        await self._power(instance_uuid, PowerState.SUSPENDED)

    async def resume(self, instance_uuid: str) -> None:
        await self._power(instance_uuid, PowerState.RUNNING)

    async def migrate_disk_and_power_off(self, instance: dict[str, Any]) -> bytes:
        await self._wait(self.power_latency)
        uuid = instance["uuid"]
        guest = self.running.pop(uuid, None)
        self.devices.pop(uuid, None)  # its GPUs stay claimed (the migration's) but unused
        self.environment.pop(uuid, None)
        if guest is not None:
            guest.power_state = PowerState.SHUTDOWN
            self.kept[uuid] = guest
        elif uuid not in self.kept:  # lost with a restart of this agent: disks are on disk
            vcpus, memory, disk = _usage(instance.get("flavor") or {})
            self.kept[uuid] = FakeInstance(uuid, vcpus, memory, disk, PowerState.SHUTDOWN)
        return _disk_of(uuid)

    async def finish_migration(self, instance: dict[str, Any], power_on: bool) -> None:
        await self.spawn(instance)
        if not power_on:
            self.running[instance["uuid"]].power_state = PowerState.SHUTDOWN

    async def confirm_migration(self, instance_uuid: str) -> None:
        await self._wait(self.power_latency)
        self.kept.pop(instance_uuid, None)

    async def finish_revert_migration(self, instance: dict[str, Any], power_on: bool) -> None:
        await self._wait(self.spawn_latency)
        uuid = instance["uuid"]
        vcpus, memory, disk = _usage(instance.get("flavor") or {})
        self.kept.pop(uuid, None)
        self.running[uuid] = FakeInstance(
            uuid, vcpus, memory, disk, PowerState.RUNNING if power_on else PowerState.SHUTDOWN)
        self._assign(instance)

    async def snapshot(self, instance_uuid: str) -> bytes:
        await self._wait(self.power_latency)
        if instance_uuid not in self.running:
            raise LookupError(f"Instance {instance_uuid} is not running on {self.host}")
        return _disk_of(instance_uuid)


def _disk_of(instance_uuid: str) -> bytes:
    """A fake root disk: a qcow2 magic, the instance uuid, padding."""
    return b"QFI\xfb" + instance_uuid.encode() + b"\0" * 512
