"""Story: an operator registers a new service in a new region; every client sees it at once."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import Keystone

LINK = "http://127.0.0.1:8080/identity/v3"


def _entry(catalog: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    return next((e for e in catalog if e["type"] == kind), None)


async def test_the_bootstrap_catalog(ks: Keystone) -> None:
    response = await ks.get("/v3/auth/catalog")
    assert response.status_code == 200
    body = response.json()
    assert body["links"] == {"self": f"{LINK}/auth/catalog", "previous": None, "next": None}
    identity = _entry(body["catalog"], "identity")
    assert identity is not None
    assert set(identity) == {"id", "type", "name", "endpoints"}
    for endpoint in identity["endpoints"]:
        assert set(endpoint) == {"id", "interface", "region", "region_id", "url"}
        assert endpoint["region"] == endpoint["region_id"] == "RegionOne"
    # The same catalog is in the token.
    token = (await ks.validate(ks.admin_token)).json()["token"]
    assert token["catalog"] == body["catalog"]
    ks.expect_error(await ks.get("/v3/auth/catalog", token=""), 401)

    regions = (await ks.get("/v3/regions")).json()["regions"]
    assert [r["id"] for r in regions] == ["RegionOne"]
    services = (await ks.get("/v3/services", params={"type": "identity"})).json()["services"]
    assert [(s["type"], s["name"], s["enabled"]) for s in services] == [
        ("identity", "keystone", True)
    ]
    endpoints = (await ks.get("/v3/endpoints", params={"service_id": services[0]["id"]})).json()[
        "endpoints"
    ]
    assert sorted(e["interface"] for e in endpoints) == ["admin", "internal", "public"]


async def test_register_a_service_in_a_new_region(ks: Keystone) -> None:
    response = await ks.post(
        "/v3/regions", json={"region": {"id": "RegionTwo", "description": "the second"}}
    )
    assert response.status_code == 201, response.text
    region = response.json()["region"]
    assert region == {
        "id": "RegionTwo",
        "description": "the second",
        "parent_region_id": None,
        "links": {"self": f"{LINK}/regions/RegionTwo"},
    }
    ks.expect_error(await ks.post("/v3/regions", json={"region": {"id": "RegionTwo"}}), 409)

    response = await ks.post(
        "/v3/services",
        json={"service": {"type": "shared-file-system", "name": "manila", "description": "Shares"}},
    )
    assert response.status_code == 201, response.text
    service = response.json()["service"]
    assert re.fullmatch(r"[0-9a-f]{32}", service["id"])
    assert service == {
        "id": service["id"],
        "type": "shared-file-system",
        "name": "manila",
        "description": "Shares",
        "enabled": True,
        "links": {"self": f"{LINK}/services/{service['id']}"},
    }

    response = await ks.post(
        "/v3/endpoints",
        json={
            "endpoint": {
                "interface": "public",
                "service_id": service["id"],
                "region_id": "RegionTwo",
                "url": "http://share.example:8786/v2",
            }
        },
    )
    assert response.status_code == 201, response.text
    endpoint = response.json()["endpoint"]
    assert endpoint == {
        "id": endpoint["id"],
        "interface": "public",
        "service_id": service["id"],
        "region_id": "RegionTwo",
        "region": "RegionTwo",
        "url": "http://share.example:8786/v2",
        "enabled": True,
        "links": {"self": f"{LINK}/endpoints/{endpoint['id']}"},
    }
    # The legacy ``region`` field is accepted too.
    response = await ks.post(
        "/v3/endpoints",
        json={
            "endpoint": {
                "interface": "internal",
                "service_id": service["id"],
                "region": "RegionTwo",
                "url": "http://share.internal:8786/v2",
            }
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["endpoint"]["region_id"] == "RegionTwo"

    # Every view of the catalog has it at once, even the one in an older token.
    for catalog in (
        (await ks.get("/v3/auth/catalog")).json()["catalog"],
        (await ks.validate(ks.admin_token)).json()["token"]["catalog"],
    ):
        compute = _entry(catalog, "shared-file-system")
        assert compute is not None
        assert compute["name"] == "manila"
        assert sorted(
            (e["interface"], e["region"], e["region_id"]) for e in compute["endpoints"]
        ) == [("internal", "RegionTwo", "RegionTwo"), ("public", "RegionTwo", "RegionTwo")]

    listed = (
        await ks.get("/v3/endpoints", params={"interface": "public", "region_id": "RegionTwo"})
    ).json()
    assert [e["id"] for e in listed["endpoints"]] == [endpoint["id"]]
    assert [
        s["name"]
        for s in (await ks.get("/v3/services", params={"name": "manila"})).json()["services"]
    ] == ["manila"]


async def test_update_and_disable_catalog_entries(ks: Keystone) -> None:
    service = await ks.create("service", "services", type="object-store", name="swift")
    endpoint = await ks.create(
        "endpoint",
        "endpoints",
        interface="public",
        service_id=service["id"],
        region_id="RegionOne",
        url="http://old:9292",
    )
    response = await ks.patch(
        f"/v3/endpoints/{endpoint['id']}", json={"endpoint": {"url": "http://new:9292"}}
    )
    assert response.status_code == 200
    assert response.json()["endpoint"]["url"] == "http://new:9292"
    image = _entry((await ks.get("/v3/auth/catalog")).json()["catalog"], "object-store")
    assert image is not None
    assert [e["url"] for e in image["endpoints"]] == ["http://new:9292"]

    await ks.patch(f"/v3/endpoints/{endpoint['id']}", json={"endpoint": {"enabled": False}})
    image = _entry((await ks.get("/v3/auth/catalog")).json()["catalog"], "object-store")
    assert image is not None and image["endpoints"] == []

    response = await ks.patch(
        f"/v3/services/{service['id']}", json={"service": {"enabled": False, "description": "off"}}
    )
    assert response.status_code == 200
    assert (response.json()["service"]["enabled"], response.json()["service"]["description"]) == (
        False,
        "off",
    )
    assert _entry((await ks.get("/v3/auth/catalog")).json()["catalog"], "object-store") is None

    response = await ks.patch(
        "/v3/regions/RegionOne", json={"region": {"description": "the first"}}
    )
    assert response.status_code == 200
    assert (await ks.get("/v3/regions/RegionOne")).json()["region"]["description"] == "the first"


async def test_delete_catalog_entries(ks: Keystone) -> None:
    region = await ks.create("region", "regions", description="generated id")
    assert re.fullmatch(r"[0-9a-f]{32}", region["id"])
    service = await ks.create("service", "services", type="dns", name="designate")
    endpoint = await ks.create(
        "endpoint",
        "endpoints",
        interface="public",
        service_id=service["id"],
        region_id=region["id"],
        url="http://net:9696",
    )

    # A region still in use stays.
    ks.expect_error(await ks.delete(f"/v3/regions/{region['id']}"), 400)
    assert (await ks.get(f"/v3/regions/{region['id']}")).status_code == 200

    assert (await ks.delete(f"/v3/endpoints/{endpoint['id']}")).status_code == 204
    ks.expect_error(await ks.get(f"/v3/endpoints/{endpoint['id']}"), 404)
    assert (await ks.delete(f"/v3/regions/{region['id']}")).status_code == 204
    ks.expect_error(await ks.get(f"/v3/regions/{region['id']}"), 404)

    # Deleting a service takes its endpoints along.
    await ks.create(
        "endpoint", "endpoints", interface="admin", service_id=service["id"], url="http://net:9696"
    )
    assert (await ks.delete(f"/v3/services/{service['id']}")).status_code == 204
    assert (await ks.get("/v3/endpoints", params={"service_id": service["id"]})).json()[
        "endpoints"
    ] == []
    assert _entry((await ks.get("/v3/auth/catalog")).json()["catalog"], "dns") is None


async def test_catalog_input_is_checked(ks: Keystone) -> None:
    service = await ks.create("service", "services", type="volumev3", name="cinder")
    before = (await ks.get("/v3/endpoints")).json()["endpoints"]
    bad = [
        ({"interface": "sideways", "service_id": service["id"], "url": "http://x"}, 400),
        ({"interface": "public", "service_id": service["id"], "url": "not a url"}, 400),
        ({"interface": "public", "service_id": service["id"]}, 400),
        ({"interface": "public", "service_id": "0" * 32, "url": "http://x"}, 404),
        (
            {
                "interface": "public",
                "service_id": service["id"],
                "url": "http://x",
                "region_id": "Atlantis",
            },
            404,
        ),
    ]
    for body, status in bad:
        ks.expect_error(await ks.post("/v3/endpoints", json={"endpoint": body}), status)
    assert (await ks.get("/v3/endpoints")).json()["endpoints"] == before
    ks.expect_error(await ks.post("/v3/services", json={"service": {"name": "typeless"}}), 400)
    response = await ks.post("/v3/regions", json={"region": {"parent_region_id": "Atlantis"}})
    ks.expect_error(response, 404)
    assert [r["id"] for r in (await ks.get("/v3/regions")).json()["regions"]] == ["RegionOne"]
    for coll in ("services", "endpoints", "regions"):
        ks.expect_error(await ks.get(f"/v3/{coll}/{'0' * 32}"), 404)


async def test_members_read_the_catalog_but_do_not_change_it(ks: Keystone) -> None:
    project = await ks.project("demo")
    _, token = await ks.member("alice", project["id"])
    response = await ks.get("/v3/auth/catalog", token=token)
    assert response.status_code == 200
    assert _entry(response.json()["catalog"], "identity") is not None
    assert (await ks.get("/v3/regions", token=token)).status_code == 200
    ks.expect_error(await ks.get("/v3/services", token=token), 403)
    ks.expect_error(await ks.post("/v3/regions", token=token, json={"region": {"id": "Mine"}}), 403)
    ks.expect_error(await ks.delete("/v3/regions/RegionOne", token=token), 403)
    assert [r["id"] for r in (await ks.get("/v3/regions")).json()["regions"]] == ["RegionOne"]
