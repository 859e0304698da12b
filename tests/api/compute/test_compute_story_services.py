"""Story: an admin lists the compute services of every cell (zone from aggregates, up/down
from the heartbeat), disables a compute service by uuid, forces it down, and deletes a
service; members are refused."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import sqlalchemy as sa
from tests.api.compute.conftest import ComputeClient
from tests.api.compute.test_compute_story_aggregates import map_hosts

from pocketstack.compute.db.cell_models import services
from pocketstack.compute.objects.instances import now


async def add_service(nova: ComputeClient, host: str, binary: str = "nova-compute", *,
                      cell: int = 0, silent_s: float = 0.0) -> str:
    """A ``services`` row in a cell database, as a host agent would write it; its uuid."""
    service_uuid = str(uuid.uuid4())
    seen = now() - datetime.timedelta(seconds=silent_s)
    async with nova.service.cells.computes()[cell].writing() as conn:
        await conn.execute(sa.insert(services).values(
            uuid=service_uuid, host=host, binary=binary, topic="compute", report_count=1,
            disabled=False, forced_down=False, last_seen_up=seen, version=1, created_at=seen,
            updated_at=seen, deleted=0))
    return service_uuid


def _by_host(listed: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["host"]: s for s in listed}


async def test_service_story(nova: ComputeClient) -> None:
    up = await add_service(nova, "svc-host1")
    await add_service(nova, "svc-host2", cell=1, silent_s=600)
    conductor = await add_service(nova, "svc-cond", "nova-conductor", cell=1)
    await map_hosts(nova, "svc-host1")
    agg = (await nova.post("/os-aggregates", json={"aggregate": {
        "name": "a", "availability_zone": "az1"}})).json()["aggregate"]
    await nova.post(f"/os-aggregates/{agg['id']}/action", json={"add_host": {"host": "svc-host1"}})

    listed = _by_host((await nova.get("/os-services")).json()["services"])
    one = listed["svc-host1"]
    assert one["id"] == up and one["zone"] == "az1" and one["state"] == "up"
    assert one["status"] == "enabled" and one["forced_down"] is False
    assert listed["svc-host2"]["state"] == "down" and listed["svc-host2"]["zone"] == "nova"
    assert listed["svc-cond"]["zone"] == "internal"
    only = (await nova.get("/os-services", params={"binary": "nova-conductor"})).json()
    assert [s["host"] for s in only["services"] if s["host"].startswith("svc-")] == ["svc-cond"]
    old = _by_host((await nova.get("/os-services", version="2.10")).json()["services"])
    assert isinstance(old["svc-host1"]["id"], int) and "forced_down" not in old["svc-host1"]

    disabled = await nova.put(f"/os-services/{up}", json={
        "status": "disabled", "disabled_reason": "maintenance"})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["service"]["status"] == "disabled"
    assert disabled.json()["service"]["disabled_reason"] == "maintenance"
    forced = await nova.put(f"/os-services/{up}", json={"forced_down": True})
    assert forced.json()["service"]["state"] == "down"
    nova.error(await nova.put(f"/os-services/{up}", json={
        "status": "enabled", "disabled_reason": "x"}), 400, "Specifying 'disabled_reason'")
    nova.error(await nova.put(f"/os-services/{up}", json={}), 400, "No updates were requested")
    nova.error(await nova.put(f"/os-services/{conductor}", json={"status": "disabled"}), 400,
               "Only nova-compute services can be updated.")
    nova.error(await nova.put(f"/os-services/{uuid.uuid4()}", json={"status": "disabled"}), 404)
    nova.error(await nova.put("/os-services/42", json={"status": "disabled"}), 400,
               "Invalid uuid 42")
    legacy = await nova.put("/os-services/enable", version="2.10",
                            json={"host": "svc-host1", "binary": "nova-compute"})
    assert legacy.json() == {"service": {"host": "svc-host1", "binary": "nova-compute",
                                         "status": "enabled"}}

    member = await nova.user("member")
    nova.error(await nova.get("/os-services", token=member.token), 403)
    assert (await nova.delete(f"/os-services/{up}")).status_code == 204
    after = _by_host((await nova.get("/os-services")).json()["services"])
    assert "svc-host1" not in after
    assert (await nova.get(f"/os-aggregates/{agg['id']}")).json()["aggregate"]["hosts"] == []
