"""Story: hosts are in zone "nova" until an aggregate puts them in another; everybody lists
the zones, admins see the hosts and services of each, the internal zone included."""

from __future__ import annotations

from tests.api.compute.conftest import ComputeClient
from tests.api.compute.test_compute_story_aggregates import map_hosts
from tests.api.compute.test_compute_story_services import add_service


async def test_zone_story(nova: ComputeClient) -> None:
    await add_service(nova, "z-host1")
    second = await add_service(nova, "z-host2", cell=1)
    await add_service(nova, "z-cond", "nova-conductor")
    await map_hosts(nova, "z-host2")
    agg = (await nova.post("/os-aggregates", json={"aggregate": {
        "name": "a", "availability_zone": "az1"}})).json()["aggregate"]
    added = await nova.post(f"/os-aggregates/{agg['id']}/action",
                            json={"add_host": {"host": "z-host2"}})
    assert added.status_code == 200, added.text

    member = await nova.user("member")
    listed = await nova.get("/os-availability-zone", token=member.token)
    assert listed.status_code == 200, listed.text
    info = {z["zoneName"]: z for z in listed.json()["availabilityZoneInfo"]}
    assert info["az1"] == {"zoneName": "az1", "zoneState": {"available": True}, "hosts": None}
    assert "nova" in info and "internal" not in info

    nova.error(await nova.get("/os-availability-zone/detail", token=member.token), 403)
    detail = (await nova.get("/os-availability-zone/detail")).json()["availabilityZoneInfo"]
    zones = {z["zoneName"]: z for z in detail}
    assert list(zones["az1"]["hosts"]) == ["z-host2"]
    service = zones["az1"]["hosts"]["z-host2"]["nova-compute"]
    assert service["available"] is True and service["active"] is True
    assert "z-cond" in zones["internal"]["hosts"]
    assert "z-host1" in zones["nova"]["hosts"]

    disabled = await nova.put(f"/os-services/{second}", json={"status": "disabled"})
    assert disabled.status_code == 200, disabled.text
    after = (await nova.get("/os-availability-zone")).json()["availabilityZoneInfo"]
    assert {"zoneName": "az1", "zoneState": {"available": False}, "hosts": None} in after
