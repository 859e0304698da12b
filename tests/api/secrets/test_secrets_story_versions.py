"""Story: the version documents clients discover, served without a token; the rest needs one."""

from __future__ import annotations

from typing import Any

KM = "http://127.0.0.1:8080/key-manager"
V1 = {
    "id": "v1",
    "status": "stable",
    "links": [
        {"rel": "self", "href": f"{KM}/v1/"},
        {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
    ],
    "media-types": [
        {"base": "application/json", "type": "application/vnd.openstack.key-manager-v1+json"}
    ],
}


async def test_root_is_multiple_choices_with_v1(km: Any) -> None:
    for path in ("", "/"):
        response = await km.get(path, token="")
        assert response.status_code == 300
        assert response.json() == {"versions": {"values": [V1]}}


async def test_v1_describes_itself_whatever_microversion_is_asked(km: Any) -> None:
    for header in ({}, {"OpenStack-API-Version": "key-manager 1.1"}):
        for path in ("/v1", "/v1/"):
            response = await km.get(path, token="", headers=header)
            assert response.status_code == 200
            assert response.json() == {"version": V1}


async def test_everything_else_needs_a_token(km: Any) -> None:
    for path in ("/v1/secrets", "/v1/containers", "/v1/secrets/x", "/v1/secrets/x/payload"):
        km.error(await km.get(path, token=""), 401)
    km.error(await km.get("/v1/secrets", token="not-a-token"), 401)


async def test_unknown_paths_and_methods(km: Any) -> None:
    km.error(await km.get("/v1/orders"), 404)
    km.error(await km.get("/v2"), 404)
    response = await km.request("PATCH", "/v1/secrets")
    km.error(response, 405)
    assert response.headers["allow"] == "GET, HEAD, POST"
    response = await km.post("/v1/secrets/x/payload", json={})
    km.error(response, 405)
    assert response.headers["allow"] == "GET, HEAD"


async def test_catalog_lists_the_key_manager(km: Any) -> None:
    response = await km.client.get("/identity/v3/auth/catalog", headers={"X-Auth-Token": km.token})
    [entry] = [e for e in response.json()["catalog"] if e["type"] == "key-manager"]
    assert entry["name"] == "barbican"
    assert {e["url"] for e in entry["endpoints"]} == {KM}
