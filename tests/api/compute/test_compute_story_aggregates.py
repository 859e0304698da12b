"""Story: an admin groups hosts into aggregates, one of them an availability zone; a host
cannot be in two zones; metadata is set and cleared; emptied aggregates are deleted."""

from __future__ import annotations

import sqlalchemy as sa
from tests.api.compute.conftest import ComputeClient

from pocketstack.compute.db.api_models import host_mappings
from pocketstack.compute.objects.aggregates import host_zones
from pocketstack.compute.objects.instances import now


async def map_hosts(nova: ComputeClient, *hosts: str) -> None:
    """Host mappings for made-up hosts in the first cell, as discovery would write them."""
    svc = nova.service
    cell_id = svc.cells.computes()[0].mapping.id
    async with svc.writing() as conn:
        await conn.execute(sa.insert(host_mappings), [
            {"cell_id": cell_id, "host": host, "created_at": now()} for host in hosts])


async def test_aggregate_story(nova: ComputeClient) -> None:
    await map_hosts(nova, "agg-host1", "agg-host2")
    made = await nova.post("/os-aggregates", json={"aggregate": {
        "name": "agg1", "availability_zone": "az1"}})
    assert made.status_code == 200, made.text
    agg1 = made.json()["aggregate"]
    assert agg1["availability_zone"] == "az1" and "hosts" not in agg1 and len(agg1["uuid"]) == 36
    nova.error(await nova.post("/os-aggregates", json={"aggregate": {"name": "agg1"}}), 409,
               "Aggregate agg1 already exists.")
    agg2 = (await nova.post("/os-aggregates", json={"aggregate": {
        "name": "agg2", "availability_zone": "az2"}})).json()["aggregate"]
    plain = (await nova.post("/os-aggregates", json={"aggregate": {"name": "plain"}})
             ).json()["aggregate"]

    added = await nova.post(f"/os-aggregates/{agg1['id']}/action",
                            json={"add_host": {"host": "agg-host1"}})
    assert added.status_code == 200, added.text
    assert added.json()["aggregate"]["hosts"] == ["agg-host1"]
    nova.error(await nova.post(f"/os-aggregates/{agg1['id']}/action", json={
        "add_host": {"host": "agg-host1"}}), 409, f"Aggregate {agg1['id']} already has host")
    nova.error(await nova.post(f"/os-aggregates/{agg2['id']}/action", json={
        "add_host": {"host": "agg-host1"}}), 409, "already in availability zone(s) ['az1']")
    nova.error(await nova.post(f"/os-aggregates/{agg1['id']}/action", json={
        "add_host": {"host": "nowhere"}}), 404, "Compute host nowhere could not be found.")
    in_plain = await nova.post(f"/os-aggregates/{plain['id']}/action",
                               json={"add_host": {"host": "agg-host1"}})
    assert in_plain.status_code == 200, in_plain.text
    nova.error(await nova.put(f"/os-aggregates/{plain['id']}", json={"aggregate": {
        "availability_zone": "az2"}}), 400, "already in availability zone(s) ['az1']")
    async with nova.service.reading() as conn:
        assert (await host_zones(conn)) == {"agg-host1": "az1"}

    meta = await nova.post(f"/os-aggregates/{agg1['id']}/action",
                           json={"set_metadata": {"metadata": {"ssd": "true"}}})
    assert meta.json()["aggregate"]["metadata"] == {"availability_zone": "az1", "ssd": "true"}
    cleared = await nova.post(f"/os-aggregates/{agg1['id']}/action",
                              json={"set_metadata": {"metadata": {"ssd": None}}})
    assert cleared.json()["aggregate"]["metadata"] == {"availability_zone": "az1"}
    renamed = await nova.put(f"/os-aggregates/{agg1['id']}", json={"aggregate": {
        "name": "agg1b", "availability_zone": "az9"}})
    assert renamed.json()["aggregate"]["availability_zone"] == "az9"
    listed = (await nova.get("/os-aggregates")).json()["aggregates"]
    assert [a["name"] for a in listed] == ["agg1b", "agg2", "plain"]

    member = await nova.user("member")
    nova.error(await nova.get("/os-aggregates", token=member.token), 403)
    nova.error(await nova.delete(f"/os-aggregates/{agg1['id']}"), 400, "not empty")
    for agg in (agg1, plain):
        removed = await nova.post(f"/os-aggregates/{agg['id']}/action",
                                  json={"remove_host": {"host": "agg-host1"}})
        assert removed.json()["aggregate"]["hosts"] == []
    nova.error(await nova.post(f"/os-aggregates/{agg1['id']}/action", json={
        "remove_host": {"host": "agg-host1"}}), 404, "Cannot remove host agg-host1")
    assert (await nova.delete(f"/os-aggregates/{agg1['id']}")).status_code == 200
    nova.error(await nova.get(f"/os-aggregates/{agg1['id']}"), 404, "could not be found")
