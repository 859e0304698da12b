"""Story: every malformed or forbidden request is refused with Glance's status and error
shape, and leaves the image (and the store) exactly as it was."""

from __future__ import annotations

import uuid
from typing import Any

import pytest


@pytest.fixture
async def image(gl: Any) -> dict[str, Any]:
    return dict(await gl.create(name="subject", kind="x"))


async def _same(gl: Any, image: dict[str, Any]) -> None:
    assert await gl.show(image["id"]) == image
    assert await gl.names() == ["subject"]


CREATE_REFUSALS: list[tuple[Any, int, str]] = [
    ({"status": "active"}, 403, "Attribute 'status' is read-only."),
    ({"checksum": "x"}, 403, "Attribute 'checksum' is read-only."),
    ({"size": 5}, 403, "Attribute 'size' is read-only."),
    ({"self": "/x"}, 403, "Attribute 'self' is read-only."),
    ({"file": "/x"}, 403, "Attribute 'file' is read-only."),
    ({"location": "x"}, 403, "Attribute 'location' is reserved."),
    ({"deleted": "x"}, 403, "Attribute 'deleted' is reserved."),
    ({"os_glance_x": "y"}, 403, "Attribute 'os_glance_x' is reserved."),
    ({"visibility": "everyone"}, 400, "does not match schema 'image'"),
    ({"disk_format": "floppy"}, 400, "does not match schema 'image'"),
    ({"name": "x" * 256}, 400, "does not match schema 'image'"),
    ({"min_disk": -1}, 400, "does not match schema 'image'"),
    ({"min_ram": "64"}, 400, "does not match schema 'image'"),
    ({"protected": "yes"}, 400, "does not match schema 'image'"),
    ({"tags": "a"}, 400, "does not match schema 'image'"),
    ({"id": "not-a-uuid"}, 400, "does not match schema 'image'"),
    ({"extra": 5}, 400, "does not match schema 'image'"),
    ({"kernel_id": "nope"}, 400, "does not match schema 'image'"),
    ({"k" * 256: "v"}, 400, "Custom property should not be greater than 255"),
    ([], 400, "does not match schema 'image'"),
    ({"visibility": "public"}, 403, "publicize_image"),
    ({"owner": "someone-else"}, 403, "add_image"),
    ({f"p{n}": "v" for n in range(129)}, 413, "Maximum: 128"),
    ({"tags": [f"t{n}" for n in range(129)]}, 413, "Maximum: 128"),
]


async def test_create_refusals(gl: Any, image: dict[str, Any]) -> None:
    member = await gl.tenant()
    for body, status, detail in CREATE_REFUSALS:
        gl.error(await gl.post("/v2/images", json=body, token=member.token), status, detail)
    await _same(gl, image)


async def test_create_bodies_that_are_not_json(gl: Any, image: dict[str, Any]) -> None:
    gl.error(await gl.post("/v2/images", content=b"{nope"), 400)
    gl.error(await gl.post("/v2/images", content=b""), 400)
    await _same(gl, image)


PATCH_REFUSALS: list[tuple[Any, int, str]] = [
    ({"op": "add"}, 400, "JSON array of operation objects"),
    (["add"], 400, "Operations must be JSON objects."),
    ([{"path": "/name", "value": "x"}], 400, "Unable to find `op`"),
    ([{"op": "move", "path": "/name", "value": "x"}], 400, "Invalid operation: `move`"),
    ([{"op": "add", "value": "x"}], 400, "Unable to find 'path'"),
    ([{"op": "add", "path": "name", "value": "x"}], 400, 'does not start with "/"'),
    ([{"op": "add", "path": "/a//b", "value": "x"}], 400, 'adjacent "/"'),
    ([{"op": "add", "path": "/a/", "value": "x"}], 400, 'end with "/"'),
    ([{"op": "add", "path": "/a~2", "value": "x"}], 400, "recognized escape"),
    ([{"op": "add", "path": "/a/b", "value": "x"}], 400, "Invalid JSON pointer"),
    ([{"op": "add", "path": "/", "value": "x"}], 400, "Invalid JSON pointer"),
    ([{"op": "add", "path": "/name"}], 400, 'requires a member named "value"'),
    ([{"op": "replace", "path": "/status", "value": "active"}], 403, "read-only"),
    ([{"op": "replace", "path": "/id", "value": str(uuid.uuid4())}], 403, "read-only"),
    ([{"op": "add", "path": "/deleted", "value": "x"}], 403, "reserved"),
    ([{"op": "add", "path": "/os_glance_lock", "value": "x"}], 403, "reserved"),
    ([{"op": "replace", "path": "/min_ram", "value": "lots"}], 400, "schema 'image'"),
    ([{"op": "add", "path": "/extra", "value": 1}], 400, "schema 'image'"),
    ([{"op": "replace", "path": "/visibility", "value": "x"}], 400, "schema 'image'"),
    (
        [
            {"op": "replace", "path": "/name", "value": "ok"},
            {"op": "replace", "path": "/nope", "value": "x"},
        ],
        409,
        "Property nope does not exist.",
    ),
    ([{"op": "remove", "path": "/nope"}], 409, "Property nope does not exist."),
    ([{"op": "remove", "path": "/name"}], 403, "Property name may not be removed."),
    (
        [{"op": "add", "path": "/locations/-", "value": {"url": "x", "metadata": {}}}],
        403,
        "locations are invisible",
    ),
    ([{"op": "replace", "path": "/visibility", "value": "public"}], 403, "publicize_image"),
    ([{"op": "add", "path": f"/p{n}", "value": "v"} for n in range(128)], 413, "Maximum: 128"),
]


