"""The version documents, unauthenticated: ``GET /network/`` and ``GET /network/v2.0/``;
the extensions, listed and shown by alias (404 for an unknown one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import NeutronClient


def base_url(nt: NeutronClient) -> str:
    return str(nt.client.base_url).rstrip("/")


async def test_versions_document_is_public(nt: NeutronClient) -> None:
    for path in ("/network", "/network/"):
        response = await nt.raw("GET", path)
        assert response.status_code == 200, response.text
        assert response.json() == {
            "versions": [
                {
                    "id": "v2.0",
                    "status": "CURRENT",
                    "links": [{"rel": "self", "href": f"{base_url(nt)}/network/v2.0/"}],
                }
            ]
        }


async def test_resources_document_is_public(nt: NeutronClient) -> None:
    response = await nt.raw("GET", "/network/v2.0/")
    assert response.status_code == 200, response.text
    resources = {r["collection"]: r for r in response.json()["resources"]}
    assert set(resources) == {"networks", "subnets", "ports"}
    assert resources["networks"] == {
        "name": "network",
        "collection": "networks",
        "links": [{"rel": "self", "href": f"{base_url(nt)}/network/v2.0/networks"}],
    }


async def test_catalog_names_the_unversioned_url(nt: NeutronClient) -> None:
    response = await nt.client.get("/identity/v3/auth/catalog", headers={"X-Auth-Token": nt.token})
    [network] = [s for s in response.json()["catalog"] if s["type"] == "network"]
    assert network["name"] == "neutron"
    assert {e["url"] for e in network["endpoints"]} == {f"{base_url(nt)}/network"}


async def test_extensions_listed_and_shown(nt: NeutronClient) -> None:
    listed = await nt.get("/extensions")
    assert listed.status_code == 200
    aliases = {e["alias"] for e in listed.json()["extensions"]}
    assert {
        "security-group",
        "binding",
        "standard-attr-tag",
        "external-net",
        "port-security",
        "pagination",
        "sorting",
        "project-id",
    } <= aliases
    shown = await nt.get("/extensions/security-group")
    assert shown.status_code == 200
    assert set(shown.json()["extension"]) == {"alias", "name", "description", "updated", "links"}
    nt.error(await nt.get("/extensions/no-such-thing"), 404, "NotFound")


async def test_api_needs_a_token(nt: NeutronClient) -> None:
    nt.error(await nt.get("/networks", token=""), 401)
    nt.error(await nt.get("/extensions", token="bogus"), 401)
