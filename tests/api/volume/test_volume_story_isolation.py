"""Story: projects do not see each other's volumes (404, never 403); readers only read;
admins see every project's volume and list them with ``all_tenants``."""

from __future__ import annotations

import uuid
from typing import Any


async def test_another_projects_volume_is_not_found(vol: Any) -> None:
    alice, bob = await vol.user(), await vol.user()
    volume = await vol.available(token=alice.token, name="alice's")
    assert volume["user_id"] == alice.user_id
    assert "os-vol-tenant-attr:tenant_id" not in volume, "tenant attribute is admin-only"

    path = f"/v3/volumes/{volume['id']}"
    for response in (
        await vol.get(path, token=bob.token),
        await vol.put(path, token=bob.token, json={"volume": {"name": "mine"}}),
        await vol.delete(path, token=bob.token),
        await vol.post(f"{path}/action", token=bob.token, json={"os-extend": {"new_size": 2}}),
        await vol.get(f"{path}/metadata", token=bob.token),
        await vol.post(
            "/v3/attachments",
            token=bob.token,
            json={"attachment": {"volume_uuid": volume["id"], "instance_uuid": str(uuid.uuid4())}},
        ),
    ):
        vol.error(response, 404, "could not be found")
    assert (await vol.get("/v3/volumes/detail", token=bob.token)).json()["volumes"] == []
    assert (await vol.show(volume["id"], token=alice.token))["name"] == "alice's"


async def test_another_projects_attachment_is_not_found(vol: Any) -> None:
    alice, bob = await vol.user(), await vol.user()
    volume = await vol.available(token=alice.token)
    response = await vol.post(
        "/v3/attachments",
        token=alice.token,
        json={"attachment": {"volume_uuid": volume["id"], "instance_uuid": str(uuid.uuid4())}},
    )
    attachment_id = response.json()["attachment"]["id"]
    vol.error(await vol.get(f"/v3/attachments/{attachment_id}", token=bob.token), 404)
    vol.error(await vol.delete(f"/v3/attachments/{attachment_id}", token=bob.token), 404)
    assert (await vol.get("/v3/attachments", token=bob.token)).json()["attachments"] == []


async def test_a_reader_reads_but_does_not_write(vol: Any) -> None:
    member = await vol.user()
    reader = await vol.user("reader", project_id=member.project_id)
    volume = await vol.available(token=member.token)
    assert (await vol.show(volume["id"], token=reader.token))["id"] == volume["id"]
    vol.error(
        await vol.post("/v3/volumes", token=reader.token, json={"volume": {"size": 1}}),
        403,
        "volume:create",
    )
    vol.error(await vol.delete(f"/v3/volumes/{volume['id']}", token=reader.token), 403)
    assert (await vol.show(volume["id"]))["status"] == "available"


async def test_admin_sees_every_project(vol: Any) -> None:
    alice = await vol.user()
    volume = await vol.available(token=alice.token)
    shown = await vol.show(volume["id"])
    assert shown["os-vol-tenant-attr:tenant_id"] == alice.project_id
    assert (await vol.get("/v3/volumes")).json()["volumes"] == [], "own project by default"
    every = await vol.get("/v3/volumes", params={"all_tenants": "1"})
    assert [v["id"] for v in every.json()["volumes"]] == [volume["id"]]
    only = await vol.get(
        "/v3/volumes/detail", params={"all_tenants": "1", "project_id": alice.project_id}
    )
    assert [v["id"] for v in only.json()["volumes"]] == [volume["id"]]
    member_all = await vol.get("/v3/volumes", token=alice.token, params={"all_tenants": "1"})
    assert [v["id"] for v in member_all.json()["volumes"]] == [volume["id"]]
