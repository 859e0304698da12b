"""Placement API stories: a fresh all-in-one cloud, driven in process over HTTP.

``pl`` is a :class:`PlacementClient`: requests go to ``/placement`` with the admin's token
and the microversion given per call (``version="1.39"`` by default; ``None`` sends none).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.verbs import Verbs
from tests.conftest import cloud_settings

from pocketstack.allinone import Cloud, open_cloud

BASE_URL = "http://127.0.0.1:8080"
LATEST = "1.39"


class PlacementClient(Verbs):
    def __init__(self, cloud: Cloud, client: httpx.AsyncClient, token: str) -> None:
        self.cloud = cloud
        self.client = client
        self.token = token

    async def request(self, method: str, path: str, *, version: str | None = LATEST,
                      json: Any = None, token: str | None = None,
                      params: Any = None, headers: dict[str, str] | None = None
                      ) -> httpx.Response:
        sent = {"X-Auth-Token": self.token if token is None else token, **(headers or {})}
        if not sent["X-Auth-Token"]:
            del sent["X-Auth-Token"]
        if version is not None:
            sent["OpenStack-API-Version"] = f"placement {version}"
        return await self.client.request(method, "/placement" + path, json=json,
                                         params=params, headers=sent)

    @staticmethod
    def error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
        """Placement's error body ``{"errors": [{status, title, detail, code, request_id}]}``."""
        assert response.status_code == status, response.text
        [error] = response.json()["errors"]
        assert error["status"] == status
        assert error["request_id"].startswith("req-")
        if code is not None:
            assert error["code"] == code, error
        return dict(error)


@pytest.fixture
async def pl(tmp_path: Path) -> AsyncIterator[PlacementClient]:
    settings = cloud_settings(tmp_path, overrides={
        "identity": {"password_hash_rounds": 4}, "api": {"log_requests": False}})
    async with open_cloud(settings) as cloud:
        transport = httpx.ASGITransport(app=cloud.dispatch)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"},
                "password": cloud.admin_password}}},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
            issued = await client.post("/identity/v3/auth/tokens", json=body)
            assert issued.status_code == 201, issued.text
            yield PlacementClient(cloud, client, issued.headers["x-subject-token"])
