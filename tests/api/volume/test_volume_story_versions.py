"""Story: the version documents (no token), the catalog entries, microversion negotiation."""

from __future__ import annotations

from typing import Any


async def test_root_is_300_with_v3(vol: Any) -> None:
    for path in ("/", ""):
        response = await vol.get(path, token="", version=None)
        assert response.status_code == 300
        [v3] = response.json()["versions"]
        assert (v3["id"], v3["status"], v3["version"], v3["min_version"]) == (
            "v3.0",
            "CURRENT",
            "3.71",
            "3.0",
        )
        assert {"rel": "self", "href": "http://127.0.0.1:8080/volume/v3/"} in v3["links"]
        assert v3["media-types"][0]["type"] == "application/vnd.openstack.volume+json;version=3"


async def test_v3_document(vol: Any) -> None:
    for path in ("/v3", "/v3/"):
        response = await vol.get(path, token="", version=None)
        assert response.status_code == 200
        assert response.json()["versions"][0]["id"] == "v3.0"


async def test_catalog_has_block_storage_and_volumev3(vol: Any) -> None:
    issued = await vol.client.get(
        "/identity/v3/auth/tokens",
        headers={"X-Auth-Token": vol.token, "X-Subject-Token": vol.token},
    )
    entries = {
        (s["type"], s["name"]): s["endpoints"][0]["url"] for s in issued.json()["token"]["catalog"]
    }
    url = "http://127.0.0.1:8080/volume/v3"
    assert entries[("block-storage", "cinder")] == url
    assert entries[("volumev3", "cinderv3")] == url


async def test_microversions(vol: Any) -> None:
    response = await vol.get("/v3/volumes", version="3.50")
    assert response.headers["openstack-api-version"] == "volume 3.50"
    assert "OpenStack-API-Version" in response.headers["vary"]
    assert (await vol.get("/v3/volumes", version=None)).headers[
        "openstack-api-version"
    ] == "volume 3.0"
    assert (await vol.get("/v3/volumes", version="latest")).headers[
        "openstack-api-version"
    ] == "volume 3.71"
    vol.error(await vol.get("/v3/volumes", version="3.72"), 406)
    vol.error(await vol.get("/v3/volumes", version="3.x"), 400)


async def test_every_resource_needs_a_token(vol: Any) -> None:
    vol.error(await vol.get("/v3/volumes", token=""), 401)
    vol.error(await vol.get("/v3/types", token=""), 401)
