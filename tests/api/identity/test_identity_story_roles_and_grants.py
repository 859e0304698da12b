"""Story: roles are created, granted on projects, domains and the system, implied, listed.

The bootstrap chain admin => manager => member => reader is in place from the start, and
``GET /v3/role_assignments`` answers in the shapes openstackclient renders.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import Keystone

LINK = "http://127.0.0.1:8080/identity/v3"
DEFAULT = {"id": "default", "name": "Default"}


async def _assignments(ks: Keystone, **params: str) -> list[dict[str, Any]]:
    response = await ks.get("/v3/role_assignments", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["links"] == {"self": f"{LINK}/role_assignments", "previous": None, "next": None}
    found: list[dict[str, Any]] = body["role_assignments"]
    return found


def _summary(found: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(role name or id, scope kind) pairs, sorted."""
    return sorted(
        (
            a["role"].get("name", a["role"]["id"]),
            next(k for k in a["scope"] if k != "OS-INHERIT:inherited_to"),
        )
        for a in found
    )


async def test_bootstrap_roles_and_their_chain(ks: Keystone) -> None:
    response = await ks.get("/v3/roles")
    assert response.status_code == 200
    roles = {r["name"]: r for r in response.json()["roles"]}
    assert sorted(roles) == ["admin", "manager", "member", "reader", "service"]
    assert roles["member"]["domain_id"] is None
    assert roles["member"]["links"] == {"self": f"{LINK}/roles/{roles['member']['id']}"}

    response = await ks.get("/v3/role_inferences")
    assert response.status_code == 200
    chain = {
        rule["prior_role"]["name"]: [i["name"] for i in rule["implies"]]
        for rule in response.json()["role_inferences"]
    }
    assert chain == {"admin": ["manager"], "manager": ["member"], "member": ["reader"]}


async def test_create_update_and_delete_a_role(ks: Keystone) -> None:
    response = await ks.post("/v3/roles", json={"role": {"name": "auditor"}})
    assert response.status_code == 201, response.text
    role = response.json()["role"]
    assert re.fullmatch(r"[0-9a-f]{32}", role["id"])
    assert role == {
        "id": role["id"],
        "name": "auditor",
        "domain_id": None,
        "description": None,
        "options": {},
        "links": {"self": f"{LINK}/roles/{role['id']}"},
    }
    assert (await ks.get(f"/v3/roles/{role['id']}")).json()["role"] == role
    assert await ks.names("roles", name="auditor") == ["auditor"]

    error = ks.expect_error(await ks.post("/v3/roles", json={"role": {"name": "auditor"}}), 409)
    assert "Duplicate entry found with name auditor" in error["message"]

    response = await ks.patch(
        f"/v3/roles/{role['id']}", json={"role": {"description": "reads the books"}}
    )
    assert response.status_code == 200
    assert response.json()["role"]["description"] == "reads the books"

    assert (await ks.delete(f"/v3/roles/{role['id']}")).status_code == 204
    ks.expect_error(await ks.get(f"/v3/roles/{role['id']}"), 404)
    ks.expect_error(await ks.delete(f"/v3/roles/{role['id']}"), 404)
    assert "auditor" not in await ks.names("roles")


async def test_domain_specific_roles_are_listed_apart(ks: Keystone) -> None:
    domain = await ks.create("domain", "domains", name="elsewhere")
    local = await ks.create("role", "roles", name="member", domain_id=domain["id"])
    assert local["domain_id"] == domain["id"]
    assert await ks.names("roles", domain_id=domain["id"]) == ["member"]
    assert "member" in await ks.names("roles")
    assert local["id"] not in {r["id"] for r in (await ks.get("/v3/roles")).json()["roles"]}


