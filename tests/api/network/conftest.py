"""Network API stories: a fresh all-in-one cloud, driven in process over HTTP.

``nt`` is a :class:`NeutronClient`: requests go to ``/network/v2.0`` with the admin's token
unless another token is given; :meth:`NeutronClient.member` makes a project with a member
(or reader) user and returns that user's token, for the isolation stories.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.verbs import Verbs
from tests.conftest import cloud_settings

from pocketstack.allinone import Cloud, open_cloud

BASE_URL = "http://127.0.0.1:8080"
Json = dict[str, Any]


class NeutronClient(Verbs):
    def __init__(
        self, cloud: Cloud, client: httpx.AsyncClient, token: str, project_id: str
    ) -> None:
        self.cloud = cloud
        self.client = client
        self.token = token
        self.project_id = project_id

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """``path`` is below ``/network/v2.0``; ``token`` defaults to the admin's ('' for
        none). Paths outside ``/v2.0`` go through :meth:`raw`."""
        sent = {"X-Auth-Token": self.token if token is None else token, **(headers or {})}
        if not sent["X-Auth-Token"]:
            del sent["X-Auth-Token"]
        return await self.client.request(method, "/network/v2.0" + path, headers=sent, **kwargs)

    async def raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, path, **kwargs)

    async def create(
        self, plural: str, singular: str, token: str | None = None, **fields: Any
    ) -> Json:
        response = await self.post(f"/{plural}", json={singular: fields}, token=token)
        assert response.status_code == 201, response.text
        created: Json = response.json()[singular]
        return created

    async def network(self, name: str = "net", **fields: Any) -> Json:
        return await self.create("networks", "network", name=name, **fields)

    async def subnet(
        self, network_id: str, cidr: str = "10.0.0.0/24", ip_version: int = 4, **fields: Any
    ) -> Json:
        return await self.create(
            "subnets", "subnet", network_id=network_id, cidr=cidr, ip_version=ip_version, **fields
        )

    async def port(self, network_id: str, **fields: Any) -> Json:
        return await self.create("ports", "port", network_id=network_id, **fields)

    @staticmethod
    def error(response: httpx.Response, status: int, kind: str | None = None) -> Json:
        """Neutron's error body ``{"NeutronError": {"type", "message", "detail"}}``."""
        assert response.status_code == status, response.text
        assert response.headers["x-openstack-request-id"].startswith("req-")
        error: Json = response.json()["NeutronError"]
        assert set(error) == {"type", "message", "detail"}, error
        assert error["message"], error
        if kind is not None:
            assert error["type"] == kind, error
        return error

    async def ids(self, plural: str, token: str | None = None, **params: Any) -> list[str]:
        response = await self.get(f"/{plural}", params=params, token=token)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()[plural.replace("-", "_")]]

    # -- identity, as admin --------------------------------------------------------------

    async def _identity(self, method: str, path: str, **kwargs: Any) -> Json:
        response = await self.client.request(
            method, "/identity/v3" + path, headers={"X-Auth-Token": self.token}, **kwargs
        )
        assert response.status_code in (200, 201, 204), response.text
        return response.json() if response.content else {}

    async def member(self, role: str = "member") -> tuple[str, str]:
        """A new project and a user with ``role`` on it: (project id, the user's token)."""
        suffix = uuid.uuid4().hex[:8]
        project = (
            await self._identity(
                "POST",
                "/projects",
                json={"project": {"name": f"p-{suffix}", "domain_id": "default"}},
            )
        )["project"]
        user = (
            await self._identity(
                "POST",
                "/users",
                json={
                    "user": {"name": f"u-{suffix}", "password": "secret", "domain_id": "default"}
                },
            )
        )["user"]
        [found] = (await self._identity("GET", "/roles", params={"name": role}))["roles"]
        await self._identity(
            "PUT", f"/projects/{project['id']}/users/{user['id']}/roles/{found['id']}"
        )
        issued = await self.client.post(
            "/identity/v3/auth/tokens",
            json={
                "auth": {
                    "identity": {
                        "methods": ["password"],
                        "password": {"user": {"id": user["id"], "password": "secret"}},
                    },
                    "scope": {"project": {"id": project["id"]}},
                }
            },
        )
        assert issued.status_code == 201, issued.text
        return str(project["id"]), issued.headers["x-subject-token"]


@pytest.fixture
async def nt(tmp_path: Path) -> AsyncIterator[NeutronClient]:
    settings = cloud_settings(tmp_path, overrides={
        "identity": {"password_hash_rounds": 4}, "api": {"log_requests": False}})
    async with open_cloud(settings) as cloud:
        transport = httpx.ASGITransport(app=cloud.dispatch)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            body = {
                "auth": {
                    "identity": {
                        "methods": ["password"],
                        "password": {
                            "user": {
                                "name": "admin",
                                "domain": {"id": "default"},
                                "password": cloud.admin_password,
                            }
                        },
                    },
                    "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
                }
            }
            issued = await client.post("/identity/v3/auth/tokens", json=body)
            assert issued.status_code == 201, issued.text
            project_id = issued.json()["token"]["project"]["id"]
            yield NeutronClient(cloud, client, issued.headers["x-subject-token"], project_id)
