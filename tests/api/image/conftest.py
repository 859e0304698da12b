"""Image API stories: a fresh all-in-one cloud, driven in process over HTTP.

``gl`` is a :class:`GlanceClient`: requests go to ``/image`` with the admin's token unless
``token`` is given ('' for none). :meth:`GlanceClient.tenant` makes another project with a
user holding ``member`` (or only ``reader``) in it and returns its project id and token, for
the isolation and sharing stories.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.verbs import Verbs
from tests.conftest import cloud_settings

from pocketstack.allinone import Cloud, open_cloud
from pocketstack.image.service import ImageService

BASE_URL = "http://127.0.0.1:8080"
PATCH_TYPE = "application/openstack-images-v2.1-json-patch"


@dataclasses.dataclass(frozen=True)
class Tenant:
    project_id: str
    token: str


class GlanceClient(Verbs):
    def __init__(
        self, cloud: Cloud, client: httpx.AsyncClient, token: str, project_id: str
    ) -> None:
        self.cloud = cloud
        self.client = client
        self.token = token
        self.project_id = project_id

    @property
    def service(self) -> ImageService:
        service = self.cloud.services["/image"]
        assert isinstance(service, ImageService)
        return service

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        sent = dict(headers or {})
        token = self.token if token is None else token
        if token:
            sent["X-Auth-Token"] = token
        return await self.client.request(method, "/image" + path, headers=sent, **kw)

    async def patch(
        self, image_id: str, ops: Any, *, token: str | None = None, media_type: str = PATCH_TYPE
    ) -> httpx.Response:
        return await self.request(
            "PATCH",
            f"/v2/images/{image_id}",
            token=token,
            json=ops,
            headers={"Content-Type": media_type},
        )

    async def create(self, token: str | None = None, **fields: Any) -> dict[str, Any]:
        fields.setdefault("disk_format", "raw")
        fields.setdefault("container_format", "bare")
        response = await self.post("/v2/images", json=fields, token=token)
        assert response.status_code == 201, response.text
        image: dict[str, Any] = response.json()
        return image

    async def upload(
        self,
        image_id: str,
        data: Any,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"Content-Type": "application/octet-stream", **(headers or {})}
        return await self.put(
            f"/v2/images/{image_id}/file", content=data, token=token, headers=sent
        )

    async def show(self, image_id: str, token: str | None = None) -> dict[str, Any]:
        response = await self.get(f"/v2/images/{image_id}", token=token)
        assert response.status_code == 200, response.text
        image: dict[str, Any] = response.json()
        return image

    async def names(self, query: str = "", token: str | None = None) -> list[str]:
        response = await self.get(f"/v2/images{query}", token=token)
        assert response.status_code == 200, response.text
        return [image["name"] for image in response.json()["images"]]

    async def tenant(self, *, role: str = "member") -> Tenant:
        """A new project and a user with ``role`` in it; their project-scoped token."""
        suffix = uuid.uuid4().hex[:8]
        project = await self._identity(
            "POST", "/v3/projects", {"project": {"name": f"p-{suffix}", "domain_id": "default"}}
        )
        pid = project["project"]["id"]
        user = await self._identity(
            "POST",
            "/v3/users",
            {"user": {"name": f"u-{suffix}", "password": "secret", "domain_id": "default"}},
        )
        uid = user["user"]["id"]
        [found] = (await self._identity("GET", f"/v3/roles?name={role}"))["roles"]
        await self._identity("PUT", f"/v3/projects/{pid}/users/{uid}/roles/{found['id']}")
        return Tenant(pid, await _token(self.client, f"u-{suffix}", "secret", f"p-{suffix}"))

    async def _identity(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = await self.client.request(
            method, "/identity" + path, json=body, headers={"X-Auth-Token": self.token}
        )
        assert response.status_code < 300, response.text
        return dict(response.json()) if response.content else {}

    @staticmethod
    def error(response: httpx.Response, status: int, detail: str = "") -> dict[str, Any]:
        """Glance's error body ``{"errors": [{status, title, detail, request_id}]}``."""
        assert response.status_code == status, response.text
        [error] = response.json()["errors"]
        assert error["status"] == status
        assert error["title"] == httpx.codes.get_reason_phrase(status)
        assert error["request_id"].startswith("req-")
        assert detail in error["detail"], error["detail"]
        return dict(error)


async def _token(client: httpx.AsyncClient, user: str, password: str, project: str) -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "domain": {"id": "default"}, "password": password}
                },
            },
            "scope": {"project": {"name": project, "domain": {"id": "default"}}},
        }
    }
    issued = await client.post("/identity/v3/auth/tokens", json=body)
    assert issued.status_code == 201, issued.text
    return issued.headers["x-subject-token"]


@pytest.fixture
async def gl(tmp_path: Path) -> AsyncIterator[GlanceClient]:
    settings = cloud_settings(tmp_path, overrides={
        "identity": {"password_hash_rounds": 4}, "api": {"log_requests": False}})
    async with open_cloud(settings) as cloud:
        transport = httpx.ASGITransport(app=cloud.dispatch)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            token = await _token(client, "admin", cloud.admin_password, "admin")
            shown = await client.get(
                "/identity/v3/auth/tokens",
                headers={"X-Auth-Token": token, "X-Subject-Token": token},
            )
            yield GlanceClient(cloud, client, token, shown.json()["token"]["project"]["id"])
