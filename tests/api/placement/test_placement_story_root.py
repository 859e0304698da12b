"""Story: the version document, served without a token and to any version header."""

from __future__ import annotations

from typing import Any


async def test_root_version_document(pl: Any) -> None:
    for version in (None, "1.29", "1.39"):
        response = await pl.get("/", token="", version=version)
        assert response.status_code == 200
        [doc] = response.json()["versions"]
        assert doc == {"id": "v1.0", "max_version": "1.39", "min_version": "1.0",
                       "status": "CURRENT", "links": [{"rel": "self", "href": ""}]}


async def test_out_of_range_version_is_406_with_bounds(pl: Any) -> None:
    response = await pl.get("/", version="1.40")
    error = pl.error(response, 406)
    assert error["max_version"] == "1.39" and error["min_version"] == "1.0"
    assert response.headers.get("openstack-api-version") is None


async def test_echoes_version_and_vary(pl: Any) -> None:
    response = await pl.get("/", version="1.14")
    assert response.headers["openstack-api-version"] == "placement 1.14"
    assert "OpenStack-API-Version" in response.headers["vary"]


async def test_every_other_route_needs_a_token(pl: Any) -> None:
    response = await pl.get("/resource_providers", token="")
    pl.error(response, 401)
