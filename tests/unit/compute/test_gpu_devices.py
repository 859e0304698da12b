"""GPUs as placement providers, flavors as request groups, NVML discovery (with a fake
NVML: no GPU needed)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest

from pocketstack.common.settings import DevicesSettings, MdevTypeSettings, PciSettings
from pocketstack.compute.host.devices import InvalidDeviceConfig, device_providers
from pocketstack.compute.scheduler.request_groups import RequestInvalid, placement_request
from pocketstack.compute.virt.gpus import FakeGpus, NvmlGpus, cuda_environment, discover

BASE = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}


def test_default_settings_split_the_second_gpu_and_hand_out_the_first_whole() -> None:
    found = device_providers("h", FakeGpus("A100", 2).devices(), PciSettings(),
                             DevicesSettings())
    whole, split = found
    assert (whole.name, whole.resource_class, whole.total, whole.mdev_type) == (
        "h_0000:81:00.0", "CUSTOM_PCI_10DE_20B0", 1, None)
    assert (split.name, split.resource_class, split.total, split.traits) == (
        "h_pci_0000_82_00_0", "VGPU", 4, ("CUSTOM_NVIDIA_A100_10C",))
    again = device_providers("h", FakeGpus("A100", 2).devices(), PciSettings(),
                             DevicesSettings())
    assert [p.uuid for p in again] == [p.uuid for p in found]  # the same at every start


def test_vgpu_types_pick_their_gpus_and_an_address_in_two_types_is_refused() -> None:
    devices = DevicesSettings(
        enabled_mdev_types=("nvidia-a100-5c", "nvidia-a100-40c"),
        mdev={"nvidia-a100-5c": MdevTypeSettings(("0000:81:00.0",), "CUSTOM_SMALL"),
              "nvidia-a100-40c": MdevTypeSettings(("0000:82:00.0",), max_instances=1)})
    found = device_providers("h", FakeGpus("A100", 3).devices(),
                             PciSettings(device_spec=()), devices)
    assert [(p.address, p.resource_class, p.total) for p in found] == [
        ("0000:81:00.0", "CUSTOM_SMALL", 8), ("0000:82:00.0", "VGPU", 1)]
    clash = dataclasses.replace(devices, mdev={
        "nvidia-a100-5c": MdevTypeSettings(("0000:81:00.0",)),
        "nvidia-a100-40c": MdevTypeSettings(("0000:81:00.0",))})
    with pytest.raises(InvalidDeviceConfig):
        device_providers("h", FakeGpus("A100", 1).devices(), PciSettings(), clash)


def test_device_spec_matches_by_address_glob_with_its_own_class_and_traits() -> None:
    pci = PciSettings(device_spec=(
        '{"vendor_id": "10de", "address": "0000:8*", "resource_class": "a100 gpu", '
        '"traits": "fast,big"}',))
    found = device_providers("h", FakeGpus("A100", 2).devices(), pci,
                             DevicesSettings(enabled_mdev_types=()))
    assert [(p.resource_class, p.traits) for p in found] == [
        ("CUSTOM_A100_GPU", ("CUSTOM_FAST", "CUSTOM_BIG"))] * 2
    with pytest.raises(InvalidDeviceConfig):
        device_providers("h", [], PciSettings(device_spec=("{nope",)), DevicesSettings())


def test_flavor_extra_specs_become_request_groups() -> None:
    plain = placement_request(BASE, {"hw:cpu_policy": "shared"}, PciSettings().alias)
    assert (plain.resources, plain.groups, plain.devices) == (BASE, {}, False)
    vgpu = placement_request(BASE, {"resources:VGPU": "1",
                                    "trait:CUSTOM_NVIDIA_A100_10C": "required",
                                    "trait:CUSTOM_SLOW": "forbidden"}, ())
    assert vgpu.resources == {**BASE, "VGPU": 1} and vgpu.devices
    assert vgpu.required == ["CUSTOM_NVIDIA_A100_10C", "!CUSTOM_SLOW"]
    split = placement_request(BASE, {"resources1:VGPU": "1", "resources2:VGPU": "1",
                                     "group_policy": "isolate"}, ())
    assert split.groups == {"1": {"resources": {"VGPU": 1}, "required": []},
                            "2": {"resources": {"VGPU": 1}, "required": []}}
    assert split.group_policy == "isolate"
    pci = placement_request(BASE, {"pci_passthrough:alias": "a100:2"}, PciSettings().alias)
    assert pci.groups == {
        "_pci_a100_0": {"resources": {"CUSTOM_PCI_10DE_20B0": 1}, "required": []},
        "_pci_a100_1": {"resources": {"CUSTOM_PCI_10DE_20B0": 1}, "required": []}}
    assert pci.group_policy == "none"  # several groups need one


@pytest.mark.parametrize(("specs", "message"), [
    ({"pci_passthrough:alias": "h200:1"}, "PCI alias h200 is not defined"),
    ({"pci_passthrough:alias": "a100"}, "Invalid PCI alias definition: a100"),
    ({"resources:VGPU": "lots"}, "Invalid resources:VGPU: lots"),
    ({"trait:CUSTOM_X": "maybe"}, "Invalid trait:CUSTOM_X: maybe"),
])
def test_bad_requests_are_refused_in_novas_words(specs: dict[str, str], message: str) -> None:
    with pytest.raises(RequestInvalid, match=message):
        placement_request(BASE, specs, PciSettings().alias)


class FakeNvml:
    """The calls of ``pynvml`` NvmlGpus makes, answering for two GPUs."""

    def __init__(self) -> None:
        self.open = 0

    def nvmlInit(self) -> None:
        self.open += 1

    def nvmlShutdown(self) -> None:
        self.open -= 1

    def nvmlDeviceGetCount(self) -> int:
        return 2

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def nvmlDeviceGetPciInfo(self, handle: int) -> Any:
        return SimpleNamespace(busId=f"00000000:{0x81 + handle:02X}:00.0".encode(),
                               pciDeviceId=(0x20B0 << 16) | 0x10DE)

    def nvmlDeviceGetName(self, handle: int) -> bytes:
        return b"NVIDIA A100-SXM4-40GB"

    def nvmlDeviceGetSupportedVgpus(self, handle: int) -> list[int]:
        if handle == 1:
            raise RuntimeError("NVML_ERROR_NOT_SUPPORTED")
        return [7, 8]

    def nvmlVgpuTypeGetName(self, vgpu_type: int) -> bytes:
        return {7: b"GRID A100-10C", 8: b"GRID A100-5C"}[vgpu_type]

    def nvmlVgpuTypeGetMaxInstances(self, handle: int, vgpu_type: int) -> int:
        return {7: 4, 8: 8}[vgpu_type]


def test_nvml_discovery_reads_addresses_ids_and_vgpu_types() -> None:
    nvml = FakeNvml()
    first, second = NvmlGpus(nvml).devices()
    assert nvml.open == 0  # shut down again
    assert (first.address, first.vendor_id, first.product_id, first.index) == (
        "0000:81:00.0", "10de", "20b0", 0)
    assert first.mdev_types == {"nvidia-a100-10c": 4, "nvidia-a100-5c": 8}
    assert second.address == "0000:82:00.0" and second.mdev_types == {}
    found = device_providers("h", [first, second], PciSettings(), DevicesSettings(
        enabled_mdev_types=("nvidia-a100-10c",),
        mdev={"nvidia-a100-10c": MdevTypeSettings(("0000:81:00.0",))}))
    assert [(p.address, p.total) for p in found] == [("0000:81:00.0", 4)]


def test_cuda_environment_of_a_whole_gpu_and_of_a_share() -> None:
    assert cuda_environment([0]) == {"CUDA_VISIBLE_DEVICES": "0",
                                     "CUDA_DEVICE_ORDER": "PCI_BUS_ID"}
    assert cuda_environment([1], 4)["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"] == "25"


def test_discovery_uses_nvml_only_where_a_driver_answers() -> None:
    found = discover("auto", 2)  # no NVIDIA driver on the test machines: fake A100s
    assert isinstance(found, FakeGpus) and len(found.devices()) == 2
    assert isinstance(discover("H100", 1), FakeGpus)
    with pytest.raises(Exception, match=r"NVML|nvml|Library"):
        discover("nvml", 1)