async def test_patch_refusals(gl: Any, image: dict[str, Any]) -> None:
    member = await gl.tenant()
    await gl.patch(image["id"], [{"op": "replace", "path": "/owner", "value": member.project_id}])
    image = await gl.show(image["id"])
    for ops, status, detail in PATCH_REFUSALS:
        gl.error(await gl.patch(image["id"], ops, token=member.token), status, detail)
    await _same(gl, image)


async def test_patch_media_type_and_body(gl: Any, image: dict[str, Any]) -> None:
    for media_type in ("application/json", "application/json-patch+json", ""):
        refused = await gl.patch(image["id"], [], media_type=media_type)
        gl.error(refused, 415)
        assert refused.headers["accept-patch"] == (
            "application/openstack-images-v2.0-json-patch, "
            "application/openstack-images-v2.1-json-patch"
        )
    gl.error(
        await gl.request(
            "PATCH",
            f"/v2/images/{image['id']}",
            content=b"[",
            headers={"Content-Type": "application/openstack-images-v2.1-json-patch"},
        ),
        400,
    )
    gl.error(await gl.patch(str(uuid.uuid4()), []), 404)
    await _same(gl, image)


async def test_formats_are_fixed_once_data_is_there(gl: Any, image: dict[str, Any]) -> None:
    assert (await gl.upload(image["id"], b"data")).status_code == 204
    image = await gl.show(image["id"])
    for name in ("disk_format", "container_format"):
        gl.error(
            await gl.patch(image["id"], [{"op": "replace", "path": f"/{name}", "value": "ami"}]),
            403,
            "queued image",
        )
    assert await gl.show(image["id"]) == image


async def test_owner_is_changed_by_admins_only(gl: Any, image: dict[str, Any]) -> None:
    member = await gl.tenant()
    changed = await gl.patch(
        image["id"], [{"op": "replace", "path": "/owner", "value": member.project_id}]
    )
    assert changed.json()["owner"] == member.project_id
    image = changed.json()
    gl.error(
        await gl.patch(
            image["id"], [{"op": "replace", "path": "/owner", "value": "me"}], token=member.token
        ),
        403,
        "Owner can't be updated by non admin.",
    )
    await _same(gl, image)


LIST_REFUSALS = [
    ("limit=x", "limit param must be an integer"),
    ("limit=-1", "limit param must be positive"),
    ("sort_key=size&sort_key=bogus", "Invalid sort key: bogus"),
    ("sort_dir=up", "Invalid sort direction: up"),
    ("sort=name:asc&sort_key=name", "Old and new sorting syntax cannot be combined"),
    (
        "sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc&sort_dir=asc",
        "Number of sort dirs does not match",
    ),
    ("visibility=everyone", "Invalid visibility value: everyone"),
    ("member_status=maybe", "Invalid status: maybe"),
    ("os_hidden=1", "'os_hidden' filter"),
    ("protected=yes", "'protected' filter"),
    ("size_min=big", "specified range"),
    ("created_at=gt:yesterday", "Invalid time format"),
    ("created_at=near:2024-01-01T00:00:00Z", "unknown operator"),
    ("changes-since=2024-01-01", "no longer available"),
    (f"marker={uuid.uuid4()}", "No image found with ID"),
]


async def test_list_refusals(gl: Any, image: dict[str, Any]) -> None:
    for query, detail in LIST_REFUSALS:
        gl.error(await gl.get(f"/v2/images?{query}"), 400, detail)


async def test_tag_and_member_refusals(gl: Any, image: dict[str, Any]) -> None:
    gl.error(await gl.put(f"/v2/images/{image['id']}/tags/{'t' * 256}"), 400)
    members = f"/v2/images/{image['id']}/members"
    for body, detail in (
        ({}, "Member to be added not specified"),
        ({"member": ""}, "Member can't be empty"),
        ({"member": 5}, "Member must be"),
        ([], "Expected a member in the form"),
    ):
        gl.error(await gl.post(members, json=body), 400, detail)
    assert (await gl.post(members, json={"member": "p2"})).status_code == 200
    gl.error(await gl.post(members, json={"member": "p2"}), 409, "duplicated")
    for body, detail in (({}, "Status not specified"), (["x"], "Expected a status")):
        gl.error(await gl.put(f"{members}/p2", json=body), 400, detail)
    gl.error(await gl.put(f"{members}/p2", json={"status": "maybe"}), 400, "Status must be")
    gl.error(await gl.put(f"{members}/p3", json={"status": "accepted"}), 404)
    listed = (await gl.get(members)).json()["members"]
    assert [(m["member_id"], m["status"]) for m in listed] == [("p2", "pending")]
    assert (await gl.show(image["id"]))["tags"] == []
