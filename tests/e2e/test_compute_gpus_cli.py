"""The real ``openstack`` CLI with osc-placement: GPU flavors and servers that fill the devices.

One cell of two fake hosts; the last one, cell1-host2, holds two fake NVIDIA A100s (the
defaults of ``[compute] gpu_*``, ``[pci]`` and ``[devices]``): 0000:81:00.0 handed out whole
(alias ``a100``, child provider ``cell1-host2_0000:81:00.0`` with one CUSTOM_PCI_10DE_20B0)
and 0000:82:00.0 split into four vGPUs of type nvidia-a100-10c (child provider
``cell1-host2_pci_0000_82_00_0`` with VGPU=4 and the trait CUSTOM_NVIDIA_A100_10C).

Flavors ask for them with ``pci_passthrough:alias`` or ``resources:VGPU`` + a trait. An admin
sees placement's side with osc-placement, which negotiates placement 1.29 (enough for
``--in-tree``, 1.14, and ``--required``, 1.18) unless a command pins another version: the
provider tree, the devices' inventories and traits, their usages, and each server's
allocation on the device it got. Servers fill the devices; the next one of each kind ends in
ERROR with "No valid host"; a flavor naming an undefined alias is refused with a 400; a
delete frees a vGPU for the next server.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import RunningCloud

pytestmark = pytest.mark.e2e

WAIT_S = 30.0
POLL_S = 0.2
GPU_HOST = "cell1-host2"
WHOLE = f"{GPU_HOST}_0000:81:00.0"  # 0000:81:00.0, handed out whole
SPLIT = f"{GPU_HOST}_pci_0000_82_00_0"  # 0000:82:00.0, four vGPUs
PCI_CLASS = "CUSTOM_PCI_10DE_20B0"
VGPU_TRAIT = "CUSTOM_NVIDIA_A100_10C"
SIZE = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}  # every flavor here: 1 vCPU, 512 MB, 1 GB


def _configure(cloud: RunningCloud) -> None:
    cloud.configure(
        "[compute]\n"
        "cells = 1\n"
        "hosts_per_cell = 2\n")


def _flavor(cloud: RunningCloud, name: str, *properties: str) -> dict[str, Any]:
    """``flavor create`` of 1 vCPU, 512 MB, 1 GB with ``--property`` each of ``properties``."""
    extra = [word for prop in properties for word in ("--property", prop)]
    made: dict[str, Any] = cloud.cli_json("flavor", "create", "--vcpus", "1", "--ram", "512",
                                          "--disk", "1", *extra, name)
    return made


def _boot(cloud: RunningCloud, flavor: str, image: str, name: str, *wait: str
          ) -> dict[str, Any]:
    # No port: "--nic none" (the CLI's "--network none" looks for a network named "none").
    made: dict[str, Any] = cloud.cli_json("server", "create", "--flavor", flavor,
                                          "--image", image, "--nic", "none", *wait, name)
    return made


def _providers(cloud: RunningCloud) -> dict[str, dict[str, Any]]:
    """Every provider by name, once both hosts' agents have reported (the GPU host with its
    two devices): ``up`` brings the hosts up in the background."""
    wanted = {"cell1-host1", GPU_HOST, WHOLE, SPLIT}
    deadline = time.monotonic() + WAIT_S
    while True:
        listed = {p["name"]: p for p in cloud.cli_json("resource", "provider", "list")}
        if wanted <= set(listed) or time.monotonic() > deadline:
            assert wanted <= set(listed), listed
            return listed
        time.sleep(POLL_S)


def _usages(cloud: RunningCloud, provider: str) -> dict[str, int]:
    rows = cloud.cli_json("resource", "provider", "usage", "show", provider)
    return {row["resource_class"]: row["usage"] for row in rows}


def _allocations(cloud: RunningCloud, server_id: str) -> dict[str, dict[str, int]]:
    """Provider uuid -> resources: how an admin sees which device a server got."""
    rows = cloud.cli_json("resource", "provider", "allocation", "show", server_id)
    return {row["resource_provider"]: row["resources"] for row in rows}


def _no_valid_host(cloud: RunningCloud, flavor: str, image: str, name: str) -> str:
    """Boot without ``--wait``; the server ends in ERROR with "No valid host" in its fault."""
    made = _boot(cloud, flavor, image, name)
    failed = cloud.wait_server(made["id"], "ERROR")
    assert "No valid host" in str(failed["fault"]), failed
    assert failed["OS-EXT-SRV-ATTR:host"] is None, failed
    return str(made["id"])


def test_gpu_servers_fill_the_devices(cloud_factory: RunningCloud) -> None:
    cloud = cloud_factory
    _configure(cloud)
    cloud.start()
    hosts = {s["Host"] for s in cloud.cli_json("compute", "service", "list",
                                               "--service", "nova-compute")}
    assert hosts == {"cell1-host1", GPU_HOST}

    # -- the flavors ---------------------------------------------------------------------
    _flavor(cloud, "gpu.whole", "pci_passthrough:alias=a100:1")
    _flavor(cloud, "gpu.vgpu", "resources:VGPU=1", f"trait:{VGPU_TRAIT}=required")
    whole_flavor = cloud.cli_json("flavor", "show", "gpu.whole")
    assert whole_flavor["properties"] == {"pci_passthrough:alias": "a100:1"}
    vgpu_flavor = cloud.cli_json("flavor", "show", "gpu.vgpu")
    assert vgpu_flavor["properties"] == {"resources:VGPU": "1",
                                         f"trait:{VGPU_TRAIT}": "required"}
    assert (vgpu_flavor["vcpus"], vgpu_flavor["ram"], vgpu_flavor["disk"]) == (1, 512, 1)

    # -- placement's view: the GPU host's tree, the devices' inventory and traits ---------
    listed = _providers(cloud)
    assert sorted(listed) == ["cell1-host1", GPU_HOST, WHOLE, SPLIT]  # no GPUs on host1
    root, whole, split = (listed[name]["uuid"] for name in (GPU_HOST, WHOLE, SPLIT))
    tree = {p["name"]: p for p in cloud.cli_json("resource", "provider", "list",
                                                 "--in-tree", root)}  # 1.14
    assert sorted(tree) == [GPU_HOST, WHOLE, SPLIT]
    assert tree[GPU_HOST]["parent_provider_uuid"] is None
    for child in (tree[WHOLE], tree[SPLIT]):
        assert (child["parent_provider_uuid"], child["root_provider_uuid"]) == (root, root)
    assert {name: p["uuid"] for name, p in tree.items()} == {
        GPU_HOST: root, WHOLE: whole, SPLIT: split}

    inventory = {row["resource_class"]: row for row in cloud.cli_json(
        "resource", "provider", "inventory", "list", whole)}
    assert list(inventory) == [PCI_CLASS] and inventory[PCI_CLASS]["total"] == 1
    inventory = {row["resource_class"]: row for row in cloud.cli_json(
        "resource", "provider", "inventory", "list", split)}
    assert list(inventory) == ["VGPU"] and inventory["VGPU"]["total"] == 4
    traits = cloud.cli_json("resource", "provider", "trait", "list", split)
    assert [t["name"] for t in traits] == [VGPU_TRAIT]
    assert cloud.cli_json("resource", "provider", "trait", "list", whole) == []
    having = cloud.cli_json("resource", "provider", "list", "--required", VGPU_TRAIT)  # 1.18
    assert [p["uuid"] for p in having] == [split]
    serving = cloud.cli_json("--os-placement-api-version", "1.4", "resource", "provider",
                             "list", "--resource", f"{PCI_CLASS}=1")
    assert [p["uuid"] for p in serving] == [whole]

    # -- one whole GPU and four vGPUs: all on the GPU host, the devices full --------------
    disk = cloud.workdir / "disk.img"
    disk.write_bytes(b"\0" * 4096)
    cloud.cli("image", "create", "--disk-format", "raw", "--container-format", "bare",
              "--file", str(disk), "img")
    servers: dict[str, str] = {}  # name -> id, of every server made here
    made = _boot(cloud, "gpu.whole", "img", "whole", "--wait")
    assert (made["status"], made["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", GPU_HOST), made
    servers["whole"] = made["id"]
    for i in range(4):
        made = _boot(cloud, "gpu.vgpu", "img", f"share{i}", "--wait")
        assert (made["status"], made["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", GPU_HOST), made
        servers[f"share{i}"] = made["id"]

    assert _usages(cloud, whole) == {PCI_CLASS: 1}
    assert _usages(cloud, split) == {"VGPU": 4}
    assert _allocations(cloud, servers["whole"]) == {root: SIZE, whole: {PCI_CLASS: 1}}
    for i in range(4):
        assert _allocations(cloud, servers[f"share{i}"]) == {root: SIZE, split: {"VGPU": 1}}
    [row] = [r for r in cloud.cli_json("resource", "provider", "allocation", "show",
                                       servers["share0"]) if r["resource_provider"] == split]
    shown = cloud.cli_json("server", "show", servers["share0"])
    assert (row["project_id"], row["user_id"]) == (shown["project_id"], shown["user_id"])

    # -- the devices are full: the next server of each kind finds no host -----------------
    servers["extra-share"] = _no_valid_host(cloud, "gpu.vgpu", "img", "extra-share")
    servers["extra-whole"] = _no_valid_host(cloud, "gpu.whole", "img", "extra-whole")
    assert _usages(cloud, split) == {"VGPU": 4}
    assert _usages(cloud, whole) == {PCI_CLASS: 1}
    for name in ("extra-share", "extra-whole"):
        assert _allocations(cloud, servers[name]) == {}

    # -- a flavor naming an alias [pci] does not define: refused before any build --------
    _flavor(cloud, "gpu.unknown", "pci_passthrough:alias=h200:1")
    refused = cloud.cli_fails("server", "create", "--flavor", "gpu.unknown", "--image", "img",
                              "--nic", "none", "nope")
    # openstacksdk's words: "BadRequestException: 400: Client Error for url: ..., <message>"
    assert "BadRequestException: 400" in refused, refused
    assert refused.rstrip().endswith("PCI alias h200 is not defined"), refused
    assert all(s["Name"] != "nope" for s in cloud.cli_json("server", "list"))

    # -- a delete frees a vGPU; the next vGPU server gets it -------------------------------
    cloud.cli("server", "delete", "--wait", servers.pop("share0"))
    assert _usages(cloud, split) == {"VGPU": 3}
    made = _boot(cloud, "gpu.vgpu", "img", "share-again", "--wait")
    assert (made["status"], made["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", GPU_HOST), made
    servers["share-again"] = made["id"]
    assert _allocations(cloud, made["id"]) == {root: SIZE, split: {"VGPU": 1}}
    assert _usages(cloud, split) == {"VGPU": 4}

    # -- done: delete everything, the devices free, a clean stop --------------------------
    cloud.cli("server", "delete", "--wait", *servers.values())
    assert cloud.cli_json("server", "list") == []
    assert _usages(cloud, split) == {"VGPU": 0}
    assert _usages(cloud, whole) == {PCI_CLASS: 0}
    assert _usages(cloud, root) == {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0}
    stopped = cloud.stop()
    assert stopped.clean, stopped.describe()
