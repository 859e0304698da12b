"""Story: bad input answers Cinder's status and fault shape, and writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

BAD_CREATES: list[tuple[Any, int, str]] = [
    ({}, 400, "volume"),
    ({"volume": {}}, 400, "Size must be specified"),
    ({"volume": {"size": 0}}, 400, "size"),
    ({"volume": {"size": "0"}}, 400, "greater than 0"),
    ({"volume": {"size": -1}}, 400, "size"),
    ({"volume": {"size": "abc"}}, 400, "size"),
    ({"volume": {"size": 1.5}}, 400, "size"),
    ({"volume": {"size": 2**31}}, 400, "size"),
    ({"volume": {"size": 1, "name": "n" * 256}}, 400, "name"),
    ({"volume": {"size": 1, "metadata": {"k": 1}}}, 400, "metadata"),
    ({"volume": {"size": 1, "metadata": {"bad*key": "v"}}}, 400, "metadata"),
    ({"volume": {"size": 1, "volume_type": "nope"}}, 404, "nope could not be found"),
    ({"volume": {"size": 1, "availability_zone": "elsewhere"}}, 400, "elsewhere"),
    ({"volume": {"size": 1, "imageRef": str(uuid.uuid4())}}, 400, "an image"),
    ({"volume": {"size": 1, "snapshot_id": str(uuid.uuid4())}}, 404, "Snapshot"),
    ({"volume": {"size": 1, "source_volid": str(uuid.uuid4())}}, 400, "another volume"),
    ({"volume": {"size": 1, "multiattach": True}}, 400, "Multiattach"),
    ({"volume": {"size": 1, "colour": "red"}}, 400, "colour"),
    ({"volume": {"size": 1}, "extra": {}}, 400, "extra"),
]


@pytest.mark.parametrize(("body", "status", "message"), BAD_CREATES)
async def test_bad_create_writes_nothing(vol: Any, body: Any, status: int, message: str) -> None:
    vol.error(await vol.post("/v3/volumes", json=body), status, message)
    assert (await vol.get("/v3/volumes", params={"all_tenants": "1"})).json()["volumes"] == []
    assert not (vol.cloud.settings.data_dir / "volumes").exists() or not any(
        (vol.cloud.settings.data_dir / "volumes").iterdir()
    )


async def test_malformed_bodies(vol: Any) -> None:
    vol.error(await vol.post("/v3/volumes", content=b"{nope"), 400, "Malformed JSON")
    vol.error(await vol.post("/v3/volumes", content=b""), 400, "empty")
    vol.error(await vol.post("/v3/volumes", json=[1]), 400)


async def test_unknown_keys_are_tolerated_before_3_53(vol: Any) -> None:
    response = await vol.post(
        "/v3/volumes", version="3.52", json={"volume": {"size": "1", "colour": "red"}}
    )
    assert response.status_code == 202, response.text


async def test_bad_updates_change_nothing(vol: Any) -> None:
    made = await vol.available(name="kept")
    path = f"/v3/volumes/{made['id']}"
    vol.error(await vol.put(path, json={"volume": {"size": 5}}), 400, "size")
    vol.error(await vol.put(path, json={"volume": {}}), 400)
    vol.error(await vol.put(path, json={"volume": {"metadata": {"k": ["v"]}}}), 400)
    vol.error(await vol.put(f"/v3/volumes/{uuid.uuid4()}", json={"volume": {"name": "x"}}), 404)
    assert (await vol.show(made["id"]))["name"] == "kept"


async def test_bad_actions_change_nothing(vol: Any) -> None:
    made = await vol.available()
    path = f"/v3/volumes/{made['id']}/action"
    vol.error(await vol.post(path, json={"os-shrink": {}}), 400, "no such action")
    vol.error(await vol.post(path, json={"os-extend": {"new_size": 2}, "os-x": {}}), 400)
    vol.error(await vol.post(path, json={"os-extend": {"new_size": 0}}), 400)
    vol.error(await vol.post(path, json={"os-extend": {}}), 400, "new_size")
    vol.error(await vol.post(path, json={"os-extend": {"new_size": 1}}), 400, "greater")
    assert (await vol.show(made["id"]))["size"] == 1


async def test_unknown_ids_are_404(vol: Any) -> None:
    missing = str(uuid.uuid4())
    vol.error(await vol.get(f"/v3/volumes/{missing}"), 404, f"Volume {missing} could not")
    vol.error(await vol.delete(f"/v3/volumes/{missing}"), 404)
    vol.error(await vol.get("/v3/volumes/not-a-uuid"), 404)
    vol.error(await vol.get(f"/v3/attachments/{missing}"), 404)
    vol.error(await vol.get(f"/v3/types/{missing}"), 404)
    vol.error(await vol.get("/v3/volumes", params={"marker": missing}), 404)
    vol.error(await vol.get("/v3/nothing-here"), 404)


async def test_bad_list_parameters(vol: Any) -> None:
    vol.error(await vol.get("/v3/volumes", params={"limit": "many"}), 400, "limit")
    vol.error(await vol.get("/v3/volumes", params={"sort": "name:sideways"}), 400, "sort")
    vol.error(await vol.get("/v3/volumes", params={"metadata": "[1]"}), 400, "metadata")
    vol.error(await vol.get("/v3/volumes", params={"all_tenants": "maybe"}), 400)


async def test_method_not_allowed_lists_allowed(vol: Any) -> None:
    response = await vol.request("PATCH", f"/v3/volumes/{uuid.uuid4()}")
    vol.error(response, 405)
    assert response.headers["allow"] == "DELETE, GET, HEAD, PUT"


async def test_deleting_a_creating_volume_is_refused(vol: Any) -> None:
    await vol.service.runtime.stop()  # nothing moves the new volume on
    made = await vol.create()
    vol.error(await vol.delete(f"/v3/volumes/{made['id']}"), 400, "Invalid volume")
    assert (await vol.show(made["id"]))["status"] == "creating"


async def test_bad_attachments_write_nothing(vol: Any) -> None:
    made = await vol.available()
    server = str(uuid.uuid4())
    for body, status in [
        ({"attachment": {"instance_uuid": server}}, 400),
        ({"attachment": {"volume_uuid": "not-a-uuid", "instance_uuid": server}}, 400),
        ({"attachment": {"volume_uuid": str(uuid.uuid4()), "instance_uuid": server}}, 404),
        (
            {"attachment": {"volume_uuid": made["id"], "instance_uuid": server, "mode": "rw"}},
            400,
        ),  # mode needs 3.54
        ({"attachment": {"volume_uuid": made["id"], "connector": "x"}}, 400),
    ]:
        vol.error(await vol.post("/v3/attachments", json=body, version="3.53"), status)
    assert (await vol.get("/v3/attachments")).json()["attachments"] == []
    assert (await vol.show(made["id"]))["status"] == "available"

    response = await vol.post(
        "/v3/attachments", json={"attachment": {"volume_uuid": made["id"], "instance_uuid": server}}
    )
    path = f"/v3/attachments/{response.json()['attachment']['id']}"
    vol.error(await vol.put(path, json={"attachment": {}}), 400, "connector")
    vol.error(await vol.put(path, json={"attachment": {"connector": {}}}), 400)
    vol.error(await vol.post(f"{path}/action", json={"os-detach": None}), 400)
    assert (await vol.get(path)).json()["attachment"]["status"] == "reserved"


async def test_bad_types(vol: Any) -> None:
    vol.error(await vol.post("/v3/types", json={"volume_type": {}}), 400, "name")
    vol.error(await vol.post("/v3/types", json={"volume_type": {"name": ""}}), 400)
    vol.error(await vol.delete(f"/v3/types/{uuid.uuid4()}"), 404)
    assert len((await vol.get("/v3/types")).json()["volume_types"]) == 1
