"""Story: an admin manages users; users change their own password; nothing leaks a password."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Keystone

LINK = "http://127.0.0.1:8080/identity/v3"


async def test_create_a_user_the_way_openstackclient_does(ks: Keystone) -> None:
    project = await ks.project("demo")
    response = await ks.post(
        "/v3/users",
        json={
            "user": {
                "name": "alice",
                "domain_id": "default",
                "enabled": True,
                "password": "s3cret",
                "email": "alice@example.org",
                "default_project_id": project["id"],
            }
        },
    )
    assert response.status_code == 201, response.text
    user = response.json()["user"]
    assert re.fullmatch(r"[0-9a-f]{32}", user["id"])
    assert user == {
        "id": user["id"],
        "name": "alice",
        "domain_id": "default",
        "enabled": True,
        "default_project_id": project["id"],
        "password_expires_at": None,
        "options": {},
        "email": "alice@example.org",
        "links": {"self": f"{LINK}/users/{user['id']}"},
    }
    assert "s3cret" not in response.text

    response = await ks.get(f"/v3/users/{user['id']}")
    assert response.status_code == 200
    assert response.json()["user"] == user
    response = await ks.get("/v3/users")
    assert "password" not in response.json()["users"][0]
    assert "password_hash" not in response.text


async def test_list_filters(ks: Keystone) -> None:
    domain = await ks.create("domain", "domains", name="elsewhere")
    await ks.user("alice")
    await ks.user("alice", domain_id=domain["id"])
    await ks.user("bob", enabled=False)

    assert await ks.names("users") == ["admin", "alice", "alice", "bob"]
    assert await ks.names("users", name="alice") == ["alice", "alice"]
    assert await ks.names("users", domain_id=domain["id"]) == ["alice"]
    assert await ks.names("users", enabled="false") == ["bob"]
    assert await ks.names("users", name="alice", domain_id="default") == ["alice"]


async def test_names_are_unique_within_a_domain(ks: Keystone) -> None:
    await ks.user("alice")
    bob = await ks.user("bob")
    error = ks.expect_error(await ks.post("/v3/users", json={"user": {"name": "alice"}}), 409)
    assert error["message"] == (
        "Conflict occurred attempting to store user - Duplicate entry "
        "found with name alice at domain ID default."
    )
    response = await ks.patch(f"/v3/users/{bob['id']}", json={"user": {"name": "alice"}})
    ks.expect_error(response, 409)
    assert await ks.names("users") == ["admin", "alice", "bob"]


async def test_a_user_without_a_password_cannot_sign_in(ks: Keystone) -> None:
    response = await ks.post("/v3/users", json={"user": {"name": "robot"}})
    assert response.status_code == 201
    ks.expect_error(await ks.issue(ks.password_auth("", name="robot")), 401)
    ks.expect_error(await ks.issue(ks.password_auth("anything", name="robot")), 401)


async def test_update_attributes_and_password(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice, token = await ks.member("alice", project["id"])

    response = await ks.patch(
        f"/v3/users/{alice['id']}", json={"user": {"email": "a@b.c", "description": "the first"}}
    )
    assert response.status_code == 200, response.text
    updated = response.json()["user"]
    assert (updated["email"], updated["description"]) == ("a@b.c", "the first")
    assert updated["default_project_id"] == project["id"]
    # Unrelated changes leave the tokens alone.
    assert (await ks.get("/v3/auth/catalog", token=token)).status_code == 200

    # ``openstack user set --password``: an admin resets it; old tokens are revoked.
    response = await ks.patch(f"/v3/users/{alice['id']}", json={"user": {"password": "reset"}})
    assert response.status_code == 200
    assert "reset" not in response.text
    ks.expect_error(await ks.get("/v3/auth/catalog", token=token), 401)
    ks.expect_error(await ks.issue(ks.password_auth("secret", name="alice")), 401)
    assert await ks.token_for("reset", name="alice")


async def test_a_user_cannot_change_domain(ks: Keystone) -> None:
    alice = await ks.user("alice")
    domain = await ks.create("domain", "domains", name="elsewhere")
    for target in (domain["id"], "nowhere"):
        response = await ks.patch(f"/v3/users/{alice['id']}", json={"user": {"domain_id": target}})
        ks.expect_error(response, 400, "domain_id")
    assert (await ks.get(f"/v3/users/{alice['id']}")).json()["user"]["domain_id"] == "default"
    # Saying the domain it already has is fine.
    response = await ks.patch(f"/v3/users/{alice['id']}", json={"user": {"domain_id": "default"}})
    assert response.status_code == 200


async def test_users_change_their_own_password(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice, token = await ks.member("alice", project["id"])
    path = f"/v3/users/{alice['id']}/password"

    response = await ks.post(
        path, token=token, json={"user": {"password": "new", "original_password": "wrong"}}
    )
    ks.expect_error(response, 401)
    # The failed attempt changed nothing: the token and the old password still work.
    assert (await ks.get("/v3/auth/catalog", token=token)).status_code == 200

    # Not even the admin changes another user's password this way.
    response = await ks.post(
        path, json={"user": {"password": "new", "original_password": "secret"}}
    )
    ks.expect_error(response, 403)

    response = await ks.post(
        path, token=token, json={"user": {"password": "new", "original_password": "secret"}}
    )
    assert response.status_code == 204
    assert response.content == b""
    assert await ks.token_for("new", name="alice")


async def test_a_user_sees_only_themselves(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice, token = await ks.member("alice", project["id"])
    bob = await ks.user("bob")
    response = await ks.get(f"/v3/users/{alice['id']}", token=token)
    assert response.status_code == 200
    assert response.json()["user"]["name"] == "alice"
    ks.expect_error(await ks.get(f"/v3/users/{bob['id']}", token=token), 403)
    ks.expect_error(await ks.get("/v3/users", token=token), 403)
    ks.expect_error(
        await ks.patch(f"/v3/users/{alice['id']}", token=token, json={"user": {"enabled": True}}),
        403,
    )


async def test_deleting_a_user(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice, token = await ks.member("alice", project["id"])
    assert (await ks.delete(f"/v3/users/{alice['id']}")).status_code == 204

    ks.expect_error(await ks.get(f"/v3/users/{alice['id']}"), 404)
    ks.expect_error(await ks.get("/v3/auth/catalog", token=token), 401)
    ks.expect_error(await ks.issue(ks.password_auth("secret", name="alice")), 401)
    response = await ks.get("/v3/role_assignments", params={"user.id": alice["id"]})
    assert response.json()["role_assignments"] == []
    error = ks.expect_error(await ks.delete(f"/v3/users/{alice['id']}"), 404)
    assert error["message"] == f"Could not find user: {alice['id']}."
    # The name is free again.
    assert (await ks.user("alice"))["id"] != alice["id"]


async def test_unknown_users_are_404(ks: Keystone) -> None:
    missing = "0" * 32
    for method, path, body in (
        ("GET", f"/v3/users/{missing}", None),
        ("PATCH", f"/v3/users/{missing}", {"user": {"name": "x"}}),
        ("DELETE", f"/v3/users/{missing}", None),
        ("GET", f"/v3/users/{missing}/projects", None),
        ("GET", "/v3/users/admin", None),
    ):
        ks.expect_error(await ks.request(method, path, json=body), 404)
    response = await ks.post("/v3/users", json={"user": {"name": "x", "domain_id": "nowhere"}})
    ks.expect_error(response, 404, "nowhere")
    assert await ks.names("users") == ["admin"]
