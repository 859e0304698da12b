"""Story: lists of servers answer from rendered views kept per row revision; every change
of a server (rename, metadata, power action, a fault) shows in the next list, and views
differ by microversion and by who asks."""

from __future__ import annotations

from typing import Any

from tests.api.compute.conftest import ComputeClient

from pocketstack.compute.objects import instances


async def _detail(nova: ComputeClient, version: str = "2.96",
                  token: str | None = None) -> dict[str, dict[str, Any]]:
    listed = await nova.get("/servers/detail", version=version, token=token)
    assert listed.status_code == 200, listed.text
    return {s["id"]: s for s in listed.json()["servers"]}


async def test_lists_follow_every_change(nova: ComputeClient) -> None:
    made = (await nova.boot(name="cached"))["id"]
    await nova.wait_for(made, "ACTIVE")
    first = await _detail(nova)
    assert first[made]["name"] == "cached" and len(nova.service.views) >= 1
    assert await _detail(nova) == first, "an unchanged server renders the same"

    renamed = await nova.put(f"/servers/{made}", json={"server": {"name": "renamed"}})
    assert renamed.status_code == 200, renamed.text
    assert (await _detail(nova))[made]["name"] == "renamed"

    await nova.put(f"/servers/{made}/metadata/color", json={"meta": {"color": "blue"}})
    assert (await _detail(nova))[made]["metadata"] == {"color": "blue"}

    stopped = await nova.post(f"/servers/{made}/action", json={"os-stop": None})
    assert stopped.status_code == 202, stopped.text
    await nova.wait_for(made, "SHUTOFF")
    assert (await _detail(nova))[made]["status"] == "SHUTOFF"

    # Views differ by microversion and by caller: each gets its own.
    old = (await _detail(nova, version="2.46"))[made]
    assert set(old["flavor"]) == {"id", "links"} and "locked" in old
    assert "locked" not in (await _detail(nova, version="2.1"))[made]
    member = await nova.user("reader", project_id=nova.admin.project_id)
    seen = (await _detail(nova, token=member.token))[made]
    assert "OS-EXT-SRV-ATTR:host" not in seen
    assert "OS-EXT-SRV-ATTR:host" in (await _detail(nova))[made]


async def test_a_fault_shows_in_the_next_list(nova: ComputeClient) -> None:
    huge = await nova.post("/flavors", json={"flavor": {
        "name": "too-big", "vcpus": 4096, "ram": 99999999, "disk": 1}})
    made = (await nova.boot(name="nohost", flavorRef=huge.json()["flavor"]["id"]))["id"]
    await nova.wait_for(made, "ERROR")
    listed = (await _detail(nova))[made]
    assert listed["fault"]["message"].startswith("No valid host was found.")
    async with nova.service.cells.cell0().writing() as conn:  # a later fault, nothing else
        await instances.add_fault(conn, made, code=500, message="a later fault")
    assert (await _detail(nova))[made]["fault"]["message"] == "a later fault"
