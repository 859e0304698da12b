"""A host's GPUs as placement providers, as Nova reports them (§5).

A GPU an enabled vGPU type names (``[mdev_<type>] device_addresses``) becomes a child
provider ``<host>_pci_<dddd>_<bb>_<ss>_<f>`` with that type's inventory (``VGPU`` or its
``mdev_class``) and the trait ``CUSTOM_<TYPE>``; any other GPU a ``[pci] device_spec``
matches becomes a child provider ``<host>_<address>`` with one ``CUSTOM_PCI_<VENDOR>_<PRODUCT>``
(or the spec's ``resource_class``) and the spec's traits. Flavors ask for them with
``resources:VGPU=1`` / ``trait:CUSTOM_...=required`` or ``pci_passthrough:alias``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import re
import uuid as uuidlib
from collections.abc import Mapping, Sequence
from typing import Any

from pocketstack.common.settings import DevicesSettings, PciSettings
from pocketstack.compute.virt.gpus import GpuDevice

__all__ = ["DeviceProvider", "InvalidDeviceConfig", "custom_name", "device_providers",
           "parse_specs", "pci_resource_class"]

_NAMESPACE = uuidlib.UUID("0c1f6d0e-4a43-4b8e-9a55-7f3f1d2c6b21")


class InvalidDeviceConfig(ValueError):
    """[pci] or [devices] cannot be read (a bad JSON object, an address in two types)."""


@dataclasses.dataclass(frozen=True)
class DeviceProvider:
    """One child provider of a compute node: a whole GPU, or a GPU's vGPUs."""

    name: str
    uuid: str
    address: str
    resource_class: str
    total: int
    traits: tuple[str, ...]
    mdev_type: str | None  # None: handed out whole (PCI passthrough)
    device: GpuDevice


def custom_name(text: str) -> str:
    """Nova's normalisation: upper case, runs of other characters as ``_``, ``CUSTOM_``."""
    name = re.sub(r"[^A-Z0-9_]+", "_", text.upper())
    return name if name.startswith("CUSTOM_") else "CUSTOM_" + name


def pci_resource_class(spec: Mapping[str, Any], vendor_id: str, product_id: str) -> str:
    if spec.get("resource_class"):
        named = str(spec["resource_class"]).upper()
        return named if named in ("PCI_DEVICE", "VGPU") else custom_name(named)
    return f"CUSTOM_PCI_{vendor_id.upper()}_{product_id.upper()}"


def parse_specs(texts: Sequence[str], option: str) -> list[dict[str, Any]]:
    """JSON objects (or lists of them), as Nova's multi-valued options hold them."""
    found: list[dict[str, Any]] = []
    for text in texts:
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise InvalidDeviceConfig(f"Invalid {option} definition: {text}: {exc}") from None
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                raise InvalidDeviceConfig(f"Invalid {option} definition: {text}")
            found.append(item)
    return found


def _matches(spec: Mapping[str, Any], device: GpuDevice) -> bool:
    for key in ("vendor_id", "product_id"):
        wanted = str(spec.get(key, "*")).lower()
        if wanted != "*" and wanted != getattr(device, key):
            return False
    address = spec.get("address")
    return address is None or fnmatch.fnmatch(device.address, str(address).lower())


def _child(host: str, name: str, address: str) -> str:
    return str(uuidlib.uuid5(_NAMESPACE, f"{host}/{address}/{name}"))


def device_providers(host: str, gpus: Sequence[GpuDevice], pci: PciSettings,
                     devices: DevicesSettings) -> list[DeviceProvider]:
    """The child providers of ``host``'s GPUs, as the settings hand them out."""
    by_address: dict[str, str] = {}
    for mdev_type in devices.enabled_mdev_types:
        type_settings = devices.mdev.get(mdev_type)
        for address in type_settings.device_addresses if type_settings else ():
            if address.lower() in by_address:
                raise InvalidDeviceConfig(f"PCI address {address} is in two vGPU types")
            by_address[address.lower()] = mdev_type
    specs = parse_specs(pci.device_spec, "[pci] device_spec")
    found = []
    for gpu in gpus:
        if gpu.address in by_address:
            mdev_type = by_address[gpu.address]
            settings = devices.mdev[mdev_type]
            total = settings.max_instances or gpu.mdev_types.get(mdev_type, 0)
            if total <= 0:
                continue  # this GPU cannot serve that type
            name = f"{host}_pci_{re.sub(r'[:.]', '_', gpu.address)}"
            found.append(DeviceProvider(name, _child(host, name, gpu.address), gpu.address,
                                        settings.mdev_class.upper(), total,
                                        (custom_name(mdev_type),), mdev_type, gpu))
            continue
        matching = [s for s in specs if _matches(s, gpu)]
        if not matching:
            continue
        spec, name = matching[0], f"{host}_{gpu.address}"
        traits = tuple(custom_name(t.strip()) for t in str(spec.get("traits", "")).split(",")
                       if t.strip())
        found.append(DeviceProvider(
            name, _child(host, name, gpu.address), gpu.address,
            pci_resource_class(spec, gpu.vendor_id, gpu.product_id), 1, traits, None, gpu))
    return found
