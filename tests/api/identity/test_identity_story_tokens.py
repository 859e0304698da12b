"""Story: tokens are issued in every scope Keystone offers, validated, re-scoped and revoked.

A token stops working the moment what it stands for changes: the user is disabled, the
password changes, the grant goes, the token is revoked, or it simply expires.
"""

from __future__ import annotations

import datetime
import time
from typing import TYPE_CHECKING, Any

from pocketstack.identity.tokens.payload import Payload, new_audit_id

if TYPE_CHECKING:
    from conftest import Keystone, KeystoneFactory

TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"
ROLE_CHAIN = ["admin", "manager", "member", "reader"]


def _moment(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, TIMESTAMP)


def _role_names(token: dict[str, Any]) -> list[str]:
    return sorted(role["name"] for role in token["roles"])


async def test_admin_signs_in_the_way_openstackclient_does(ks: Keystone) -> None:
    response = await ks.issue(
        {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": "admin",
                            "domain": {"name": "Default"},
                            "password": ks.cloud.admin_password,
                        }
                    },
                },
                "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}},
            }
        }
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.headers["X-Subject-Token"].startswith("gAAAAAB")
    token = response.json()["token"]
    assert token["methods"] == ["password"]
    assert token["user"] == {
        "id": ks.admin_user_id,
        "name": "admin",
        "domain": {"id": "default", "name": "Default"},
        "password_expires_at": None,
    }
    assert token["project"] == {
        "id": ks.admin_project_id,
        "name": "admin",
        "domain": {"id": "default", "name": "Default"},
    }
    assert token["is_domain"] is False
    assert _role_names(token) == sorted(ROLE_CHAIN)
    [audit_id] = token["audit_ids"]
    assert len(audit_id) == 22 and "=" not in audit_id
    lifetime = _moment(token["expires_at"]) - _moment(token["issued_at"])
    assert lifetime == datetime.timedelta(seconds=3600)
    [identity] = [entry for entry in token["catalog"] if entry["type"] == "identity"]
    assert identity["name"] == "keystone"
    assert sorted(e["interface"] for e in identity["endpoints"]) == ["admin", "internal", "public"]
    for endpoint in identity["endpoints"]:
        assert endpoint["region"] == endpoint["region_id"] == "RegionOne"
        assert endpoint["url"] == "http://127.0.0.1:8080/identity"
    assert ks.cloud.admin_password not in response.text


