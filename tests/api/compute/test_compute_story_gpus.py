"""Story: GPUs through placement (§5). A GPU host holds two fake A100s: the first handed out
whole (``[pci] device_spec`` + alias ``a100``), the second split into four vGPUs of type
nvidia-a100-10c. Each is a child provider of the host's compute node; flavors ask with
``pci_passthrough:alias`` or ``resources:VGPU`` + a trait; servers fill the devices, the
next one lands in cell0 with "No valid host", a delete frees one; a resize moves a server
off and onto a GPU flavor. Twenty concurrent boots for eight vGPU slots: exactly eight."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.api.compute.conftest import ComputeClient, compute_settings, nova_on
from tests.api.compute.test_compute_story_resize import act, allocations

from pocketstack.compute.launch import engine_of, hosts_of

PLACEMENT = {"OpenStack-API-Version": "placement 1.36"}
PCI_CLASS = "CUSTOM_PCI_10DE_20B0"
VGPU_TRAIT = "CUSTOM_NVIDIA_A100_10C"


async def flavor(nova: ComputeClient, name: str, specs: dict[str, str]) -> str:
    made = await nova.post("/flavors", json={"flavor": {
        "name": name, "ram": 512, "vcpus": 1, "disk": 1}})
    assert made.status_code == 200, made.text
    flavor_id = str(made.json()["flavor"]["id"])
    added = await nova.post(f"/flavors/{flavor_id}/os-extra_specs",
                            json={"extra_specs": specs})
    assert added.status_code == 200, added.text
    return flavor_id


async def providers(nova: ComputeClient, **params: str) -> list[dict[str, Any]]:
    listed = await nova.client.get("/placement/resource_providers", params=params,
                                   headers={**PLACEMENT, "X-Auth-Token": nova.token})
    assert listed.status_code == 200, listed.text
    return list(listed.json()["resource_providers"])


async def usages(nova: ComputeClient, rp: str) -> dict[str, int]:
    got = await nova.client.get(f"/placement/resource_providers/{rp}/usages",
                                headers={**PLACEMENT, "X-Auth-Token": nova.token})
    return dict(got.json()["usages"])


async def test_gpu_servers_fill_the_devices(tmp_path: Path) -> None:
    settings = compute_settings(tmp_path, cells=1, hosts_per_cell=2, gpu_hosts_per_cell=1)
    async with nova_on(settings) as nova:
        await asyncio.wait_for(engine_of(nova.service).ready.wait(), 10)  # hosts reported
        gpu_host = hosts_of(nova.service)["cell1-host2"]
        tree = await providers(nova, in_tree=gpu_host.uuid)
        names = {p["name"]: p for p in tree}
        assert set(names) == {"cell1-host2", "cell1-host2_0000:81:00.0",
                              "cell1-host2_pci_0000_82_00_0"}
        whole, split = names["cell1-host2_0000:81:00.0"], names["cell1-host2_pci_0000_82_00_0"]
        assert whole["parent_provider_uuid"] == split["parent_provider_uuid"] == gpu_host.uuid
        traits = await nova.client.get(f"/placement/resource_providers/{split['uuid']}/traits",
                                       headers={**PLACEMENT, "X-Auth-Token": nova.token})
        assert traits.json()["traits"] == [VGPU_TRAIT]

        passthrough = await flavor(nova, "gpu.whole", {"pci_passthrough:alias": "a100:1"})
        vgpu = await flavor(nova, "gpu.vgpu", {"resources:VGPU": "1",
                                               f"trait:{VGPU_TRAIT}": "required"})
        refusals = {"pci_passthrough:alias": ("a100", "is not of the format"),
                    "resources:VGPU": ("one", "is not a valid integer"),
                    "trait:CUSTOM_X": ("maybe", "is not one of: required, forbidden")}
        for key, (value, why) in refusals.items():  # 2.86 checks the namespaces it knows
            refused_spec = await nova.post(f"/flavors/{vgpu}/os-extra_specs",
                                           json={"extra_specs": {key: value}})
            nova.error(refused_spec, 400, why)
        unknown = await flavor(nova, "gpu.unknown", {"pci_passthrough:alias": "h200:1"})
        refused = await nova.post("/servers", json={"server": {
            "name": "nope", "flavorRef": unknown, "imageRef": await nova.default_image(),
            "networks": "none"}})
        nova.error(refused, 400, "PCI alias h200 is not defined")

        first = (await nova.boot(name="whole", flavorRef=passthrough))["id"]
        shown = await nova.wait_for(first, "ACTIVE")
        assert shown is not None and shown["OS-EXT-SRV-ATTR:host"] == "cell1-host2"
        assert (await allocations(nova, first))[whole["uuid"]] == {PCI_CLASS: 1}
        driver = gpu_host.driver
        assert driver.environment[first]["CUDA_VISIBLE_DEVICES"] == "0"  # type: ignore[attr-defined]

        shares = [(await nova.boot(name=f"share{i}", flavorRef=vgpu))["id"] for i in range(4)]
        for server_id in shares:
            assert (await nova.wait_for(server_id, "ACTIVE")) is not None
            assert (await allocations(nova, server_id))[split["uuid"]] == {"VGPU": 1}
            environment = driver.environment[server_id]  # type: ignore[attr-defined]
            assert environment["CUDA_VISIBLE_DEVICES"] == "1"
            assert environment["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"] == "25"
        assert await usages(nova, split["uuid"]) == {"VGPU": 4}
        assert await usages(nova, whole["uuid"]) == {PCI_CLASS: 1}

        for name, flavor_id in (("extra-share", vgpu), ("extra-whole", passthrough)):
            late = (await nova.boot(name=name, flavorRef=flavor_id))["id"]
            failed = await nova.wait_for(late, "ERROR")
            assert failed is not None and "No valid host" in failed["fault"]["message"]

        assert (await nova.delete(f"/servers/{shares[0]}")).status_code == 204
        await nova.wait_for(shares[0], None)
        assert await usages(nova, split["uuid"]) == {"VGPU": 3}
        again = (await nova.boot(name="share-again", flavorRef=vgpu))["id"]
        assert (await nova.wait_for(again, "ACTIVE")) is not None

        # Off a GPU flavor: the vGPU is the migration's until the confirm, then free.
        assert (await act(nova, shares[1], {"resize": {"flavorRef": "1"}})).status_code == 202
        moved = await nova.wait_for(shares[1], "VERIFY_RESIZE")
        assert moved is not None and moved["OS-EXT-SRV-ATTR:host"] == "cell1-host1"
        assert await usages(nova, split["uuid"]) == {"VGPU": 4}
        assert (await act(nova, shares[1], {"confirmResize": None})).status_code == 204
        await nova.wait_for(shares[1], "ACTIVE")
        assert await usages(nova, split["uuid"]) == {"VGPU": 3}
        assert shares[1] not in driver.environment  # type: ignore[attr-defined]
        # ... and back onto one.
        assert (await act(nova, shares[1], {"resize": {"flavorRef": vgpu}})).status_code == 202
        back = await nova.wait_for(shares[1], "VERIFY_RESIZE")
        assert back is not None and back["OS-EXT-SRV-ATTR:host"] == "cell1-host2"
        assert (await allocations(nova, shares[1]))[split["uuid"]] == {"VGPU": 1}
        assert driver.environment[shares[1]]["CUDA_VISIBLE_DEVICES"] == "1"  # type: ignore[attr-defined]


async def test_concurrent_boots_never_share_a_vgpu(tmp_path: Path) -> None:
    # Two cells, one GPU host each: 2 GPUs x 4 vGPUs of nvidia-a100-10c in all... of which
    # only the second GPU of each host is split: 8 slots.
    settings = compute_settings(tmp_path, cells=2, hosts_per_cell=1, gpu_hosts_per_cell=1)
    async with nova_on(settings) as nova:
        vgpu = await flavor(nova, "gpu.vgpu", {"resources:VGPU": "1",
                                               f"trait:{VGPU_TRAIT}": "required"})
        image = await nova.default_image()

        async def one(i: int) -> str:
            made = await nova.post("/servers", json={"server": {
                "name": f"rush{i}", "flavorRef": vgpu, "imageRef": image,
                "networks": "none"}})
            assert made.status_code == 202, made.text
            return str(made.json()["server"]["id"])

        servers = await asyncio.gather(*(one(i) for i in range(20)))
        outcome: dict[str, str] = {}
        for server_id in servers:
            for _ in range(500):
                status = (await nova.show(server_id))["status"]
                if status in ("ACTIVE", "ERROR"):
                    outcome[server_id] = status
                    break
                await asyncio.sleep(0.02)
        assert sorted(outcome.values()) == ["ACTIVE"] * 8 + ["ERROR"] * 12
        given: dict[str, int] = {}
        for agent in hosts_of(nova.service).values():
            for server_id, devices in agent.driver.devices.items():  # type: ignore[attr-defined]
                assert outcome[server_id] == "ACTIVE"
                for device in devices:
                    key = f"{agent.host}/{device['address']}"
                    given[key] = given.get(key, 0) + device["count"]
        assert sorted(given.values()) == [4, 4]  # each GPU's four vGPUs, none twice
