"""Story: a user hands a CI job an application credential, limits it, and takes it back."""

from __future__ import annotations

import datetime
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import Keystone

LINK = "http://127.0.0.1:8080/identity/v3"


def _app_cred_auth(secret: str, **ref: Any) -> dict[str, Any]:
    return {
        "auth": {
            "identity": {
                "methods": ["application_credential"],
                "application_credential": {**ref, "secret": secret},
            }
        }
    }


async def _alice(ks: Keystone) -> tuple[dict[str, Any], str, str]:
    """alice, a member of demo, with her project token; and demo's id."""
    project = await ks.project("demo")
    alice, token = await ks.member("alice", project["id"])
    return alice, token, project["id"]


async def test_create_use_and_delete_the_way_openstackclient_does(ks: Keystone) -> None:
    alice, token, project_id = await _alice(ks)
    path = f"/v3/users/{alice['id']}/application_credentials"
    response = await ks.post(
        path,
        token=token,
        json={
            "application_credential": {
                "name": "ci",
                "description": "for CI",
                "secret": None,
                "expires_at": None,
                "roles": [],
                "unrestricted": False,
                "access_rules": [],
            }
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()["application_credential"]
    secret = created.pop("secret")
    assert len(secret) >= 32
    assert sorted(r["name"] for r in created["roles"]) == ["member", "reader"]
    assert all(set(r) == {"id", "name", "domain_id"} for r in created["roles"])
    assert created["links"] == {"self": f"{LINK}/application_credentials/{created['id']}"}
    assert (
        created["name"],
        created["description"],
        created["project_id"],
        created["user_id"],
        created["expires_at"],
        created["unrestricted"],
        created["access_rules"],
    ) == ("ci", "for CI", project_id, alice["id"], None, False, [])

    # The secret is shown once, never again.
    response = await ks.get(f"{path}/{created['id']}", token=token)
    assert response.status_code == 200
    assert response.json()["application_credential"] == created
    listed = await ks.get(path, token=token)
    assert listed.json()["application_credentials"] == [created]
    assert secret not in listed.text

    response = await ks.issue(_app_cred_auth(secret, id=created["id"]))
    assert response.status_code == 201, response.text
    ci_token = response.headers["X-Subject-Token"]
    body = response.json()["token"]
    assert body["methods"] == ["application_credential"]
    assert body["user"]["id"] == alice["id"]
    assert body["project"]["id"] == project_id
    assert sorted(r["name"] for r in body["roles"]) == ["member", "reader"]
    assert body["application_credential"] == {"id": created["id"], "name": "ci", "restricted": True}
    assert body["catalog"]

    assert (await ks.delete(f"{path}/{created['id']}", token=token)).status_code == 204
    ks.expect_error(await ks.get(f"{path}/{created['id']}", token=token), 404)
    ks.expect_error(await ks.get("/v3/auth/catalog", token=ci_token), 401)
    ks.expect_error(await ks.issue(_app_cred_auth(secret, id=created["id"])), 401)


async def test_other_ways_to_name_a_credential(ks: Keystone) -> None:
    alice, token, _ = await _alice(ks)
    path = f"/v3/users/{alice['id']}/application_credentials"
    response = await ks.post(
        path,
        token=token,
        json={"application_credential": {"name": "ci", "secret": "chosen-by-alice"}},
    )
    assert response.status_code == 201
    assert response.json()["application_credential"]["secret"] == "chosen-by-alice"

    for ref in (
        {"name": "ci", "user": {"id": alice["id"]}},
        {"name": "ci", "user": {"name": "alice", "domain": {"name": "Default"}}},
    ):
        response = await ks.issue(_app_cred_auth("chosen-by-alice", **ref))
        assert response.status_code == 201, (ref, response.text)
    for ref in (
        {"name": "ci", "user": {"id": ks.admin_user_id}},
        {"name": "cd", "user": {"id": alice["id"]}},
        {"name": "ci"},
    ):
        ks.expect_error(await ks.issue(_app_cred_auth("chosen-by-alice", **ref)), 401)
    ks.expect_error(
        await ks.issue(_app_cred_auth("wrong", name="ci", user={"id": alice["id"]})), 401
    )
    # An application credential is bound to its project: no scope may be asked for.
    body = _app_cred_auth("chosen-by-alice", name="ci", user={"id": alice["id"]})
    body["auth"]["scope"] = {"project": {"name": "admin", "domain": {"id": "default"}}}
    ks.expect_error(await ks.issue(body), 401)


async def test_a_credential_carries_only_the_roles_it_was_given(ks: Keystone) -> None:
    alice, token, project_id = await _alice(ks)
    path = f"/v3/users/{alice['id']}/application_credentials"
    response = await ks.post(
        path,
        token=token,
        json={"application_credential": {"name": "read-only", "roles": [{"name": "reader"}]}},
    )
    assert response.status_code == 201, response.text
    created = response.json()["application_credential"]
    assert [r["name"] for r in created["roles"]] == ["reader"]
    response = await ks.issue(_app_cred_auth(created["secret"], id=created["id"]))
    assert [r["name"] for r in response.json()["token"]["roles"]] == ["reader"]

    # Roles alice does not hold cannot be handed out.
    admin_role = await ks.role_id("admin")
    for role in ({"id": admin_role}, {"name": "admin"}):
        response = await ks.post(
            path, token=token, json={"application_credential": {"name": "greedy", "roles": [role]}}
        )
        ks.expect_error(response, 403)
    names = [c["name"] for c in (await ks.get(path, token=token)).json()["application_credentials"]]
    assert names == ["read-only"]

    # Losing the role on the project takes it from the credential too.
    ci_token = (await ks.issue(_app_cred_auth(created["secret"], id=created["id"]))).headers[
        "X-Subject-Token"
    ]
    member = await ks.role_id("member")
    await ks.delete(f"/v3/projects/{project_id}/users/{alice['id']}/roles/{member}")
    ks.expect_error(await ks.get("/v3/auth/catalog", token=ci_token), 401)


async def test_expiry(ks: Keystone) -> None:
    alice, token, _ = await _alice(ks)
    path = f"/v3/users/{alice['id']}/application_credentials"
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=10)
    response = await ks.post(
        path,
        token=token,
        json={
            "application_credential": {
                "name": "short",
                "expires_at": soon.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            }
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()["application_credential"]
    assert created["expires_at"] == soon.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    response = await ks.issue(_app_cred_auth(created["secret"], id=created["id"]))
    assert response.json()["token"]["expires_at"] == created["expires_at"]

    past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    response = await ks.post(
        path, token=token, json={"application_credential": {"name": "stale", "expires_at": past}}
    )
    assert response.status_code == 201
    stale = response.json()["application_credential"]
    ks.expect_error(await ks.issue(_app_cred_auth(stale["secret"], id=stale["id"])), 401)

    response = await ks.post(
        path,
        token=token,
        json={"application_credential": {"name": "never", "expires_at": "next tuesday"}},
    )
    ks.expect_error(response, 400)


async def test_what_a_credential_token_may_not_do(ks: Keystone) -> None:
    alice, token, _ = await _alice(ks)
    path = f"/v3/users/{alice['id']}/application_credentials"
    created = (
        await ks.post(path, token=token, json={"application_credential": {"name": "ci"}})
    ).json()["application_credential"]
    ci_token = (await ks.issue(_app_cred_auth(created["secret"], id=created["id"]))).headers[
        "X-Subject-Token"
    ]

    # It cannot mint more credentials, nor be re-scoped into a fresh token.
    response = await ks.post(
        path, token=ci_token, json={"application_credential": {"name": "child"}}
    )
    ks.expect_error(response, 403)
    response = await ks.issue(
        {"auth": {"identity": {"methods": ["token"], "token": {"id": ci_token}}}}
    )
    ks.expect_error(response, 401)
    # An unscoped token cannot make one either: a credential needs a project.
    unscoped = await ks.token_for("secret", name="alice", scope="unscoped")
    ks.expect_error(
        await ks.post(path, token=unscoped, json={"application_credential": {"name": "x"}}), 403
    )
    assert [
        c["name"] for c in (await ks.get(path, token=token)).json()["application_credentials"]
    ] == ["ci"]


async def test_credentials_are_their_owners_business(ks: Keystone) -> None:
    alice, token, project_id = await _alice(ks)
    bob, bob_token = await ks.member("bob", project_id)
    alice_path = f"/v3/users/{alice['id']}/application_credentials"
    created = (
        await ks.post(alice_path, token=token, json={"application_credential": {"name": "ci"}})
    ).json()["application_credential"]

    ks.expect_error(await ks.get(alice_path, token=bob_token), 403)
    ks.expect_error(await ks.get(f"{alice_path}/{created['id']}", token=bob_token), 403)
    ks.expect_error(await ks.delete(f"{alice_path}/{created['id']}", token=bob_token), 403)
    ks.expect_error(
        await ks.post(
            alice_path, token=bob_token, json={"application_credential": {"name": "mine"}}
        ),
        403,
    )
    # Under bob's own path alice's credential does not exist.
    bob_path = f"/v3/users/{bob['id']}/application_credentials"
    ks.expect_error(await ks.get(f"{bob_path}/{created['id']}", token=bob_token), 404)
    ks.expect_error(await ks.delete(f"{bob_path}/{created['id']}", token=bob_token), 404)
    # The admin may look and clean up.
    assert [c["id"] for c in (await ks.get(alice_path)).json()["application_credentials"]] == [
        created["id"]
    ]
    assert (await ks.delete(f"{alice_path}/{created['id']}")).status_code == 204
    assert (await ks.get(alice_path)).json()["application_credentials"] == []


async def test_names_are_unique_per_user(ks: Keystone) -> None:
    alice, token, project_id = await _alice(ks)
    bob, bob_token = await ks.member("bob", project_id)
    path = f"/v3/users/{alice['id']}/application_credentials"
    assert (
        await ks.post(path, token=token, json={"application_credential": {"name": "ci"}})
    ).status_code == 201
    response = await ks.post(path, token=token, json={"application_credential": {"name": "ci"}})
    ks.expect_error(response, 409, "Duplicate entry found with name ci")
    assert len((await ks.get(path, token=token)).json()["application_credentials"]) == 1
    # Another user may use the same name.
    response = await ks.post(
        f"/v3/users/{bob['id']}/application_credentials",
        token=bob_token,
        json={"application_credential": {"name": "ci"}},
    )
    assert response.status_code == 201