async def test_ids_work_wherever_names_do(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice, _ = await ks.member("alice", project["id"])
    by_user_id = ks.password_auth(
        "secret", user_id=alice["id"], scope={"project": {"id": project["id"]}}
    )
    by_domain_id = ks.password_auth(
        "secret",
        name="alice",
        domain={"id": "default"},
        scope={"project": {"name": "demo", "domain": {"id": "default"}}},
    )
    for body in (by_user_id, by_domain_id):
        response = await ks.issue(body)
        assert response.status_code == 201, response.text
        token = response.json()["token"]
        assert token["user"]["id"] == alice["id"]
        assert token["project"]["id"] == project["id"]
        assert _role_names(token) == ["member", "reader"]


async def test_domain_and_system_scopes_need_a_role_there(ks: Keystone) -> None:
    response = await ks.issue(
        ks.password_auth(ks.cloud.admin_password, name="admin", scope={"system": {"all": True}})
    )
    assert response.status_code == 201
    token = response.json()["token"]
    assert token["system"] == {"all": True}
    assert "project" not in token and "domain" not in token
    assert _role_names(token) == sorted(ROLE_CHAIN)
    assert token["catalog"]

    bob = await ks.user("bob")
    domain_scope = {"domain": {"name": "Default"}}
    ks.expect_error(await ks.issue(ks.password_auth("secret", name="bob", scope=domain_scope)), 401)
    ks.expect_error(
        await ks.issue(ks.password_auth("secret", name="bob", scope={"system": {"all": True}})), 401
    )
    reader = await ks.role_id("reader")
    response = await ks.put(f"/v3/domains/default/users/{bob['id']}/roles/{reader}")
    assert response.status_code == 204
    response = await ks.issue(ks.password_auth("secret", name="bob", scope=domain_scope))
    assert response.status_code == 201
    token = response.json()["token"]
    assert token["domain"] == {"id": "default", "name": "Default"}
    assert "project" not in token
    assert _role_names(token) == ["reader"]


async def test_unscoped_and_default_project_tokens(ks: Keystone) -> None:
    response = await ks.issue(
        ks.password_auth(ks.cloud.admin_password, name="admin", scope="unscoped")
    )
    assert response.status_code == 201
    token = response.json()["token"]
    for absent in ("roles", "catalog", "project", "domain", "system"):
        assert absent not in token
    assert token["user"]["id"] == ks.admin_user_id

    # No scope at all: the default project, since the admin has a role there.
    response = await ks.issue(ks.password_auth(ks.cloud.admin_password, name="admin"))
    assert response.json()["token"]["project"]["id"] == ks.admin_project_id

    # A default project without a role there gives an unscoped token, not an error.
    project = await ks.project("demo")
    await ks.user("carol", default_project_id=project["id"])
    response = await ks.issue(ks.password_auth("secret", name="carol"))
    assert response.status_code == 201
    assert "project" not in response.json()["token"]
    # ... and an explicit project scope without a role is refused.
    response = await ks.issue(
        ks.password_auth("secret", name="carol", scope={"project": {"id": project["id"]}})
    )
    ks.expect_error(response, 401)


async def test_nocatalog_and_the_auth_collections(ks: Keystone) -> None:
    body = ks.password_auth(ks.cloud.admin_password, name="admin")
    response = await ks.issue(body, query="?nocatalog")
    assert response.status_code == 201
    assert "catalog" not in response.json()["token"]
    assert response.json()["token"]["roles"]

    project = await ks.project("demo")
    _, alice_token = await ks.member("alice", project["id"])
    response = await ks.get("/v3/auth/system")
    assert response.json()["system"] == [{"all": True}]
    assert response.json()["links"]["self"] == "http://127.0.0.1:8080/identity/v3/auth/system"
    assert (await ks.get("/v3/auth/system", token=alice_token)).json()["system"] == []
    response = await ks.get("/v3/auth/projects", token=alice_token)
    assert [p["name"] for p in response.json()["projects"]] == ["demo"]
    assert (await ks.get("/v3/auth/domains", token=alice_token)).json()["domains"] == []
    for path in ("/v3/auth/system", "/v3/auth/projects", "/v3/auth/domains"):
        ks.expect_error(await ks.get(path, token=""), 401)


async def test_token_lifetime_follows_the_settings(open_keystone: KeystoneFactory) -> None:
    async with open_keystone(identity={"token_expiration": 600}) as ks:
        response = await ks.validate(ks.admin_token)
        token = response.json()["token"]
        lifetime = _moment(token["expires_at"]) - _moment(token["issued_at"])
        assert lifetime == datetime.timedelta(seconds=600)


async def test_rescoping_keeps_the_expiry_and_chains_the_audit_ids(ks: Keystone) -> None:
    response = await ks.issue(
        ks.password_auth(ks.cloud.admin_password, name="admin", scope="unscoped")
    )
    unscoped = response.headers["X-Subject-Token"]
    parent = response.json()["token"]
    body = {
        "auth": {
            "identity": {"methods": ["token"], "token": {"id": unscoped}},
            "scope": {"project": {"id": ks.admin_project_id}},
        }
    }
    # keystoneauth sends the old token both in the body and as X-Auth-Token.
    response = await ks.issue(body, token=unscoped)
    assert response.status_code == 201, response.text
    child = response.json()["token"]
    assert child["methods"] == ["token"]
    assert child["project"]["id"] == ks.admin_project_id
    assert child["expires_at"] == parent["expires_at"]
    assert len(child["audit_ids"]) == 2
    assert child["audit_ids"][1] == parent["audit_ids"][0]
    assert child["audit_ids"][0] != parent["audit_ids"][0]

    # Re-scoping the re-scoped token still points at the start of the chain.
    body["auth"]["identity"]["token"]["id"] = response.headers["X-Subject-Token"]
    body["auth"]["scope"] = {"system": {"all": True}}
    grandchild_response = await ks.issue(body)
    assert grandchild_response.status_code == 201, grandchild_response.text
    grandchild = grandchild_response.json()["token"]
    assert grandchild["expires_at"] == parent["expires_at"]
    assert grandchild["audit_ids"][1] == parent["audit_ids"][0]

    # Revoking the first token of the chain revokes every token made from it.
    assert (await ks.validate(unscoped, method="DELETE")).status_code == 204
    for token in (
        response.headers["X-Subject-Token"],
        grandchild_response.headers["X-Subject-Token"],
    ):
        ks.expect_error(await ks.get("/v3/auth/catalog", token=token), 401)


async def test_an_application_credential_signs_in_without_a_scope(ks: Keystone) -> None:
    response = await ks.post(
        f"/v3/users/{ks.admin_user_id}/application_credentials",
        json={"application_credential": {"name": "ci"}},
    )
    assert response.status_code == 201, response.text
    credential = response.json()["application_credential"]
    response = await ks.issue(
        {
            "auth": {
                "identity": {
                    "methods": ["application_credential"],
                    "application_credential": {
                        "id": credential["id"],
                        "secret": credential["secret"],
                    },
                }
            }
        }
    )
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    assert token["methods"] == ["application_credential"]
    assert token["project"]["id"] == ks.admin_project_id
    assert token["application_credential"] == {
        "id": credential["id"],
        "name": "ci",
        "restricted": True,
    }


async def test_validate_check_and_revoke(ks: Keystone) -> None:
    project = await ks.project("demo")
    _, alice_token = await ks.member("alice", project["id"])

    response = await ks.validate(alice_token)
    assert response.status_code == 200
    assert response.headers["X-Subject-Token"] == alice_token
    token = response.json()["token"]
    assert token["project"]["id"] == project["id"]
    assert _role_names(token) == ["member", "reader"]
    assert token["catalog"]

    response = await ks.validate(alice_token, query="?nocatalog")
    assert response.status_code == 200
    assert "catalog" not in response.json()["token"]
    assert response.json()["token"]["audit_ids"] == token["audit_ids"]

    response = await ks.validate(alice_token, method="HEAD")
    assert response.status_code == 200
    assert response.content == b""

    # A user may look at their own token, but not at somebody else's.
    assert (await ks.validate(alice_token, token=alice_token)).status_code == 200
    ks.expect_error(await ks.validate(ks.admin_token, token=alice_token), 403)
    ks.expect_error(await ks.validate(ks.admin_token, token=alice_token, method="DELETE"), 403)

    assert (await ks.validate(alice_token, method="DELETE")).status_code == 204
    error = ks.expect_error(await ks.validate(alice_token), 404)
    assert error["message"] == f"Could not find token: {alice_token}."
    assert (await ks.validate(alice_token, method="HEAD")).status_code == 404
    ks.expect_error(await ks.get(f"/v3/projects/{project['id']}", token=alice_token), 401)
    # Revoking twice finds nothing the second time.
    ks.expect_error(await ks.validate(alice_token, method="DELETE"), 404)
    # The admin's own token was untouched.
    assert (await ks.get("/v3/auth/catalog")).status_code == 200


async def test_garbage_tokens(ks: Keystone) -> None:
    for garbage in ("nonsense", "gAAAAABnope", "=" * 5):
        ks.expect_error(await ks.validate(garbage), 404)
    response = await ks.client.get(
        "/identity/v3/auth/tokens",
        headers={"X-Auth-Token": ks.admin_token, "X-Subject-Token": "t\xe9".encode("latin-1")},
    )
    ks.expect_error(response, 404)
    ks.expect_error(await ks.validate(""), 404)
    ks.expect_error(await ks.get("/v3/users", token="gAAAAABnope"), 401)
    ks.expect_error(await ks.get("/v3/users", token=""), 401)


async def test_an_expired_token_is_refused(ks: Keystone) -> None:
    now = time.time()
    expired = ks.cloud.identity.codec.encode(
        Payload(
            user_id=ks.admin_user_id,
            methods=("password",),
            issued_at=now - 7200,
            expires_at=now - 60,
            audit_ids=(new_audit_id(),),
            project_id=ks.admin_project_id,
        )
    )
    ks.expect_error(await ks.get("/v3/users", token=expired), 401)
    ks.expect_error(await ks.validate(expired), 404)
    ks.expect_error(
        await ks.issue({"auth": {"identity": {"methods": ["token"], "token": {"id": expired}}}}),
        401,
    )
    # A service may still look at a recently expired token.
    response = await ks.validate(expired, query="?allow_expired=1")
    assert response.status_code == 200
    assert response.json()["token"]["project"]["id"] == ks.admin_project_id


async def test_wrong_credentials_are_401(ks: Keystone) -> None:
    project = await ks.project("demo")
    await ks.member("alice", project["id"])
    ks.expect_error(
        await ks.issue(ks.password_auth("wrong", name="alice")), 401, "requires authentication"
    )
    ks.expect_error(await ks.issue(ks.password_auth("secret", name="nobody")), 401)
    ks.expect_error(
        await ks.issue(ks.password_auth("secret", name="alice", domain={"name": "Nowhere"})), 401
    )
    ks.expect_error(await ks.issue(ks.password_auth("secret", user_id="0" * 32)), 401)
    response = await ks.issue(
        ks.password_auth("secret", name="alice", scope={"project": {"id": "0" * 32}})
    )
    assert response.status_code in (401, 404)

    # A disabled project neither issues tokens nor honours the ones it had.
    _, bob_token = await ks.member("bob", project["id"])
    response = await ks.patch(f"/v3/projects/{project['id']}", json={"project": {"enabled": False}})
    assert response.status_code == 200
    ks.expect_error(
        await ks.issue(
            ks.password_auth("secret", name="alice", scope={"project": {"id": project["id"]}})
        ),
        401,
    )
    ks.expect_error(await ks.get("/v3/auth/catalog", token=bob_token), 401)


async def test_disabling_a_user_kills_their_tokens(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice, token = await ks.member("alice", project["id"])
    assert (await ks.get("/v3/auth/catalog", token=token)).status_code == 200

    response = await ks.patch(f"/v3/users/{alice['id']}", json={"user": {"enabled": False}})
    assert response.status_code == 200
    ks.expect_error(await ks.get("/v3/auth/catalog", token=token), 401)
    ks.expect_error(await ks.validate(token), 404)
    ks.expect_error(await ks.issue(ks.password_auth("secret", name="alice")), 401)

    # Enabled again, alice signs in afresh; the old token stays dead.
    await ks.patch(f"/v3/users/{alice['id']}", json={"user": {"enabled": True}})
    fresh = await ks.token_for("secret", name="alice")
    assert (await ks.get("/v3/auth/catalog", token=fresh)).status_code == 200
    ks.expect_error(await ks.get("/v3/auth/catalog", token=token), 401)


async def test_changing_the_password_revokes_old_tokens(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice, token = await ks.member("alice", project["id"])
    response = await ks.post(
        f"/v3/users/{alice['id']}/password",
        token=token,
        json={"user": {"password": "n3w", "original_password": "secret"}},
    )
    assert response.status_code == 204, response.text
    ks.expect_error(await ks.get("/v3/auth/catalog", token=token), 401)
    ks.expect_error(await ks.issue(ks.password_auth("secret", name="alice")), 401)
    fresh = await ks.token_for("n3w", name="alice")
    assert (await ks.validate(fresh)).status_code == 200


async def test_removing_the_grant_takes_effect_at_once(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice, token = await ks.member("alice", project["id"])
    member = await ks.role_id("member")
    response = await ks.delete(f"/v3/projects/{project['id']}/users/{alice['id']}/roles/{member}")
    assert response.status_code == 204
    ks.expect_error(await ks.get("/v3/auth/catalog", token=token), 401)


async def test_a_member_is_confined_to_their_project(ks: Keystone) -> None:
    mine = await ks.project("mine")
    theirs = await ks.project("theirs")
    alice, token = await ks.member("alice", mine["id"])

    assert (await ks.get(f"/v3/projects/{mine['id']}", token=token)).status_code == 200
    error = ks.expect_error(await ks.get(f"/v3/projects/{theirs['id']}", token=token), 403)
    assert "identity:get_project" in error["message"]
    assert (await ks.get(f"/v3/users/{alice['id']}", token=token)).status_code == 200
    ks.expect_error(await ks.get(f"/v3/users/{ks.admin_user_id}", token=token), 403)


async def test_a_member_cannot_administer_identity(ks: Keystone) -> None:
    project = await ks.project("demo")
    alice, token = await ks.member("alice", project["id"])
    before = await ks.names("projects")
    reader = await ks.role_id("reader")
    attempts = [
        ("GET", "/v3/users", None),
        ("GET", "/v3/projects", None),
        ("POST", "/v3/projects", {"project": {"name": "sneaky"}}),
        ("PATCH", f"/v3/projects/{project['id']}", {"project": {"name": "renamed"}}),
        ("DELETE", f"/v3/projects/{project['id']}", None),
        ("POST", "/v3/domains", {"domain": {"name": "mine"}}),
        ("POST", "/v3/roles", {"role": {"name": "superuser"}}),
        ("PUT", f"/v3/projects/{project['id']}/users/{alice['id']}/roles/{reader}", None),
        ("GET", "/v3/role_assignments", None),
        ("POST", "/v3/services", {"service": {"type": "compute"}}),
    ]
    for method, path, body in attempts:
        response = await ks.request(method, path, token=token, json=body)
        error = ks.expect_error(response, 403)
        assert error["message"].startswith("You are not authorized"), (method, path)
    assert await ks.names("projects") == before
    assert await ks.names("roles") == sorted([*ROLE_CHAIN, "service"])
