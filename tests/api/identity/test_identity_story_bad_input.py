"""Story: clients send every kind of bad request; each gets Keystone's error and changes nothing.

Every error is ``{"error": {"code", "title", "message"}}`` with an ``x-openstack-request-id``
(``Keystone.expect_error`` checks both), and every test ends by showing that the identity
data is exactly what it was before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Keystone, KeystoneFactory

COLLECTIONS = ("domains", "projects", "users", "roles", "regions", "services", "endpoints")


async def _everything(ks: Keystone) -> dict[str, Any]:
    state: dict[str, Any] = {coll: await ks.names(coll) for coll in COLLECTIONS}
    response = await ks.get("/v3/role_assignments")
    state["role_assignments"] = response.json()["role_assignments"]
    response = await ks.get(f"/v3/users/{ks.admin_user_id}/application_credentials")
    state["application_credentials"] = response.json()["application_credentials"]
    return state


@pytest.fixture
async def unchanged(ks: Keystone) -> AsyncIterator[Keystone]:
    """The cloud with a project and a user in it; at the end, proof nothing else was written."""
    project = await ks.project("demo")
    await ks.member("alice", project["id"])
    before = await _everything(ks)
    yield ks
    assert await _everything(ks) == before


async def test_malformed_json_is_400(unchanged: Keystone) -> None:
    ks = unchanged
    for raw in (
        b'{"project": {"name": "x"',
        b"not json",
        b"",
        b"   ",
        b"\xff\xfe{}",
        b"[" * 2000 + b"]" * 2000,
    ):
        response = await ks.post(
            "/v3/projects", content=raw, headers={"Content-Type": "application/json"}
        )
        ks.expect_error(response, 400)
    response = await ks.post("/v3/auth/tokens", token="", content=b"{auth:")
    ks.expect_error(response, 400, "Malformed JSON")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v3/projects", []),
        ("/v3/projects", "project"),
        ("/v3/projects", {}),
        ("/v3/projects", {"project": "demo2"}),
        ("/v3/projects", {"project": {}}),
        ("/v3/projects", {"project": {"name": 5}}),
        ("/v3/projects", {"project": {"name": ""}}),
        ("/v3/projects", {"project": {"name": "   "}}),
        ("/v3/projects", {"project": {"name": "x" * 256}}),
        ("/v3/projects", {"project": {"name": "demo2", "enabled": "yes"}}),
        ("/v3/projects", {"project": {"name": "demo2", "tags": "blue"}}),
        ("/v3/projects", {"project": {"name": "demo2", "tags": ["a/b"]}}),
        ("/v3/users", {"user": {"name": "bob", "password": 12345}}),
        ("/v3/users", {"user": {"name": "bob", "enabled": 1}}),
        ("/v3/users", {"user": {"name": ["bob"]}}),
        ("/v3/domains", {"domain": {"name": None}}),
        ("/v3/roles", {"role": {"name": {"en": "auditor"}}}),
        ("/v3/regions", {"region": {"id": 7}}),
        ("/v3/services", {"service": {"type": ""}}),
        ("/v3/services", {"service": {"type": "compute", "enabled": "true"}}),
    ],
)
async def test_wrong_types_are_400(unchanged: Keystone, path: str, body: Any) -> None:
    ks = unchanged
    ks.expect_error(await ks.post(path, json=body), 400)


async def test_updates_are_checked_too(unchanged: Keystone) -> None:
    ks = unchanged
    [project] = (await ks.get("/v3/projects", params={"name": "demo"})).json()["projects"]
    [alice] = (await ks.get("/v3/users", params={"name": "alice"})).json()["users"]
    for path, body in (
        (f"/v3/projects/{project['id']}", {"project": {}}),
        (f"/v3/projects/{project['id']}", {"project": {"enabled": "false"}}),
        (f"/v3/projects/{project['id']}", {"project": {"is_domain": True}}),
        (f"/v3/users/{alice['id']}", {"user": {"enabled": None}}),
        (f"/v3/users/{alice['id']}", {"user": {"name": 3}}),
        ("/v3/domains/default", {"domain": {"enabled": "no"}}),
        ("/v3/regions/RegionOne", {"region": {"parent_region_id": 1}}),
    ):
        ks.expect_error(await ks.patch(path, json=body), 400)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"auth": {}},
        {"auth": {"identity": {}}},
        {"auth": {"identity": {"methods": []}}},
        {"auth": {"identity": {"methods": "password"}}},
        {"auth": {"identity": {"methods": ["password"], "password": {}}}},
        {"auth": {"identity": {"methods": ["password"], "password": {"user": "admin"}}}},
        {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": "admin", "domain": {}, "password": "x"}},
                }
            }
        },
        {"auth": {"identity": {"methods": ["token"], "token": {}}}},
        {
            "auth": {
                "identity": {
                    "methods": ["application_credential"],
                    "application_credential": {"id": "x"},
                }
            }
        },
        {"auth": {"identity": {"methods": ["password"]}, "scope": 5}},
        {"auth": {"identity": {"methods": ["password"]}, "scope": "everything"}},
        {"auth": {"identity": {"methods": ["password"]}, "scope": {"project": {}}}},
    ],
)
async def test_malformed_auth_requests_are_400(unchanged: Keystone, body: Any) -> None:
    ks = unchanged
    ks.expect_error(await ks.issue(body), 400)


async def test_unknown_fields_where_keystone_refuses_them(unchanged: Keystone) -> None:
    ks = unchanged
    [alice] = (await ks.get("/v3/users", params={"name": "alice"})).json()["users"]
    alice_token = await ks.token_for("secret", user_id=alice["id"])
    response = await ks.post(
        f"/v3/users/{alice['id']}/password",
        token=alice_token,
        json={"user": {"password": "new", "original_password": "secret", "expires": "never"}},
    )
    ks.expect_error(response, 400, "expires")
    response = await ks.post(
        f"/v3/users/{alice['id']}/password", token=alice_token, json={"user": {"password": "new"}}
    )
    ks.expect_error(response, 400, "original_password")
    path = f"/v3/users/{ks.admin_user_id}/application_credentials"
    for body in (
        {"name": "ci", "colour": "blue"},
        {"name": "ci", "roles": [{"id": "x", "name": "y"}]},
        {"name": "ci", "roles": [{"label": "member"}]},
        {"name": "ci", "unrestricted": "yes"},
        {"name": "ci", "expires_at": 5},
    ):
        response = await ks.post(path, json={"application_credential": body})
        ks.expect_error(response, 400)
    # The old password still works: the refused change was not half applied.
    assert await ks.token_for("secret", user_id=alice["id"])


async def test_bodies_over_the_limit_are_413(unchanged: Keystone) -> None:
    ks = unchanged
    huge = {"project": {"name": "huge", "description": "x" * 120_000}}
    error = ks.expect_error(await ks.post("/v3/projects", json=huge), 413)
    assert "114688" in error["message"]

    # Without a Content-Length the limit holds while the body streams in.
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"project": {"name": "streamed", "description": "'
        for _ in range(20):
            yield b"x" * 10_000
        yield b'"}}'

    response = await ks.post(
        "/v3/projects", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    ks.expect_error(response, 413)


async def test_the_limit_is_a_setting(open_keystone: KeystoneFactory) -> None:
    async with open_keystone(api={"max_request_body_size": 512}) as ks:
        before = await ks.names("projects")
        response = await ks.post(
            "/v3/projects", json={"project": {"name": "p" * 40, "description": "d" * 600}}
        )
        ks.expect_error(response, 413, "512")
        assert await ks.names("projects") == before
        # Tokens are still issued: their bodies are small.
        assert await ks.token_for(ks.cloud.admin_password, name="admin")


async def test_authentication_failures_are_401_with_a_challenge(unchanged: Keystone) -> None:
    ks = unchanged
    error = ks.expect_error(await ks.issue(ks.password_auth("wrong", name="admin")), 401)
    assert error["message"] == "The request you have made requires authentication."
    for token in ("", "nonsense", ks.admin_token[:-4]):
        for method, path in (
            ("GET", "/v3/projects"),
            ("POST", "/v3/projects"),
            ("GET", "/v3/auth/tokens"),
            ("DELETE", "/v3/auth/tokens"),
            ("GET", "/v3/auth/catalog"),
        ):
            response = await ks.request(
                method, path, token=token, json={"project": {"name": "sneaky"}}
            )
            ks.expect_error(response, 401)


async def test_unknown_ids_are_404_never_500(unchanged: Keystone) -> None:
    ks = unchanged
    missing = "0" * 32
    member = await ks.role_id("member")
    paths = [f"/v3/{coll}/{missing}" for coll in COLLECTIONS]
    paths += [
        f"/v3/projects/{'x' * 2000}",
        "/v3/projects/%00",
        f"/v3/users/{ks.admin_user_id}/application_credentials/{missing}",
        f"/v3/users/{missing}/projects",
        f"/v3/projects/{missing}/users/{ks.admin_user_id}/roles",
        f"/v3/projects/{ks.admin_project_id}/users/{missing}/roles/{member}",
        f"/v3/roles/{missing}/implies",
        f"/v3/roles/{member}/implies/{missing}",
    ]
    for path in paths:
        error = ks.expect_error(await ks.get(path), 404)
        assert error["message"].startswith("Could not find"), path
    for path in (
        "/v3/nothing",
        "/v3/projects/a/b/c",
        "/v2.0/tenants",
        "/v3/auth/nothing",
        "/v3/users/..%2F..",
    ):
        ks.expect_error(await ks.get(path), 404, "could not be found")
    for method in ("PATCH", "DELETE"):
        response = await ks.request(
            method, f"/v3/projects/{missing}", json={"project": {"name": "z"}}
        )
        ks.expect_error(response, 404)


async def test_duplicates_are_409(unchanged: Keystone) -> None:
    ks = unchanged
    for path, body in (
        ("/v3/projects", {"project": {"name": "demo"}}),
        ("/v3/users", {"user": {"name": "alice", "domain_id": "default"}}),
        ("/v3/roles", {"role": {"name": "member"}}),
        ("/v3/domains", {"domain": {"name": "Default"}}),
        ("/v3/regions", {"region": {"id": "RegionOne"}}),
    ):
        error = ks.expect_error(await ks.post(path, json=body), 409)
        assert error["message"].startswith("Conflict occurred attempting to store"), path


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/v3/projects", "GET, HEAD, POST"),
        ("DELETE", "/v3/users", "GET, HEAD, POST"),
        ("POST", "/v3/projects/{project}", "DELETE, GET, HEAD, PATCH"),
        ("PUT", "/v3/domains/default", "DELETE, GET, HEAD, PATCH"),
        ("PATCH", "/v3/auth/tokens", "DELETE, GET, HEAD, POST"),
        ("POST", "/v3/auth/catalog", "GET, HEAD"),
        ("DELETE", "/v3/role_assignments", "GET, HEAD"),
        ("PATCH", "/v3/users/{user}/password", "POST"),
        ("POST", "/v3/projects/{project}/users/{user}/roles/{role}", "DELETE, GET, HEAD, PUT"),
    ],
)
async def test_wrong_methods_are_405_with_allow(
    unchanged: Keystone, method: str, path: str, allow: str
) -> None:
    ks = unchanged
    path = path.format(
        project=ks.admin_project_id, user=ks.admin_user_id, role=await ks.role_id("admin")
    )
    response = await ks.request(method, path, json={"project": {"name": "sneaky"}})
    error = ks.expect_error(response, 405)
    assert method in error["message"]
    assert response.headers["Allow"] == allow


async def test_odd_query_strings_do_not_break_listings(unchanged: Keystone) -> None:
    ks = unchanged
    for path, params in (
        ("/v3/projects", {"enabled": "maybe"}),
        ("/v3/projects", {"is_domain": "perhaps", "parent_id": ""}),
        ("/v3/users", {"name": "\u2603", "unknown": "1"}),
        ("/v3/role_assignments", {"effective": "", "include_names": "no"}),
        ("/v3/role_assignments", {"scope.system": "some"}),
    ):
        response = await ks.get(path, params=params)
        assert response.status_code == 200, (path, params, response.text)