async def test_grant_check_list_and_revoke_on_a_project(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice = await ks.user("alice")
    member = await ks.role_id("member")
    path = f"/v3/projects/{project['id']}/users/{alice['id']}/roles"

    response = await ks.head(f"{path}/{member}")
    assert response.status_code == 404
    assert response.headers["x-openstack-request-id"].startswith("req-")

    response = await ks.put(f"{path}/{member}")
    assert response.status_code == 204
    assert response.content == b""
    # Granting twice is no error and no second grant.
    assert (await ks.put(f"{path}/{member}")).status_code == 204

    response = await ks.head(f"{path}/{member}")
    assert response.status_code == 204
    assert response.content == b""
    response = await ks.get(path)
    assert response.status_code == 200
    [role] = response.json()["roles"]
    assert (role["id"], role["name"]) == (member, "member")
    assert role["links"] == {"self": f"{LINK}/roles/{member}"}

    token = await ks.token_for("secret", name="alice", scope={"project": {"id": project["id"]}})
    assert (await ks.validate(token)).status_code == 200

    assert (await ks.delete(f"{path}/{member}")).status_code == 204
    assert (await ks.head(f"{path}/{member}")).status_code == 404
    ks.expect_error(await ks.delete(f"{path}/{member}"), 404)
    assert (await ks.get(path)).json()["roles"] == []


async def test_grants_on_unknown_things_are_404(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice = await ks.user("alice")
    member = await ks.role_id("member")
    missing = "0" * 32
    for path in (
        f"/v3/projects/{missing}/users/{alice['id']}/roles/{member}",
        f"/v3/projects/{project['id']}/users/{missing}/roles/{member}",
        f"/v3/projects/{project['id']}/users/{alice['id']}/roles/{missing}",
        f"/v3/domains/{missing}/users/{alice['id']}/roles/{member}",
        f"/v3/system/users/{missing}/roles/{member}",
    ):
        ks.expect_error(await ks.put(path), 404)
        assert (await ks.head(path)).status_code == 404
    assert await _assignments(ks, **{"user.id": alice["id"]}) == []


async def test_domain_and_system_grants(ks: Keystone) -> None:
    alice = await ks.user("alice")
    reader = await ks.role_id("reader")
    for base in ("/v3/domains/default", "/v3/system"):
        path = f"{base}/users/{alice['id']}/roles"
        assert (await ks.put(f"{path}/{reader}")).status_code == 204
        assert (await ks.head(f"{path}/{reader}")).status_code == 204
        assert [r["name"] for r in (await ks.get(path)).json()["roles"]] == ["reader"]

    found = await _assignments(ks, **{"user.id": alice["id"]})
    scopes = sorted(next(iter(a["scope"])) for a in found)
    assert scopes == ["domain", "system"]
    system = [a for a in found if "system" in a["scope"]]
    assert system == [
        {
            "role": {"id": reader},
            "user": {"id": alice["id"]},
            "scope": {"system": {"all": True}},
            "links": {"assignment": f"{LINK}/system/users/{alice['id']}/roles/{reader}"},
        }
    ]
    assert (
        len(await _assignments(ks, **{"scope.domain.id": "default", "user.id": alice["id"]})) == 1
    )
    assert {a["user"]["id"] for a in await _assignments(ks, **{"scope.system": "all"})} == {
        ks.admin_user_id,
        alice["id"],
    }

    for base in ("/v3/domains/default", "/v3/system"):
        path = f"{base}/users/{alice['id']}/roles/{reader}"
        assert (await ks.delete(path)).status_code == 204
        assert (await ks.head(path)).status_code == 404
    assert await _assignments(ks, **{"user.id": alice["id"]}) == []


async def test_an_inherited_domain_grant_reaches_every_project(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice = await ks.user("alice")
    member = await ks.role_id("member")
    path = (
        f"/v3/OS-INHERIT/domains/default/users/{alice['id']}/roles/{member}/inherited_to_projects"
    )
    assert (await ks.put(path)).status_code == 204
    assert (await ks.head(path)).status_code == 204

    token = await ks.token_for("secret", name="alice", scope={"project": {"id": project["id"]}})
    roles = (await ks.validate(token)).json()["token"]["roles"]
    assert sorted(r["name"] for r in roles) == ["member", "reader"]

    [direct] = await _assignments(ks, **{"user.id": alice["id"]})
    assert direct["scope"] == {"domain": {"id": "default"}, "OS-INHERIT:inherited_to": "projects"}

    # Effective: the grant shows up on each project of the domain, without the marker.
    effective = await _assignments(
        ks, **{"user.id": alice["id"], "effective": "True", "include_names": "True"}
    )
    on_demo = [a for a in effective if a["scope"]["project"]["id"] == project["id"]]
    assert sorted(a["role"]["name"] for a in on_demo) == ["member", "reader"]
    assert all("OS-INHERIT:inherited_to" not in a["scope"] for a in effective)
    assert {a["scope"]["project"]["name"] for a in effective} == {"admin", "demo"}
    scoped = await _assignments(
        ks, **{"user.id": alice["id"], "effective": "True", "scope.project.id": project["id"]}
    )
    assert len(scoped) == 2

    assert (await ks.delete(path)).status_code == 204
    ks.expect_error(await ks.get("/v3/auth/catalog", token=token), 401)


async def test_implied_roles(ks: Keystone) -> None:
    project = await ks.project("demo")
    auditor = await ks.create("role", "roles", name="auditor")
    viewer = await ks.create("role", "roles", name="viewer")
    path = f"/v3/roles/{auditor['id']}/implies/{viewer['id']}"

    ks.expect_error(await ks.get(path), 404)
    response = await ks.put(path)
    assert response.status_code == 201, response.text
    inference = response.json()["role_inference"]
    assert inference["prior_role"]["id"] == auditor["id"]
    assert inference["prior_role"]["name"] == "auditor"
    assert inference["implies"]["id"] == viewer["id"]
    assert inference["implies"]["links"] == {"self": f"{LINK}/roles/{viewer['id']}"}
    ks.expect_error(await ks.put(path), 409)

    response = await ks.get(path)
    assert response.status_code == 200
    assert response.json()["role_inference"]["implies"]["name"] == "viewer"
    assert (await ks.head(path)).status_code == 204
    response = await ks.get(f"/v3/roles/{auditor['id']}/implies")
    assert [i["name"] for i in response.json()["role_inference"]["implies"]] == ["viewer"]

    # A user granted the prior role holds the implied one too.
    _, token = await ks.member("alice", project["id"], role="auditor")
    roles = (await ks.validate(token)).json()["token"]["roles"]
    assert sorted(r["name"] for r in roles) == ["auditor", "viewer"]

    ks.expect_error(await ks.put(f"/v3/roles/{auditor['id']}/implies/{auditor['id']}"), 400)
    ks.expect_error(await ks.put(f"/v3/roles/{auditor['id']}/implies/{'0' * 32}"), 404)

    assert (await ks.delete(path)).status_code == 204
    ks.expect_error(await ks.delete(path), 404)
    roles = (await ks.validate(token)).json()["token"]["roles"]
    assert [r["name"] for r in roles] == ["auditor"]


async def test_role_assignments_in_every_shape(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice, _ = await ks.member("alice", project["id"])
    member = await ks.role_id("member")

    [plain] = await _assignments(ks, **{"scope.project.id": project["id"]})
    assert plain == {
        "role": {"id": member},
        "user": {"id": alice["id"]},
        "scope": {"project": {"id": project["id"]}},
        "links": {
            "assignment": f"{LINK}/projects/{project['id']}/users/{alice['id']}/roles/{member}"
        },
    }

    # openstackclient sends exactly this for `role assignment list --project demo --names`.
    [named] = await _assignments(
        ks, **{"scope.project.id": project["id"], "user.id": alice["id"], "include_names": "True"}
    )
    assert named["role"] == {"id": member, "name": "member"}
    assert named["user"] == {"id": alice["id"], "name": "alice", "domain": DEFAULT}
    assert named["scope"] == {"project": {"id": project["id"], "name": "demo", "domain": DEFAULT}}

    # Effective: implied roles are expanded; role.id filters after the expansion.
    effective = await _assignments(
        ks, **{"user.id": ks.admin_user_id, "effective": "True", "include_names": "True"}
    )
    assert _summary(effective) == sorted(
        (name, scope)
        for name in ("admin", "manager", "member", "reader")
        for scope in ("project", "system")
    )
    reader = await ks.role_id("reader")
    readers = await _assignments(ks, **{"role.id": reader, "effective": "True"})
    assert {a["user"]["id"] for a in readers} == {ks.admin_user_id, alice["id"]}
    assert await _assignments(ks, **{"role.id": reader}) == []
    # A flag that is off is off.
    assert len(await _assignments(ks, **{"user.id": alice["id"], "effective": "false"})) == 1
    # Groups are not kept, so no group has assignments.
    assert await _assignments(ks, **{"group.id": "0" * 32}) == []
