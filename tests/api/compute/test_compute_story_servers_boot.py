"""Story: boot servers, see them BUILD then ACTIVE, show and list them across both cells,
update one, and read the version documents and headers on the way."""

from __future__ import annotations

from tests.api.compute.conftest import ComputeClient


async def test_version_documents(nova: ComputeClient) -> None:
    root = await nova.client.get("/compute/")
    assert root.status_code == 200
    versions = root.json()["versions"]
    assert [v["id"] for v in versions] == ["v2.0", "v2.1"]
    assert versions[1]["version"] == "2.96" and versions[1]["min_version"] == "2.1"
    for version in versions:
        link = version["links"][0]["href"]
        shown = await nova.client.get(link.replace("http://127.0.0.1:8080", ""))
        assert shown.status_code == 200, link
        assert shown.json()["version"]["links"][0]["href"] == link
    moved = await nova.client.get("/compute/v2.1")
    assert moved.status_code == 302
    assert moved.headers["location"].endswith("/compute/v2.1/")


async def test_boot_show_list_update(nova: ComputeClient) -> None:
    image = await nova.image()
    made = await nova.boot(name="web", imageRef=image, metadata={"role": "web"})
    server_id = made["id"]
    assert made["OS-DCF:diskConfig"] == "MANUAL"
    assert made["security_groups"] == [{"name": "default"}]
    assert made["adminPass"]
    assert made["links"][0]["href"].endswith(f"/compute/v2.1/servers/{server_id}")

    response = await nova.get(f"/servers/{server_id}")
    assert response.status_code == 200
    assert response.headers["x-compute-request-id"] == response.headers[
        "x-openstack-request-id"]
    server = await nova.wait_for(server_id, "ACTIVE")
    assert server is not None
    assert server["OS-EXT-STS:vm_state"] == "active"
    assert server["OS-EXT-STS:power_state"] == 1
    assert server["OS-EXT-SRV-ATTR:host"]
    assert len(server["hostId"]) == 56
    assert server["image"]["id"] == image
    assert server["flavor"]["original_name"] == "m1.tiny"
    assert server["metadata"] == {"role": "web"}
    assert server["pinned_availability_zone"] is None

    listed = await nova.get("/servers")
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()["servers"]] == [server_id]
    detail = (await nova.get("/servers/detail", params={"name": "^we"})).json()["servers"]
    assert [s["id"] for s in detail] == [server_id]
    assert "server_groups" not in detail[0]
    none = (await nova.get("/servers/detail", params={"name": "nomatch"})).json()
    assert none["servers"] == []

    renamed = await nova.put(f"/servers/{server_id}", json={"server": {
        "name": "web2", "description": "front"}})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["server"]["name"] == "web2"
    assert renamed.json()["server"]["description"] == "front"
    assert (await nova.show(server_id))["name"] == "web2"


async def test_unknown_server_is_404(nova: ComputeClient) -> None:
    for server_id in ("not-a-uuid", "8b0d3c4e-2f7c-4d3e-9f41-0e8d8f7a1b2c"):
        response = await nova.get(f"/servers/{server_id}")
        nova.error(response, 404, f"Instance {server_id} could not be found.")


async def test_microversion_shapes(nova: ComputeClient) -> None:
    made = await nova.boot(name="shapes", availability_zone="nova")
    server_id = made["id"]
    old = (await nova.get(f"/servers/{server_id}", version="2.1")).json()["server"]
    assert old["flavor"]["id"] == "1"
    assert old["flavor"]["links"][0]["rel"] == "bookmark"
    assert "locked" not in old and "pinned_availability_zone" not in old
    assert old["image"]["id"] == await nova.default_image()
    assert old["image"]["links"][0]["rel"] == "bookmark"
    new = (await nova.get(f"/servers/{server_id}", version="2.47")).json()["server"]
    assert new["flavor"] == {"vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0,
                             "original_name": "m1.tiny", "extra_specs": {}}
    latest = (await nova.get(f"/servers/{server_id}", version="2.96")).json()["server"]
    assert latest["pinned_availability_zone"] == "nova"
    assert latest["locked"] is False and latest["locked_reason"] is None
    assert latest["server_groups"] == []
    assert latest["trusted_image_certificates"] is None
