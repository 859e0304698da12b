"""Story: delete an ACTIVE server (its host terminates it), a server buried in cell0 (a
local delete), and force-delete; each disappears from show and list."""

from __future__ import annotations

from tests.api.compute.conftest import ComputeClient


async def test_delete_active_server(nova: ComputeClient) -> None:
    server_id = (await nova.boot(name="gone"))["id"]
    await nova.wait_for(server_id, "ACTIVE")
    response = await nova.delete(f"/servers/{server_id}")
    assert response.status_code == 204
    assert await nova.wait_for(server_id, None) is None
    listed = (await nova.get("/servers")).json()["servers"]
    assert server_id not in [s["id"] for s in listed]
    nova.error(await nova.delete(f"/servers/{server_id}"), 404, "could not be found")


async def test_delete_server_buried_in_cell0(nova: ComputeClient) -> None:
    made = await nova.post("/flavors", json={"flavor": {
        "name": "huge", "ram": 100_000_000, "vcpus": 1, "disk": 1, "id": "huge"}})
    assert made.status_code == 200, made.text
    server_id = (await nova.boot(name="nohost", flavorRef="huge"))["id"]
    server = await nova.wait_for(server_id, "ERROR")
    assert server is not None
    assert server["fault"]["code"] == 500
    assert "No valid host" in server["fault"]["message"]
    assert server["OS-EXT-SRV-ATTR:host"] is None
    detail = (await nova.get("/servers/detail", params={"status": "ERROR"})).json()
    assert [s["id"] for s in detail["servers"]] == [server_id]
    assert (await nova.delete(f"/servers/{server_id}")).status_code == 204
    nova.error(await nova.get(f"/servers/{server_id}"), 404)


async def test_force_delete_and_delete_while_building(nova: ComputeClient) -> None:
    server_id = (await nova.boot(name="forced"))["id"]
    await nova.wait_for(server_id, "ACTIVE")
    forced = await nova.post(f"/servers/{server_id}/action", json={"forceDelete": None})
    assert forced.status_code == 202, forced.text
    assert await nova.wait_for(server_id, None) is None
    early = (await nova.boot(name="early"))["id"]
    assert (await nova.delete(f"/servers/{early}")).status_code == 204
    assert await nova.wait_for(early, None) is None
