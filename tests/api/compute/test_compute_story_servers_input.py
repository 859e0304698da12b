"""Story: bad boot requests answer 400/409 in Nova's words; other projects' servers are
invisible (404); a reader may look but not create (403); metadata round trips."""

from __future__ import annotations

from typing import Any

from tests.api.compute.conftest import ComputeClient

from pocketstack.compute.objects import server_list


async def _boot(nova: ComputeClient, token: str | None = None, **server: Any) -> Any:
    body = {"name": "vm", "flavorRef": "1", "networks": "none",
            "imageRef": await nova.default_image(), **server}
    return await nova.post("/servers", json={"server": body}, token=token)


async def test_bad_boot_requests(nova: ComputeClient) -> None:
    missing = "3f0f8b8e-7a3c-4f43-9d4b-6a1a8f9b1c2d"
    nova.error(await _boot(nova, flavorRef="nope"), 400, "Invalid flavorRef provided.")
    nova.error(await _boot(nova, imageRef=missing), 400,
               f"Image {missing} could not be found.")
    nova.error(await _boot(nova, key_name="nokey"), 400, "Invalid key_name provided.")
    nova.error(await _boot(nova, imageRef=""), 400, "Missing imageRef attribute")
    nova.error(await _boot(nova, min_count=3, max_count=2), 400, "min_count")
    nova.error(await _boot(nova, user_data="not base64!"), 400, "base 64")
    no_networks = await nova.post("/servers", json={"server": {"name": "x",
                                                               "flavorRef": "1"}})
    nova.error(no_networks, 400, "networks")
    nova.error(await _boot(nova, networks=[{"uuid": missing}]), 400,
               f"Network {missing} could not be found.")
    nova.error(await nova.post("/servers", json={"server": {}}), 400)


async def test_flavor_url_and_reservation_id(nova: ComputeClient) -> None:
    response = await _boot(nova, flavorRef="http://h/compute/flavors/1", min_count=2,
                           return_reservation_id=True)
    assert response.status_code == 202, response.text
    reservation = response.json()["reservation_id"]
    assert reservation.startswith("r-")
    listed = (await nova.get("/servers", params={"reservation_id": reservation})).json()
    assert len(listed["servers"]) == 2


async def test_isolation_and_reader(nova: ComputeClient) -> None:
    owner = await nova.user("member")
    stranger = await nova.user("member")
    reader = await nova.user("reader", project_id=owner.project_id)
    server_id = (await nova.boot(token=owner.token, name="mine"))["id"]
    nova.error(await nova.get(f"/servers/{server_id}", token=stranger.token), 404)
    nova.error(await nova.delete(f"/servers/{server_id}", token=stranger.token), 404)
    assert (await nova.get("/servers", token=stranger.token)).json()["servers"] == []
    assert (await nova.show(server_id, token=reader.token))["name"] == "mine"
    nova.error(await _boot(nova, token=reader.token), 403, "os_compute_api:servers:create")
    nova.error(await nova.get("/servers", params={"all_tenants": "1"},
                              token=owner.token), 403)
    every = (await nova.get("/servers", params={"all_tenants": "1"})).json()["servers"]
    assert server_id in [s["id"] for s in every]


async def test_metadata(nova: ComputeClient) -> None:
    server_id = (await nova.boot(name="meta", metadata={"a": "1"}))["id"]
    await nova.wait_for(server_id, "ACTIVE")
    path = f"/servers/{server_id}/metadata"
    merged = await nova.post(path, json={"metadata": {"b": "2"}})
    assert merged.status_code == 200 and merged.json()["metadata"] == {"a": "1", "b": "2"}
    item = await nova.put(path + "/c", json={"meta": {"c": "3"}})
    assert item.status_code == 200 and item.json() == {"meta": {"c": "3"}}
    nova.error(await nova.put(path + "/c", json={"meta": {"d": "3"}}), 400, "mismatch")
    assert (await nova.get(path + "/b")).json() == {"meta": {"b": "2"}}
    assert (await nova.delete(path + "/b")).status_code == 204
    nova.error(await nova.get(path + "/b"), 404, "Metadata item was not found")
    replaced = await nova.put(path, json={"metadata": {"z": "9"}})
    assert replaced.json() == {"metadata": {"z": "9"}}
    assert (await nova.show(server_id))["metadata"] == {"z": "9"}


async def test_boot_with_key_pair_and_multiple(nova: ComputeClient) -> None:
    made = await nova.post("/os-keypairs", json={"keypair": {"name": "k1"}}, version="2.10")
    assert made.status_code in (200, 201), made.text
    response = await _boot(nova, name="multi", key_name="k1", min_count=2, max_count=2)
    assert response.status_code == 202, response.text
    listed = (await nova.get("/servers/detail", params={"name": "^multi"})).json()["servers"]
    assert sorted(s["name"] for s in listed) == ["multi-1", "multi-2"]
    assert {s["key_name"] for s in listed} == {"k1"}
    assert len({s["OS-EXT-SRV-ATTR:reservation_id"] for s in listed}) == 1

    trio = await _boot(nova, name="trio", min_count=3, max_count=3)  # two cells: two share one
    assert trio.status_code == 202, trio.text
    servers = (await nova.get("/servers", params={"name": "^trio"})).json()["servers"]
    bdm_uuids = set()
    for server in servers:
        await nova.wait_for(server["id"], "ACTIVE")
        async with nova.service.reading() as api:
            found = await server_list.locate(api, nova.service.cells, server["id"], timeout=5)
        assert found.cell is not None
        async with found.cell.reading() as conn:
            bdms = await server_list.cell_bdms(conn, server["id"])
        assert [b["image_id"] for b in bdms] == [await nova.default_image()]
        bdm_uuids.add(bdms[0]["uuid"])
    assert len(bdm_uuids) == 3  # each instance its own block device mapping
