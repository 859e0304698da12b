"""The GPUs a host has: a discovery protocol, fake GPUs for the fake hypervisor, and NVML.

A GPU is a PCI device (address, vendor and product ids, model name) with the vGPU
(mediated device) types it supports and how many vGPUs of each one GPU holds. The host
agent turns them into placement providers (:mod:`pocketstack.compute.host.devices`); the
driver hands an assigned GPU or vGPU share to the workload as CUDA environment variables.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["GPU_MODELS", "FakeGpus", "GpuDevice", "GpuDiscovery", "NvmlGpus",
           "cuda_environment", "discover"]


@dataclasses.dataclass(frozen=True)
class GpuDevice:
    address: str  # PCI address, dddd:bb:ss.f
    vendor_id: str  # 4 hex digits, lower case
    product_id: str
    name: str
    mdev_types: Mapping[str, int]  # vGPU type -> how many one GPU of this model holds
    index: int = 0  # the CUDA device index


class GpuDiscovery(Protocol):
    def devices(self) -> list[GpuDevice]: ...


# vendor, product, vGPU types (NVIDIA's A100 profiles: 40, 20, 10 or 5 GB each).
GPU_MODELS: dict[str, tuple[str, str, dict[str, int]]] = {
    "A100": ("10de", "20b0", {"nvidia-a100-40c": 1, "nvidia-a100-20c": 2,
                              "nvidia-a100-10c": 4, "nvidia-a100-5c": 8}),
    "H100": ("10de", "2330", {"nvidia-h100-80c": 1, "nvidia-h100-40c": 2,
                              "nvidia-h100-20c": 4, "nvidia-h100-10c": 8}),
}


@dataclasses.dataclass(frozen=True)
class FakeGpus:
    """``count`` GPUs of ``model`` at 0000:81:00.0, 0000:82:00.0, ..."""

    model: str
    count: int

    def devices(self) -> list[GpuDevice]:
        vendor, product, types = GPU_MODELS[self.model]
        return [GpuDevice(f"0000:{0x81 + i:02x}:00.0", vendor, product,
                          f"NVIDIA {self.model}", dict(types), i)
                for i in range(self.count)]


class NvmlGpus:
    """The NVIDIA GPUs the driver reports through NVML (``nvidia-ml-py``)."""

    def __init__(self, nvml: Any) -> None:
        self.nvml = nvml

    def devices(self) -> list[GpuDevice]:
        nvml = self.nvml
        nvml.nvmlInit()
        try:
            found = []
            for index in range(nvml.nvmlDeviceGetCount()):
                handle = nvml.nvmlDeviceGetHandleByIndex(index)
                pci = nvml.nvmlDeviceGetPciInfo(handle)
                ids = int(pci.pciDeviceId)  # device id << 16 | vendor id
                found.append(GpuDevice(
                    _address(_text(pci.busId)), f"{ids & 0xFFFF:04x}", f"{ids >> 16:04x}",
                    _text(nvml.nvmlDeviceGetName(handle)), self._vgpu_types(handle), index))
            return found
        finally:
            nvml.nvmlShutdown()

    def _vgpu_types(self, handle: Any) -> dict[str, int]:
        nvml = self.nvml
        try:
            supported = nvml.nvmlDeviceGetSupportedVgpus(handle)
        except Exception:  # no vGPU support (consumer GPUs, no vGPU driver)
            return {}
        return {_mdev_name(_text(nvml.nvmlVgpuTypeGetName(t))):
                int(nvml.nvmlVgpuTypeGetMaxInstances(handle, t)) for t in supported}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _address(bus_id: str) -> str:
    """NVML's 00000000:81:00.0 -> 0000:81:00.0."""
    domain, rest = bus_id.lower().split(":", 1)
    return f"{int(domain, 16):04x}:{rest}"


def _mdev_name(vgpu_type: str) -> str:
    """NVIDIA's "GRID A100-10C" -> "nvidia-a100-10c"."""
    return "nvidia-" + vgpu_type.lower().replace("grid ", "").replace(" ", "-")


def discover(model: str, count: int) -> GpuDiscovery:
    """The GPUs NVML reports ("nvml": it must answer; "auto": when a driver answers, else
    ``count`` fake A100s), or ``count`` fake GPUs of ``model``."""
    if model in ("nvml", "auto"):
        try:
            nvml = importlib.import_module("pynvml")
            nvml.nvmlInit()
            nvml.nvmlShutdown()
            return NvmlGpus(nvml)
        except Exception:  # no NVIDIA driver here (pynvml raises its NVMLError_*)
            if model == "nvml":
                raise
        model = "A100"
    return FakeGpus(model, count)


def cuda_environment(indices: list[int], share: int | None = None) -> dict[str, str]:
    """What a workload given the GPUs ``indices`` (whole, or one of ``share`` vGPUs of
    each) runs with: the devices it may see and, for a share, its part of each GPU's
    compute (CUDA MPS)."""
    environment = {"CUDA_VISIBLE_DEVICES": ",".join(str(i) for i in indices),
                   "CUDA_DEVICE_ORDER": "PCI_BUS_ID"}
    if share:
        environment["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"] = str(max(100 // share, 1))
    return environment
