"""Story: a user boots servers through the API and the engine places them. The boot
reaches ACTIVE on a fake host with its allocation in placement and its port on the
network; a flavor no host can hold ends in ERROR with Nova's fault; deleting frees all."""

from __future__ import annotations

from typing import Any

from tests.api.compute.conftest import ComputeClient

from pocketstack.compute.launch import hosts_of


async def _network(nova: ComputeClient) -> str:
    """A network with one IPv4 subnet (the network service lives below ``/network``)."""
    made = await nova.other("POST", "/network/v2.0/networks",
                            json={"network": {"name": "private"}})
    assert made.status_code == 201, made.text
    network_id = str(made.json()["network"]["id"])
    subnet = await nova.other("POST", "/network/v2.0/subnets", json={"subnet": {
        "network_id": network_id, "cidr": "10.0.0.0/24", "ip_version": 4}})
    assert subnet.status_code == 201, subnet.text
    return network_id


async def _usage(nova: ComputeClient) -> dict[str, int]:
    total: dict[str, int] = {}
    for agent in hosts_of(nova.service).values():
        allocations = await nova.service.clients.placement.provider_allocations(agent.uuid)
        for allocation in allocations.values():
            for rc, amount in allocation["resources"].items():
                total[rc] = total.get(rc, 0) + amount
    return total


async def _boot_active(nova: ComputeClient) -> tuple[dict[str, Any], str]:
    image = await nova.image()
    network = await _network(nova)
    made = await nova.boot(imageRef=image, networks=[{"uuid": network}])
    server: dict[str, Any] | None = await nova.wait_for(made["id"], "ACTIVE")
    assert server is not None
    assert server["OS-EXT-SRV-ATTR:host"] in hosts_of(nova.service)
    [address] = server["addresses"]["private"]
    assert address["version"] == 4 and address["OS-EXT-IPS:type"] == "fixed"
    assert address["addr"].startswith("10.0.0.")
    ports = await nova.other("GET", "/network/v2.0/ports",
                             params={"device_id": made["id"]})
    [port] = ports.json()["ports"]
    assert port["device_owner"] == "compute:nova"
    assert await _usage(nova) == {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
    return server, network


async def test_boot_to_active_on_a_host_with_a_port(nova: ComputeClient) -> None:
    server, _ = await _boot_active(nova)
    assert server["status"] == "ACTIVE"
    assert server["OS-EXT-STS:power_state"] == 1


async def test_deleting_frees_the_allocation_and_the_port(nova: ComputeClient) -> None:
    made, _ = await _boot_active(nova)
    deleted = await nova.delete(f"/servers/{made['id']}")
    assert deleted.status_code == 204, deleted.text
    await nova.wait_for(made["id"], None)
    assert await _usage(nova) == {}
    ports = await nova.other("GET", "/network/v2.0/ports",
                             params={"device_id": made["id"]})
    assert ports.json()["ports"] == []


async def test_a_flavor_too_big_for_every_host_ends_in_error(nova: ComputeClient) -> None:
    flavor = await nova.post("/flavors", json={"flavor": {
        "name": "huge", "ram": 10_000_000, "vcpus": 1, "disk": 1}})
    assert flavor.status_code == 200, flavor.text
    made = await nova.boot(imageRef=await nova.image(), flavorRef=flavor.json()["flavor"]["id"])
    server = await nova.wait_for(made["id"], "ERROR")
    assert server is not None
    assert server["fault"]["code"] == 500
    assert server["fault"]["message"] == (
        "No valid host was found. There are not enough hosts available.")
    assert await _usage(nova) == {}
