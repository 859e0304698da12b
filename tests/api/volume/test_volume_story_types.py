"""Story: volume types: ``__DEFAULT__`` for everyone; admins create, hide and delete more."""

from __future__ import annotations

from typing import Any


async def test_default_type_is_listed_and_shown(vol: Any) -> None:
    [default] = (await vol.get("/v3/types")).json()["volume_types"]
    assert default["name"] == "__DEFAULT__" and default["is_public"] is True
    assert default["os-volume-type-access:is_public"] is True and default["extra_specs"] == {}
    shown = (await vol.get(f"/v3/types/{default['id']}")).json()["volume_type"]
    assert shown == default
    assert (await vol.get("/v3/types/default")).json()["volume_type"]["id"] == default["id"]


async def test_admin_creates_and_deletes_a_type(vol: Any) -> None:
    response = await vol.post(
        "/v3/types",
        json={
            "volume_type": {"name": "fast", "description": "ssd", "extra_specs": {"speed": "high"}}
        },
    )
    assert response.status_code == 200, response.text
    fast = response.json()["volume_type"]
    assert (fast["name"], fast["extra_specs"]) == ("fast", {"speed": "high"})

    volume = await vol.available(volume_type="fast")
    assert volume["volume_type"] == "fast" and volume["volume_type_id"] == fast["id"]
    vol.error(await vol.delete(f"/v3/types/{fast['id']}"), 400, "still in use")

    await vol.delete(f"/v3/volumes/{volume['id']}")
    await vol.wait_for(volume["id"], None)
    assert (await vol.delete(f"/v3/types/{fast['id']}")).status_code == 202
    vol.error(await vol.get(f"/v3/types/{fast['id']}"), 404)


async def test_duplicate_name_is_409_and_default_cannot_go(vol: Any) -> None:
    body = {"volume_type": {"name": "dup"}}
    assert (await vol.post("/v3/types", json=body)).status_code == 200
    vol.error(await vol.post("/v3/types", json=body), 409, "already exists")
    default = (await vol.get("/v3/types/default")).json()["volume_type"]
    vol.error(await vol.delete(f"/v3/types/{default['id']}"), 400, "can not be deleted")


async def test_private_types_are_hidden_from_members_and_types_are_admin_made(vol: Any) -> None:
    response = await vol.post(
        "/v3/types",
        json={"volume_type": {"name": "secret", "os-volume-type-access:is_public": False}},
    )
    private = response.json()["volume_type"]
    member = await vol.user()
    names = [
        t["name"] for t in (await vol.get("/v3/types", token=member.token)).json()["volume_types"]
    ]
    assert names == ["__DEFAULT__"]
    vol.error(await vol.get(f"/v3/types/{private['id']}", token=member.token), 404)
    response = await vol.post(
        "/v3/volumes", token=member.token, json={"volume": {"size": 1, "volume_type": "secret"}}
    )
    vol.error(response, 404, "secret")
    vol.error(
        await vol.post("/v3/types", token=member.token, json={"volume_type": {"name": "mine"}}), 403
    )
