"""Identity API stories: a fresh all-in-one cloud per test, driven in process over HTTP.

``ks`` is a :class:`Keystone`: an httpx client on the cloud's ASGI app, the bootstrap admin's
project-scoped token, and the few helpers every story needs (issue a token, create an
entity as admin, check an error is in Keystone's shape).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.verbs import Verbs
from tests.conftest import cloud_settings

from pocketstack.allinone import Cloud, open_cloud

BASE_URL = "http://127.0.0.1:8080"
IDENTITY = f"{BASE_URL}/identity"
Json = dict[str, Any]


def password_auth(
    password: str,
    *,
    user_id: str | None = None,
    name: str | None = None,
    domain: Json | None = None,
    scope: Any = None,
) -> Json:
    """A ``POST /v3/auth/tokens`` body for the password method; ``scope`` as Keystone takes it."""
    user: Json = {"password": password}
    if user_id:
        user["id"] = user_id
    else:
        user.update(name=name, domain=domain or {"id": "default"})
    auth: Json = {"identity": {"methods": ["password"], "password": {"user": user}}}
    if scope is not None:
        auth["scope"] = scope
    return {"auth": auth}


class Keystone(Verbs):
    """The identity API of one cloud, seen by a client; ``admin_token`` is project-scoped."""

    def __init__(self, cloud: Cloud, client: httpx.AsyncClient) -> None:
        self.cloud = cloud
        self.client = client
        self.admin_token = ""
        self.admin_user_id = ""
        self.admin_project_id = ""

    password_auth = staticmethod(password_auth)

    async def start(self) -> None:
        response = await self.issue(
            password_auth(
                self.cloud.admin_password,
                name="admin",
                scope={"project": {"name": "admin", "domain": {"id": "default"}}},
            )
        )
        assert response.status_code == 201, response.text
        token = response.json()["token"]
        self.admin_token = response.headers["X-Subject-Token"]
        self.admin_user_id = token["user"]["id"]
        self.admin_project_id = token["project"]["id"]

    # -- errors ------------------------------------------------------------------------------

    @staticmethod
    def expect_error(response: httpx.Response, status: int, message: str = "") -> Json:
        """Keystone's error body ``{"error": {code, title, message}}``, with a request id."""
        assert response.status_code == status, response.text
        assert response.headers["x-openstack-request-id"].startswith("req-")
        assert response.headers["content-type"].startswith("application/json")
        error: Json = response.json()["error"]
        assert error["code"] == status
        assert error["title"] == httpx.codes.get_reason_phrase(status)
        assert isinstance(error["message"], str) and error["message"]
        assert message in error["message"], error["message"]
        if status == 401:
            assert response.headers["WWW-Authenticate"] == f'Keystone uri="{IDENTITY}"'
        return error

    # -- plain requests ----------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """``path`` is below ``/identity``; ``token`` defaults to the admin's ('' for none)."""
        sent = dict(headers or {})
        token = self.admin_token if token is None else token
        if token:
            sent["X-Auth-Token"] = token
        return await self.client.request(method, f"/identity{path}", headers=sent, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", path, **kwargs)

    async def head(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("HEAD", path, **kwargs)

    # -- tokens ------------------------------------------------------------------------------

    async def issue(self, body: Json, *, token: str = "", query: str = "") -> httpx.Response:
        return await self.post(f"/v3/auth/tokens{query}", json=body, token=token)

    async def token_for(self, password: str, **kwargs: Any) -> str:
        """Issue a password token (``password_auth`` arguments) and return the token string."""
        response = await self.issue(password_auth(password, **kwargs))
        assert response.status_code == 201, response.text
        return response.headers["X-Subject-Token"]

    async def validate(
        self, subject: str, *, token: str | None = None, method: str = "GET", query: str = ""
    ) -> httpx.Response:
        return await self.request(
            method, f"/v3/auth/tokens{query}", token=token, headers={"X-Subject-Token": subject}
        )

    # -- entities, as admin ------------------------------------------------------------------

    async def create(self, key: str, coll: str, **fields: Any) -> Json:
        response = await self.post(f"/v3/{coll}", json={key: fields})
        assert response.status_code == 201, response.text
        entity: Json = response.json()[key]
        return entity

    async def project(self, name: str, **fields: Any) -> Json:
        return await self.create("project", "projects", name=name, **fields)

    async def user(self, name: str, password: str = "secret", **fields: Any) -> Json:
        return await self.create("user", "users", name=name, password=password, **fields)

    async def role_id(self, name: str) -> str:
        response = await self.get("/v3/roles", params={"name": name})
        roles = response.json()["roles"]
        assert len(roles) == 1, roles
        return str(roles[0]["id"])

    async def grant(self, project_id: str, user_id: str, role: str = "member") -> None:
        role_id = await self.role_id(role)
        response = await self.put(f"/v3/projects/{project_id}/users/{user_id}/roles/{role_id}")
        assert response.status_code == 204, response.text

    async def member(
        self, name: str, project_id: str, role: str = "member", password: str = "secret"
    ) -> tuple[Json, str]:
        """A new user with ``role`` on the project, and that user's token scoped there."""
        user = await self.user(name, password, default_project_id=project_id)
        await self.grant(project_id, user["id"], role)
        token = await self.token_for(
            password, user_id=user["id"], scope={"project": {"id": project_id}}
        )
        return user, token

    async def names(self, coll: str, **params: str) -> list[str]:
        """The names in a listing, as admin: to prove what was (not) written."""
        response = await self.get(f"/v3/{coll}", params=params)
        assert response.status_code == 200, response.text
        return sorted(item.get("name") or item["id"] for item in response.json()[coll])


KeystoneFactory = Callable[..., AbstractAsyncContextManager[Keystone]]


@pytest.fixture
def open_keystone(tmp_path: Path) -> KeystoneFactory:
    """Open a cloud with settings overrides (``identity={...}``, ``api={...}``)."""

    @asynccontextmanager
    async def opened(**overrides: dict[str, Any]) -> AsyncIterator[Keystone]:
        sections = {"identity": {"password_hash_rounds": 4}}
        for section, values in overrides.items():
            sections.setdefault(section, {}).update(values)
        settings = cloud_settings(tmp_path, overrides=sections)
        async with open_cloud(settings) as cloud:
            transport = httpx.ASGITransport(app=cloud.dispatch)
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
                ks = Keystone(cloud, client)
                await ks.start()
                yield ks

    return opened


@pytest.fixture
async def ks(open_keystone: KeystoneFactory) -> AsyncIterator[Keystone]:
    async with open_keystone() as opened:
        yield opened
