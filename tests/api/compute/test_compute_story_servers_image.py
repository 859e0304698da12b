"""Story: createImage of a running server: a queued image appears in the image service
and becomes active once the host uploaded the snapshot; below 2.45 a Location header."""

from __future__ import annotations

import asyncio

from tests.api.compute.conftest import ComputeClient


async def test_create_image(nova: ComputeClient) -> None:
    base = await nova.image("base")
    server_id = (await nova.boot(name="snap", imageRef=base))["id"]
    await nova.wait_for(server_id, "ACTIVE")
    response = await nova.post(f"/servers/{server_id}/action", json={
        "createImage": {"name": "snap-1", "metadata": {"purpose": "test"}}})
    assert response.status_code == 202, response.text
    image_id = response.json()["image_id"]
    status = ""
    for _ in range(250):
        image = await nova.other("GET", f"/image/v2/images/{image_id}")
        assert image.status_code == 200, image.text
        status = image.json()["status"]
        if status == "active":
            break
        await asyncio.sleep(0.02)
    assert status == "active"
    assert image.json()["name"] == "snap-1"
    assert image.json()["purpose"] == "test"
    await nova.wait_for(server_id, "ACTIVE")
    actions = (await nova.get(f"/servers/{server_id}/os-instance-actions")).json()
    assert actions["instanceActions"][0]["action"] == "createImage"

    old = await nova.post(f"/servers/{server_id}/action", version="2.1", json={
        "createImage": {"name": "snap-2"}})
    assert old.status_code == 202, old.text
    assert "/images/" in old.headers["location"]
    assert old.content == b""


async def test_a_private_image_of_another_project_cannot_be_booted(nova: ComputeClient) -> None:
    """Nova asks the image service with the caller's token: what the caller cannot see
    does not exist for their boot or rebuild (400, as Nova's 'could not be found')."""
    made = await nova.other("POST", "/image/v2/images", json={
        "name": "admins-only", "disk_format": "raw", "container_format": "bare",
        "visibility": "private"})
    assert made.status_code == 201, made.text
    private = made.json()["id"]
    uploaded = await nova.client.put(
        f"/image/v2/images/{private}/file", content=b"\0" * 64,
        headers={"X-Auth-Token": nova.token, "Content-Type": "application/octet-stream"})
    assert uploaded.status_code == 204, uploaded.text
    outsider = await nova.user("member")
    refused = await nova.post("/servers", token=outsider.token, json={"server": {
        "name": "theft", "flavorRef": "1", "networks": "none", "imageRef": private}})
    nova.error(refused, 400, f"Image {private} could not be found.")
    mine = await nova.boot(token=outsider.token, name="own")
    await nova.wait_for(mine["id"], "ACTIVE", token=outsider.token)
    rebuilt = await nova.post(f"/servers/{mine['id']}/action", token=outsider.token,
                              json={"rebuild": {"imageRef": private}})
    nova.error(rebuilt, 400, f"Image {private} could not be found.")
    owned = await nova.boot(name="owner's", imageRef=private)  # its owner may
    await nova.wait_for(owned["id"], "ACTIVE")
