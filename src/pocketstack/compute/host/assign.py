"""Which of its GPUs a host gives an instance: the child providers placement allocated.

The scheduler claimed the devices in placement (a whole GPU's provider, or vGPUs of one);
the host reads the instance's allocations, names the devices and hands them to the driver
(``instance["devices"]``), and the instance records them in its system metadata.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pocketstack.compute import rpc

if TYPE_CHECKING:
    from pocketstack.compute.host.agent import HostAgent

__all__ = ["DEVICES_KEY", "assigned_devices", "describe", "wants_devices"]

DEVICES_KEY = rpc.DEVICES_KEY


def wants_devices(flavor: dict[str, Any]) -> bool:
    """Whether the flavor asks for more than vCPUs, RAM and disk."""
    return any(key.startswith(("resources", "pci_passthrough:"))
               for key in (flavor.get("extra_specs") or {}))


async def assigned_devices(agent: HostAgent, instance: dict[str, Any]) -> list[dict[str, Any]]:
    """The devices of this host the instance's allocations hold: address, vGPU type (None
    for a whole device), how many vGPUs, how many vGPUs the GPU holds."""
    if not agent.devices or not wants_devices(instance.get("flavor") or {}):
        return []
    allocations = await agent.clients.placement.get_allocations(instance["uuid"])
    found = []
    for rp, held in sorted(allocations.items()):
        device = agent.devices.get(rp)
        if device is None:
            continue
        found.append({"address": device.address, "mdev_type": device.mdev_type,
                      "count": int(held["resources"].get(device.resource_class, 1)),
                      "per_device": device.total, "index": device.device.index})
    return found


def describe(devices: list[dict[str, Any]]) -> str:
    """The system metadata value: "0000:81:00.0" or "nvidia-a100-10c@0000:82:00.0", ..."""
    return ",".join(d["address"] if d["mdev_type"] is None else f"{d['mdev_type']}@{d['address']}"
                    for d in devices)
