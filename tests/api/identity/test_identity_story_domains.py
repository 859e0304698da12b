"""Story: a second domain is created, used, disabled and deleted, taking its contents along."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Keystone

LINK = "http://127.0.0.1:8080/identity/v3"


async def test_the_default_domain_always_exists(ks: Keystone) -> None:
    response = await ks.get("/v3/domains/default")
    assert response.status_code == 200
    domain = response.json()["domain"]
    assert (domain["id"], domain["name"], domain["enabled"]) == ("default", "Default", True)
    assert (domain["tags"], domain["options"]) == ([], {})
    assert domain["links"] == {"self": f"{LINK}/domains/default"}
    assert await ks.names("domains") == ["Default"]


async def test_create_list_and_update_a_domain(ks: Keystone) -> None:
    response = await ks.post(
        "/v3/domains", json={"domain": {"name": "acme", "description": "ACME Corp"}}
    )
    assert response.status_code == 201, response.text
    domain = response.json()["domain"]
    assert re.fullmatch(r"[0-9a-f]{32}", domain["id"])
    assert domain == {
        "id": domain["id"],
        "name": "acme",
        "description": "ACME Corp",
        "enabled": True,
        "tags": [],
        "options": {},
        "links": {"self": f"{LINK}/domains/{domain['id']}"},
    }
    assert (await ks.get(f"/v3/domains/{domain['id']}")).json()["domain"] == domain

    assert await ks.names("domains") == ["Default", "acme"]
    assert await ks.names("domains", name="acme") == ["acme"]
    error = ks.expect_error(await ks.post("/v3/domains", json={"domain": {"name": "acme"}}), 409)
    assert "Duplicate entry found with name acme" in error["message"]

    response = await ks.patch(
        f"/v3/domains/{domain['id']}", json={"domain": {"description": "renamed", "enabled": False}}
    )
    assert response.status_code == 200
    assert (response.json()["domain"]["description"], response.json()["domain"]["enabled"]) == (
        "renamed",
        False,
    )
    assert await ks.names("domains", enabled="false") == ["acme"]
    assert await ks.names("domains", enabled="true") == ["Default"]


async def test_a_domain_id_can_be_chosen_explicitly(ks: Keystone) -> None:
    chosen = "a" * 32
    domain = await ks.create("domain", "domains", name="acme", explicit_domain_id=chosen)
    assert domain["id"] == chosen
    assert "explicit_domain_id" not in domain
    assert (await ks.get(f"/v3/domains/{chosen}")).json()["domain"]["name"] == "acme"
    response = await ks.post(
        "/v3/domains", json={"domain": {"name": "other", "explicit_domain_id": chosen}}
    )
    ks.expect_error(response, 409)
    assert await ks.names("domains") == ["Default", "acme"]


async def test_an_enabled_domain_cannot_be_deleted(ks: Keystone) -> None:
    domain = await ks.create("domain", "domains", name="acme")
    error = ks.expect_error(await ks.delete(f"/v3/domains/{domain['id']}"), 403)
    assert error["message"] == ("Cannot delete a domain that is enabled, please disable it first.")
    assert await ks.names("domains") == ["Default", "acme"]

    response = await ks.patch(f"/v3/domains/{domain['id']}", json={"domain": {"enabled": False}})
    assert response.status_code == 200
    assert (await ks.delete(f"/v3/domains/{domain['id']}")).status_code == 204
    ks.expect_error(await ks.get(f"/v3/domains/{domain['id']}"), 404)
    assert await ks.names("domains") == ["Default"]


async def test_a_domain_takes_its_users_projects_and_grants_along(ks: Keystone) -> None:
    domain = await ks.create("domain", "domains", name="acme")
    project = await ks.project("widgets", domain_id=domain["id"])
    user = await ks.user("wile", domain_id=domain["id"])
    await ks.grant(project["id"], user["id"])
    reader = await ks.role_id("reader")
    response = await ks.put(f"/v3/domains/{domain['id']}/users/{user['id']}/roles/{reader}")
    assert response.status_code == 204
    token = await ks.token_for(
        "secret",
        name="wile",
        domain={"name": "acme"},
        scope={"project": {"name": "widgets", "domain": {"name": "acme"}}},
    )
    domain_token = await ks.token_for(
        "secret", user_id=user["id"], scope={"domain": {"id": domain["id"]}}
    )
    assert (await ks.get(f"/v3/domains/{domain['id']}", token=domain_token)).status_code == 200
    response = await ks.get("/v3/auth/domains", token=domain_token)
    assert [d["name"] for d in response.json()["domains"]] == ["acme"]

    # Disabling the domain stops every token in it at once.
    await ks.patch(f"/v3/domains/{domain['id']}", json={"domain": {"enabled": False}})
    for dead in (token, domain_token):
        ks.expect_error(await ks.get("/v3/auth/catalog", token=dead), 401)
    ks.expect_error(await ks.issue(ks.password_auth("secret", user_id=user["id"])), 401)

    assert (await ks.delete(f"/v3/domains/{domain['id']}")).status_code == 204
    ks.expect_error(await ks.get(f"/v3/projects/{project['id']}"), 404)
    ks.expect_error(await ks.get(f"/v3/users/{user['id']}"), 404)
    assert await ks.names("projects") == ["admin"]
    assert await ks.names("users") == ["admin"]
    response = await ks.get("/v3/role_assignments")
    assert {a["user"]["id"] for a in response.json()["role_assignments"]} == {ks.admin_user_id}
    # The name can be used again.
    assert (await ks.create("domain", "domains", name="acme"))["id"] != domain["id"]


async def test_a_domain_reader_sees_their_domain_only(ks: Keystone) -> None:
    acme = await ks.create("domain", "domains", name="acme")
    other = await ks.create("domain", "domains", name="other")
    user = await ks.user("wile", domain_id=acme["id"])
    reader = await ks.role_id("reader")
    await ks.put(f"/v3/domains/{acme['id']}/users/{user['id']}/roles/{reader}")
    token = await ks.token_for("secret", user_id=user["id"], scope={"domain": {"id": acme["id"]}})

    assert (await ks.get(f"/v3/domains/{acme['id']}", token=token)).status_code == 200
    ks.expect_error(await ks.get(f"/v3/domains/{other['id']}", token=token), 403)
    ks.expect_error(await ks.get("/v3/domains", token=token), 403)
    ks.expect_error(
        await ks.patch(
            f"/v3/domains/{acme['id']}", token=token, json={"domain": {"enabled": False}}
        ),
        403,
    )
    assert (await ks.get(f"/v3/domains/{acme['id']}")).json()["domain"]["enabled"] is True


async def test_unknown_domains_are_404(ks: Keystone) -> None:
    for method, body in (
        ("GET", None),
        ("PATCH", {"domain": {"enabled": False}}),
        ("DELETE", None),
    ):
        error = ks.expect_error(await ks.request(method, "/v3/domains/nowhere", json=body), 404)
        assert error["message"] == "Could not find domain: nowhere."
    ks.expect_error(await ks.get("/v3/domains/Default"), 404)
