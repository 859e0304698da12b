"""Story with the cloud's own fake hosts (two cells of two): they show up as services and
hypervisors, an aggregate puts one in a zone, the admin disables it as OSC would."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.compute.conftest import ComputeClient

HOSTS = ["cell1-host1", "cell1-host2", "cell2-host1", "cell2-host2"]


async def _registered(nova: ComputeClient) -> list[dict[str, Any]]:
    """The compute services once all four hosts have registered and been discovered
    (bounded: 10 s); the last host is then in aggregate 1."""
    services: list[dict[str, Any]] = []
    added = False
    for _ in range(100):
        services = (await nova.get("/os-services", params={"binary": "nova-compute"})
                    ).json()["services"]
        if not added:  # 404 until discovery has mapped the host
            added = (await nova.post("/os-aggregates/1/action", json={
                "add_host": {"host": HOSTS[-1]}})).status_code == 200
        if sorted(s["host"] for s in services) == HOSTS and added:
            return services
        await asyncio.sleep(0.1)
    raise AssertionError(f"hosts never all registered: {services}")


async def test_live_hosts(nova: ComputeClient) -> None:
    made = await nova.post("/os-aggregates", json={"aggregate": {
        "name": "agg1", "availability_zone": "az1"}})
    assert made.status_code == 200 and made.json()["aggregate"]["id"] == 1, made.text
    services = {s["host"]: s for s in await _registered(nova)}
    assert all(s["state"] == "up" and s["status"] == "enabled" for s in services.values())

    listed = (await nova.get("/os-services")).json()["services"]
    assert {s["host"]: s["zone"] for s in listed if s["binary"] == "nova-compute"} == {
        "cell1-host1": "nova", "cell1-host2": "nova", "cell2-host1": "nova",
        "cell2-host2": "az1"}
    zones = (await nova.get("/os-availability-zone")).json()["availabilityZoneInfo"]
    assert sorted(z["zoneName"] for z in zones) == ["az1", "nova"]

    detail = (await nova.get("/os-hypervisors/detail")).json()["hypervisors"]
    assert sorted(h["hypervisor_hostname"] for h in detail) == HOSTS
    assert {h["hypervisor_type"] for h in detail} == {"fake"}
    found = (await nova.get("/os-hypervisors/detail", params={
        "hypervisor_hostname_pattern": "cell1-host1"})).json()["hypervisors"]
    assert len(found) == 1
    stats = (await nova.get("/os-hypervisors/statistics", version="2.87")).json()
    assert stats["hypervisor_statistics"]["count"] == 4

    disabled = await nova.put(f"/os-services/{services['cell1-host1']['id']}",
                              json={"status": "disabled"})
    assert disabled.status_code == 200, disabled.text
    shown = (await nova.get(f"/os-hypervisors/{found[0]['id']}")).json()["hypervisor"]
    assert shown["status"] == "disabled" and shown["state"] == "up"
