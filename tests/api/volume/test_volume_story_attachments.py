"""Story: attaching a volume the way Nova does (3.27 attachments, os-complete from 3.44).

reserve -> the host's connector (``attaching``, connection_info with the file's path) ->
os-complete (``attached``, volume ``in-use``) -> delete (the volume is ``available``)."""

from __future__ import annotations

import uuid
from typing import Any

CONNECTOR = {
    "host": "compute-1",
    "ip": "192.0.2.10",
    "platform": "x86_64",
    "os_type": "linux",
    "multipath": False,
    "mountpoint": "/dev/vdb",
}


async def _reserve(vol: Any, volume_id: str, instance: str, **kw: Any) -> dict[str, Any]:
    response = await vol.post(
        "/v3/attachments",
        json={"attachment": {"volume_uuid": volume_id, "instance_uuid": instance}},
        **kw,
    )
    assert response.status_code == 200, response.text
    attachment: dict[str, Any] = response.json()["attachment"]
    return attachment


async def test_attach_flow_reserved_attaching_in_use_then_detached(vol: Any) -> None:
    volume = await vol.available()
    server = str(uuid.uuid4())

    reserved = await _reserve(vol, volume["id"], server)
    assert (reserved["status"], reserved["instance"], reserved["volume_id"]) == (
        "reserved",
        server,
        volume["id"],
    )
    assert reserved["connection_info"] is None and reserved["attach_mode"] == "null"
    assert (await vol.show(volume["id"]))["status"] == "reserved"

    path = f"/v3/attachments/{reserved['id']}"
    updated = await vol.put(path, json={"attachment": {"connector": CONNECTOR}})
    assert updated.status_code == 200, updated.text
    attachment = updated.json()["attachment"]
    assert attachment["status"] == "attaching" and attachment["attach_mode"] == "rw"
    info = attachment["connection_info"]
    assert info["driver_volume_type"] == "local"
    assert info["data"]["device_path"] == str(vol.backing_file(volume["id"]))
    assert (await vol.show(volume["id"]))["status"] == "attaching"

    completed = await vol.post(f"{path}/action", json={"os-complete": None})
    assert completed.status_code == 204, completed.text
    shown = await vol.show(volume["id"])
    assert shown["status"] == "in-use"
    [attached] = shown["attachments"]
    assert (
        attached["server_id"],
        attached["attachment_id"],
        attached["host_name"],
        attached["device"],
    ) == (server, reserved["id"], "compute-1", "/dev/vdb")
    assert (await vol.get(path)).json()["attachment"]["status"] == "attached"

    vol.error(await vol.delete(f"/v3/volumes/{volume['id']}"), 400, "Invalid volume")

    detached = await vol.delete(path)
    assert detached.status_code == 200 and detached.json() == {"attachments": []}
    after = await vol.show(volume["id"])
    assert (after["status"], after["attachments"]) == ("available", [])
    vol.error(await vol.get(path), 404)


async def test_create_with_a_connector_connects_at_once(vol: Any) -> None:
    volume = await vol.available()
    response = await vol.post(
        "/v3/attachments",
        json={
            "attachment": {
                "volume_uuid": volume["id"],
                "instance_uuid": str(uuid.uuid4()),
                "connector": CONNECTOR,
                "mode": "ro",
            }
        },
    )
    attachment = response.json()["attachment"]
    assert attachment["status"] == "attaching" and attachment["attach_mode"] == "ro"
    assert attachment["connection_info"]["data"]["access_mode"] == "ro"


async def test_lists_summary_and_detail_with_filters(vol: Any) -> None:
    volume, other = await vol.available(), await vol.available()
    server = str(uuid.uuid4())
    first = await _reserve(vol, volume["id"], server)
    await _reserve(vol, other["id"], str(uuid.uuid4()))

    listed = (await vol.get("/v3/attachments")).json()["attachments"]
    assert len(listed) == 2 and set(listed[0]) == {"id", "status", "instance", "volume_id"}
    detail = (await vol.get("/v3/attachments/detail")).json()["attachments"]
    assert "connection_info" in detail[0]
    mine = (await vol.get("/v3/attachments", params={"instance_id": server})).json()
    assert [a["id"] for a in mine["attachments"]] == [first["id"]]


async def test_a_reserved_volume_cannot_be_reserved_again(vol: Any) -> None:
    volume = await vol.available()
    server = str(uuid.uuid4())
    await _reserve(vol, volume["id"], server)
    response = await vol.post(
        "/v3/attachments",
        json={"attachment": {"volume_uuid": volume["id"], "instance_uuid": str(uuid.uuid4())}},
    )
    vol.error(response, 400, "current status is reserved")
    again = await _reserve(vol, volume["id"], server)  # the same server moving hosts
    assert again["status"] == "reserved"


async def test_a_creating_volume_cannot_be_attached(vol: Any) -> None:
    await vol.service.runtime.stop()  # no reconciler: a new volume stays ``creating``
    made = await vol.create()
    response = await vol.post(
        "/v3/attachments",
        json={"attachment": {"volume_uuid": made["id"], "instance_uuid": str(uuid.uuid4())}},
    )
    vol.error(response, 400, "the current status is creating")
    assert (await vol.get("/v3/attachments")).json()["attachments"] == []


async def test_attachments_need_microversion_3_27(vol: Any) -> None:
    vol.error(await vol.get("/v3/attachments", version="3.26"), 404)
    volume = await vol.available()
    attachment = await _reserve(vol, volume["id"], str(uuid.uuid4()))
    response = await vol.post(
        f"/v3/attachments/{attachment['id']}/action", json={"os-complete": None}, version="3.43"
    )
    vol.error(response, 404)
    assert (await vol.show(volume["id"]))["status"] == "reserved"
