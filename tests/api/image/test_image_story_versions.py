"""Story: a client discovers the image API (no token needed) and reads its JSON schemas."""

from __future__ import annotations

from typing import Any

BASE = "http://127.0.0.1:8080/image"


async def test_root_is_multiple_choices_and_versions_is_ok(gl: Any) -> None:
    for path, status in (("", 300), ("/", 300), ("/versions", 200)):
        response = await gl.get(path, token="")
        assert response.status_code == status, (path, response.text)
        versions = response.json()["versions"]
        assert [v["id"] for v in versions] == [f"v2.{n}" for n in range(17, -1, -1)]
        assert versions[0]["status"] == "CURRENT"
        assert {v["status"] for v in versions[1:]} == {"SUPPORTED"}
        assert {v["links"][0]["href"] for v in versions} == {f"{BASE}/v2/"}
    assert "openstack-api-version" not in response.headers


async def test_everything_else_needs_a_token(gl: Any) -> None:
    for path in ("/v2/images", "/v2/schemas/image"):
        gl.error(await gl.get(path, token=""), 401)
    gl.error(await gl.get("/v2/nothing"), 404)
    wrong = await gl.request("POST", "/v2/images/x/file")
    gl.error(wrong, 405)
    assert wrong.headers["allow"] == "GET, HEAD, PUT"


async def test_schemas(gl: Any) -> None:
    image = (await gl.get("/v2/schemas/image")).json()
    assert image["name"] == "image"
    assert image["additionalProperties"] == {"type": "string"}
    assert image["properties"]["visibility"]["enum"] == ["community", "public", "private", "shared"]
    assert image["properties"]["status"]["readOnly"] is True
    assert image["properties"]["disk_format"]["enum"][0] is None
    assert "raw" in image["properties"]["disk_format"]["enum"]
    assert {"rel": "enclosure", "href": "{file}"} in image["links"]
    images = (await gl.get("/v2/schemas/images")).json()
    assert images["name"] == "images"
    assert images["properties"]["images"]["items"] == image
    member = (await gl.get("/v2/schemas/member")).json()
    assert member["name"] == "member"
    assert member["properties"]["status"]["enum"] == ["pending", "accepted", "rejected"]
    members = (await gl.get("/v2/schemas/members")).json()
    assert members["properties"]["members"]["items"] == member
