"""What a host agent asks of its hypervisor: the virt driver protocol.

The host agent never touches a database; it drives one ``VirtDriver`` and reports what the
driver says through its cell conductor.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["PowerState", "SpawnFailed", "VirtDriver"]


class PowerState:
    """Nova's power states (``OS-EXT-STS:power_state``)."""

    NOSTATE = 0
    RUNNING = 1
    PAUSED = 3
    SHUTDOWN = 4
    CRASHED = 6
    SUSPENDED = 7


class SpawnFailed(Exception):
    """The hypervisor could not start the instance."""


class VirtDriver(Protocol):
    hypervisor_type: str
    hypervisor_version: int

    def get_available_resource(self) -> dict[str, Any]:
        """Totals and usage: vcpus, memory_mb, local_gb, *_used, running_vms."""
        ...

    def instances(self) -> dict[str, int]:
        """The instances it runs: uuid -> power state."""
        ...

    async def spawn(self, instance: dict[str, Any]) -> None: ...

    async def destroy(self, instance_uuid: str) -> None: ...

    async def power_off(self, instance_uuid: str) -> None: ...

    async def power_on(self, instance_uuid: str) -> None: ...

    async def reboot(self, instance_uuid: str, reboot_type: str) -> None: ...

    async def pause(self, instance_uuid: str) -> None: ...

    async def unpause(self, instance_uuid: str) -> None: ...

    async def suspend(self, instance_uuid: str) -> None: ...

    async def resume(self, instance_uuid: str) -> None: ...

    async def snapshot(self, instance_uuid: str) -> bytes:
        """The instance's disk, as the image data to upload."""
        ...

    async def migrate_disk_and_power_off(self, instance: dict[str, Any]) -> bytes:
        """Resize/migration, source side: power the guest off and keep its disks aside
        (for a revert); the root disk's data (a cross-cell move uploads it). Idempotent."""
        ...

    async def finish_migration(self, instance: dict[str, Any], power_on: bool) -> None:
        """Destination side: start the guest with the instance's (new) flavor."""
        ...

    async def confirm_migration(self, instance_uuid: str) -> None:
        """Source side, on confirm: drop the guest and disks kept aside. Idempotent."""
        ...

    async def finish_revert_migration(self, instance: dict[str, Any], power_on: bool) -> None:
        """Source side, on revert: start the guest again from the disks kept aside."""
        ...

    def adopt(self, instance: dict[str, Any], power_state: int) -> None:
        """Take back an instance the cell says this host runs (agent restart)."""
        ...
