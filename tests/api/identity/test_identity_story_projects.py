"""Story: an admin lays out projects (top-level, nested, in another domain) and tidies up."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Keystone

LINK = "http://127.0.0.1:8080/identity/v3"


async def test_create_show_and_list_a_project(ks: Keystone) -> None:
    response = await ks.post(
        "/v3/projects",
        json={
            "project": {
                "name": "demo",
                "domain_id": "default",
                "description": "for demos",
                "enabled": True,
                "tags": ["blue"],
                "cost_centre": "42",
            }
        },
    )
    assert response.status_code == 201, response.text
    project = response.json()["project"]
    assert re.fullmatch(r"[0-9a-f]{32}", project["id"])
    assert project == {
        "id": project["id"],
        "name": "demo",
        "domain_id": "default",
        "description": "for demos",
        "enabled": True,
        "is_domain": False,
        "parent_id": "default",
        "tags": ["blue"],
        "options": {},
        "cost_centre": "42",
        "links": {"self": f"{LINK}/projects/{project['id']}"},
    }

    response = await ks.get(f"/v3/projects/{project['id']}")
    assert response.status_code == 200
    assert response.json()["project"] == project

    response = await ks.get("/v3/projects")
    assert response.status_code == 200
    body = response.json()
    assert body["links"] == {"self": f"{LINK}/projects", "previous": None, "next": None}
    assert sorted(p["name"] for p in body["projects"]) == ["admin", "demo"]


async def test_a_project_without_a_domain_lands_in_default(ks: Keystone) -> None:
    project = await ks.project("plain")
    assert project["domain_id"] == "default"
    assert project["description"] == ""
    assert project["enabled"] is True


async def test_list_filters_are_exact_matches(ks: Keystone) -> None:
    await ks.project("alpha")
    await ks.project("alphabet", enabled=False)
    domain = await ks.create("domain", "domains", name="elsewhere")
    await ks.project("alpha", domain_id=domain["id"])

    assert await ks.names("projects", name="alpha") == ["alpha", "alpha"]
    assert await ks.names("projects", name="alph") == []
    assert await ks.names("projects", domain_id=domain["id"]) == ["alpha"]
    assert await ks.names("projects", enabled="false") == ["alphabet"]
    assert await ks.names("projects", enabled="true", domain_id="default") == ["admin", "alpha"]
    assert await ks.names("projects", parent_id=domain["id"]) == ["alpha"]
    assert await ks.names("projects", is_domain="true") == []


async def test_names_are_unique_within_a_domain(ks: Keystone) -> None:
    first = await ks.project("demo")
    response = await ks.post("/v3/projects", json={"project": {"name": "demo"}})
    error = ks.expect_error(response, 409)
    assert error["message"] == (
        "Conflict occurred attempting to store project - Duplicate "
        "entry found with name demo at domain ID default."
    )
    other = await ks.project("other")
    response = await ks.patch(f"/v3/projects/{other['id']}", json={"project": {"name": "demo"}})
    ks.expect_error(response, 409)
    assert await ks.names("projects") == ["admin", "demo", "other"]
    # The same name in another domain is a different project.
    domain = await ks.create("domain", "domains", name="elsewhere")
    twin = await ks.project("demo", domain_id=domain["id"])
    assert twin["id"] != first["id"]


async def test_update_renames_describes_and_disables(ks: Keystone) -> None:
    project = await ks.project("demo")
    response = await ks.patch(
        f"/v3/projects/{project['id']}",
        json={"project": {"name": "renamed", "description": "now with text", "enabled": False}},
    )
    assert response.status_code == 200, response.text
    updated = response.json()["project"]
    assert (updated["name"], updated["description"], updated["enabled"]) == (
        "renamed",
        "now with text",
        False,
    )
    assert updated["id"] == project["id"]
    assert (await ks.get(f"/v3/projects/{project['id']}")).json()["project"] == updated

    # Moving a project to another domain is not an update Keystone allows.
    domain = await ks.create("domain", "domains", name="elsewhere")
    response = await ks.patch(
        f"/v3/projects/{project['id']}", json={"project": {"domain_id": domain["id"]}}
    )
    ks.expect_error(response, 400, "domain_id")
    assert (await ks.get(f"/v3/projects/{project['id']}")).json()["project"] == updated


async def test_nested_projects(ks: Keystone) -> None:
    parent = await ks.project("parent")
    child = await ks.project("child", parent_id=parent["id"])
    assert child["parent_id"] == parent["id"]
    assert await ks.names("projects", parent_id=parent["id"]) == ["child"]

    # A parent in another domain is refused.
    domain = await ks.create("domain", "domains", name="elsewhere")
    response = await ks.post(
        "/v3/projects",
        json={"project": {"name": "stray", "domain_id": domain["id"], "parent_id": parent["id"]}},
    )
    ks.expect_error(response, 400)
    response = await ks.post(
        "/v3/projects", json={"project": {"name": "orphan", "parent_id": "f" * 32}}
    )
    ks.expect_error(response, 404)

    # A project with children cannot be deleted until they are gone.
    ks.expect_error(await ks.delete(f"/v3/projects/{parent['id']}"), 403)
    assert (await ks.delete(f"/v3/projects/{child['id']}")).status_code == 204
    assert (await ks.delete(f"/v3/projects/{parent['id']}")).status_code == 204
    assert await ks.names("projects") == ["admin"]


async def test_unknown_projects_are_404(ks: Keystone) -> None:
    missing = "0" * 32
    for method, body in (("GET", None), ("PATCH", {"project": {"name": "x"}}), ("DELETE", None)):
        response = await ks.request(method, f"/v3/projects/{missing}", json=body)
        error = ks.expect_error(response, 404)
        assert error["message"] == f"Could not find project: {missing}."
    # OSC looks names up this way first; a name is not an id.
    ks.expect_error(await ks.get("/v3/projects/admin"), 404)
    response = await ks.post(
        "/v3/projects", json={"project": {"name": "lost", "domain_id": "nowhere"}}
    )
    ks.expect_error(response, 404, "nowhere")
    assert await ks.names("projects") == ["admin"]


async def test_deleting_a_project_removes_its_grants(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice, token = await ks.member("alice", project["id"])
    response = await ks.get("/v3/role_assignments", params={"scope.project.id": project["id"]})
    assert len(response.json()["role_assignments"]) == 1

    assert (await ks.delete(f"/v3/projects/{project['id']}")).status_code == 204
    ks.expect_error(await ks.get(f"/v3/projects/{project['id']}"), 404)
    response = await ks.get("/v3/role_assignments", params={"user.id": alice["id"]})
    assert response.json()["role_assignments"] == []
    ks.expect_error(await ks.get("/v3/auth/catalog", token=token), 401)


async def test_a_user_sees_the_projects_they_belong_to(ks: Keystone) -> None:
    first = await ks.project("first")
    second = await ks.project("second")
    await ks.project("unrelated")
    alice, token = await ks.member("alice", first["id"])
    await ks.grant(second["id"], alice["id"], "reader")

    for path in (f"/v3/users/{alice['id']}/projects", "/v3/auth/projects"):
        response = await ks.get(path, token=token)
        assert response.status_code == 200, (path, response.text)
        assert sorted(p["name"] for p in response.json()["projects"]) == ["first", "second"]
    # Another user's projects are not alice's business.
    response = await ks.get(f"/v3/users/{ks.admin_user_id}/projects", token=token)
    ks.expect_error(response, 403)
    # The admin may ask about anybody.
    response = await ks.get(f"/v3/users/{alice['id']}/projects")
    assert sorted(p["name"] for p in response.json()["projects"]) == ["first", "second"]


async def test_the_server_picks_the_ids(ks: Keystone) -> None:
    for key, coll, fields in (
        ("project", "projects", {"name": "demo"}),
        ("user", "users", {"name": "alice"}),
        ("role", "roles", {"name": "auditor"}),
        ("service", "services", {"type": "compute"}),
    ):
        response = await ks.post(f"/v3/{coll}", json={key: {**fields, "id": "chosen"}})
        assert response.status_code == 201, response.text
        ident = response.json()[key]["id"]
        assert re.fullmatch(r"[0-9a-f]{32}", ident), (coll, ident)
        ks.expect_error(await ks.get(f"/v3/{coll}/chosen"), 404)
