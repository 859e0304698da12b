"""Volume API stories: a fresh all-in-one cloud, driven in process over HTTP.

``vol`` is a :class:`VolumeClient`: requests go to ``/volume/v3`` with the admin's
project-scoped token (``token=`` for another caller, ``""`` for none) and the microversion
given per call (``version="3.71"`` by default; ``None`` sends none). ``vol.user(...)`` makes
a user with a role on a new project; ``vol.wait_for(...)`` polls a volume (bounded) until
the reconciler has moved it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.accounts import Caller, login, new_user
from tests.api.verbs import Verbs
from tests.conftest import cloud_settings

from pocketstack.allinone import Cloud, open_cloud
from pocketstack.volume.service import VolumeService

BASE_URL = "http://127.0.0.1:8080"
LATEST = "3.71"
WAIT_S = 5.0

_FAULTS = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    413: "overLimit",
}



class VolumeClient(Verbs):
    def __init__(self, cloud: Cloud, client: httpx.AsyncClient, admin: Caller) -> None:
        self.cloud = cloud
        self.client = client
        self.admin = admin
        self.token = admin.token

    @property
    def service(self) -> VolumeService:
        svc = self.cloud.services["/volume"]
        assert isinstance(svc, VolumeService)
        return svc

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        version: str | None = LATEST,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        sent = {**(headers or {})}
        token = self.token if token is None else token
        if token:
            sent["X-Auth-Token"] = token
        if version is not None:
            sent["OpenStack-API-Version"] = f"volume {version}"
        return await self.client.request(method, "/volume" + path, headers=sent, **kw)

    # -- shortcuts -------------------------------------------------------------------------

    async def create(self, token: str | None = None, **volume: Any) -> dict[str, Any]:
        """POST /v3/volumes (size 1 unless given); the 202 body's volume."""
        response = await self.post(
            "/v3/volumes", token=token, json={"volume": {"size": 1, **volume}}
        )
        assert response.status_code == 202, response.text
        body: dict[str, Any] = response.json()["volume"]
        assert body["status"] == "creating"
        return body

    async def show(self, volume_id: str, token: str | None = None) -> dict[str, Any]:
        response = await self.get(f"/v3/volumes/{volume_id}", token=token)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()["volume"]
        return body

    async def wait_for(
        self, volume_id: str, status: str | None, token: str | None = None
    ) -> dict[str, Any] | None:
        """Poll until the volume has ``status`` (``None``: until it is gone), at most
        ``WAIT_S`` seconds."""
        last: Any = None
        for _ in range(int(WAIT_S / 0.02)):
            response = await self.get(f"/v3/volumes/{volume_id}", token=token)
            if status is None and response.status_code == 404:
                return None
            assert response.status_code == 200, response.text
            last = response.json()["volume"]
            if last["status"] == status:
                return dict(last)
            await asyncio.sleep(0.02)
        raise AssertionError(f"volume {volume_id} never reached {status}: {last}")

    async def available(self, token: str | None = None, **volume: Any) -> dict[str, Any]:
        made = await self.create(token=token, **volume)
        found = await self.wait_for(made["id"], "available", token=token)
        assert found is not None
        return found

    def backing_file(self, volume_id: str) -> Path:
        return self.cloud.settings.data_dir / "volumes" / f"{volume_id}.img"

    async def user(self, role: str = "member", project_id: str | None = None) -> Caller:
        """A new user with ``role`` on ``project_id`` (a new project when None)."""
        user_id, project_id = await new_user(self.client, self.admin.token, role, project_id)
        return await login(
            self.client, {"id": user_id, "password": "pw"}, {"project": {"id": project_id}}
        )

    @staticmethod
    def error(response: httpx.Response, status: int, contains: str = "") -> dict[str, Any]:
        """Cinder's fault body ``{"<fault>": {"code", "message"}}``."""
        assert response.status_code == status, response.text
        body = response.json()
        assert list(body) == [_FAULTS[status]], body
        fault: dict[str, Any] = body[_FAULTS[status]]
        assert fault["code"] == status
        assert contains in fault["message"], fault
        assert response.headers["x-openstack-request-id"].startswith("req-")
        return fault




@pytest.fixture
async def vol(tmp_path: Path) -> AsyncIterator[VolumeClient]:
    settings = cloud_settings(tmp_path, overrides={
        "identity": {"password_hash_rounds": 4}, "api": {"log_requests": False}})
    async with open_cloud(settings) as cloud:
        transport = httpx.ASGITransport(app=cloud.dispatch)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            admin = await login(
                client,
                {"name": "admin", "domain": {"id": "default"}, "password": cloud.admin_password},
                {"project": {"name": "admin", "domain": {"id": "default"}}},
            )
            yield VolumeClient(cloud, client, admin)
