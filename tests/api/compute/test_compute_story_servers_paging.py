"""Story: enough servers that both cells hold some; pages of the merged list, followed by
their next links, give every server once in the requested order."""

from __future__ import annotations

from typing import Any

from tests.api.compute.conftest import ComputeClient


async def _pages(nova: ComputeClient, params: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    response = await nova.get("/servers/detail", params=params)
    for _ in range(20):
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [s["id"] for s in body["servers"]]
        links = body.get("servers_links")
        if not links:
            return seen
        href = links[0]["href"]
        assert "marker=" in href
        response = await nova.get(href.split("/compute/v2.1", 1)[1])
    raise AssertionError("too many pages")


async def test_pages_across_cells(nova: ComputeClient) -> None:
    made = [(await nova.boot(name=f"vm-{i:02d}", flavorRef="2"))["id"] for i in range(8)]
    hosts = set()
    for server_id in made:
        server = await nova.wait_for(server_id, "ACTIVE")
        assert server is not None
        hosts.add(server["OS-EXT-SRV-ATTR:host"].split("-")[0])
    assert hosts == {"cell1", "cell2"}

    everything = (await nova.get("/servers/detail")).json()
    assert "servers_links" not in everything
    newest_first = [s["id"] for s in everything["servers"]]
    assert sorted(newest_first) == sorted(made)
    created = [s["created"] for s in everything["servers"]]
    assert created == sorted(created, reverse=True)

    assert await _pages(nova, {"limit": "3"}) == newest_first
    by_name = await _pages(nova, {"limit": "3", "sort_key": "display_name",
                                  "sort_dir": "asc"})
    names = {s["id"]: s["name"] for s in everything["servers"]}
    assert [names[i] for i in by_name] == [f"vm-{i:02d}" for i in range(8)]

    first = (await nova.get("/servers", params={"limit": "2"})).json()
    assert len(first["servers"]) == 2 and "servers_links" in first
    after = (await nova.get("/servers", params={"marker": first["servers"][1]["id"]})).json()
    assert [s["id"] for s in after["servers"]] == newest_first[2:]


async def test_bad_paging_input(nova: ComputeClient) -> None:
    missing = "0c3c63c5-1b8b-4f7b-9df5-1d2f6a1e0f00"
    nova.error(await nova.get("/servers", params={"marker": missing}), 400,
               f"marker [{missing}] not found")
    nova.error(await nova.get("/servers", params={"limit": "x"}), 400, "limit")
    nova.error(await nova.get("/servers", params={"status": "NOPE"}), 400,
               "Invalid status value")
    old = await nova.get("/servers", params={"status": "NOPE"}, version="2.1")
    assert old.status_code == 200 and old.json()["servers"] == []
    nova.error(await nova.get("/servers", params={"bogus": "1"}), 400, "'bogus'")
    ignored = await nova.get("/servers", params={"bogus": "1"}, version="2.74")
    assert ignored.status_code == 200
