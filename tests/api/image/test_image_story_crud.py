"""Story: a project creates an image with properties, reads it back, changes it with JSON
patches (both media types), protects it, and deletes it; a deleted image is gone for good."""

from __future__ import annotations

import re
import uuid
from typing import Any

V20 = "application/openstack-images-v2.0-json-patch"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


async def test_create_show_list(gl: Any) -> None:
    response = await gl.post(
        "/v2/images",
        json={
            "name": "cirros",
            "disk_format": "qcow2",
            "container_format": "bare",
            "min_disk": 1,
            "min_ram": 64,
            "tags": ["a", "b", "a"],
            "os_distro": "cirros",
            "owner_specified.openstack.md5": "",
        },
    )
    assert response.status_code == 201, response.text
    image = response.json()
    assert response.headers["location"] == (f"http://127.0.0.1:8080/image/v2/images/{image['id']}")
    uuid.UUID(image["id"])
    assert image == {
        "id": image["id"],
        "name": "cirros",
        "status": "queued",
        "visibility": "shared",
        "disk_format": "qcow2",
        "container_format": "bare",
        "size": None,
        "virtual_size": None,
        "checksum": None,
        "os_hash_algo": None,
        "os_hash_value": None,
        "protected": False,
        "os_hidden": False,
        "min_disk": 1,
        "min_ram": 64,
        "owner": gl.project_id,
        "tags": ["a", "b"],
        "os_distro": "cirros",
        "owner_specified.openstack.md5": "",
        "created_at": image["created_at"],
        "updated_at": image["updated_at"],
        "self": f"/v2/images/{image['id']}",
        "file": f"/v2/images/{image['id']}/file",
        "schema": "/v2/schemas/image",
    }
    assert STAMP.match(image["created_at"]) and STAMP.match(image["updated_at"])
    assert await gl.show(image["id"]) == image
    listed = (await gl.get("/v2/images")).json()
    assert listed == {"images": [image], "first": "/v2/images", "schema": "/v2/schemas/images"}


async def test_create_with_an_id_and_minimal_body(gl: Any) -> None:
    wanted = str(uuid.uuid4())
    image = (await gl.post("/v2/images", json={"id": wanted})).json()
    assert image["id"] == wanted and image["name"] is None
    assert image["disk_format"] is None and image["container_format"] is None
    gl.error(await gl.post("/v2/images", json={"id": wanted}), 409, "already exists")


async def test_patch_properties_and_attributes(gl: Any) -> None:
    image = await gl.create(name="before", kind="x", gone="soon")
    ops = [
        {"op": "replace", "path": "/name", "value": "after"},
        {"op": "add", "path": "/hw_disk_bus", "value": "virtio"},
        {"op": "add", "path": "/kind", "value": "y"},  # v2.1: add replaces
        {"op": "replace", "path": "/kind", "value": "z"},
        {"op": "remove", "path": "/gone"},
        {"op": "replace", "path": "/tags", "value": ["t1", "t2", "t1"]},
        {"op": "replace", "path": "/min_disk", "value": 5},
        {"op": "replace", "path": "/min_ram", "value": 512},
        {"op": "replace", "path": "/protected", "value": True},
        {"op": "replace", "path": "/os_hidden", "value": True},
        {"op": "replace", "path": "/visibility", "value": "private"},
        {"op": "replace", "path": "/disk_format", "value": "qcow2"},
        {"op": "add", "path": "/a~1b", "value": "slash"},
    ]
    response = await gl.patch(image["id"], ops)
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["name"] == "after" and patched["kind"] == "z"
    assert patched["hw_disk_bus"] == "virtio" and "gone" not in patched
    assert patched["tags"] == ["t1", "t2"] and patched["a/b"] == "slash"
    assert (patched["min_disk"], patched["min_ram"]) == (5, 512)
    assert patched["protected"] is True and patched["os_hidden"] is True
    assert (patched["visibility"], patched["disk_format"]) == ("private", "qcow2")
    assert await gl.show(image["id"]) == patched
    unchanged = await gl.patch(image["id"], [])
    assert unchanged.json() == patched


async def test_the_older_patch_media_type(gl: Any) -> None:
    image = await gl.create(name="old", kind="x")
    response = await gl.patch(
        image["id"],
        [
            {"add": "/extra", "value": "1"},
            {"replace": "/name", "value": "renamed"},
            {"remove": "/kind"},
        ],
        media_type=V20,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["extra"] == "1" and body["name"] == "renamed" and "kind" not in body
    gl.error(
        await gl.patch(image["id"], [{"add": "/extra", "value": "2"}], media_type=V20),
        409,
        "Property extra already present.",
    )
    gl.error(
        await gl.patch(image["id"], [{"add": "/x", "replace": "/y", "value": "2"}], media_type=V20),
        400,
        "exactly one member",
    )


async def test_tags(gl: Any) -> None:
    image = await gl.create(name="tagged")
    for tag in ("one", "two", "one"):
        added = await gl.put(f"/v2/images/{image['id']}/tags/{tag}")
        assert added.status_code == 204 and added.content == b""
    assert (await gl.show(image["id"]))["tags"] == ["one", "two"]
    assert (await gl.delete(f"/v2/images/{image['id']}/tags/one")).status_code == 204
    assert (await gl.show(image["id"]))["tags"] == ["two"]
    gl.error(await gl.delete(f"/v2/images/{image['id']}/tags/one"), 404, "Tag one not found")
    gl.error(await gl.put(f"/v2/images/{uuid.uuid4()}/tags/x"), 404)


async def test_protected_then_deleted(gl: Any) -> None:
    image = await gl.create(name="keep", protected=True)
    gl.error(await gl.delete(f"/v2/images/{image['id']}"), 403, "is protected")
    await gl.patch(image["id"], [{"op": "replace", "path": "/protected", "value": False}])
    deleted = await gl.delete(f"/v2/images/{image['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    gl.error(await gl.get(f"/v2/images/{image['id']}"), 404, image["id"])
    gl.error(await gl.delete(f"/v2/images/{image['id']}"), 404)
    gl.error(await gl.patch(image["id"], []), 404)
    gl.error(await gl.get(f"/v2/images/{image['id']}/file"), 404)
    assert await gl.names() == []
    gl.error(await gl.post("/v2/images", json={"id": image["id"]}), 409)


async def test_lookup_by_name_is_a_404_then_a_name_query(gl: Any) -> None:
    await gl.create(name="cirros")
    await gl.create(name="other")
    gl.error(await gl.get("/v2/images/cirros"), 404)
    assert await gl.names("?name=cirros") == ["cirros"]
