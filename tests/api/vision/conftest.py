"""Face recognition API stories: a fresh all-in-one cloud, driven in process over HTTP.

``face`` is a :class:`FaceApi`: requests go to ``/face`` with the admin's project-scoped
token (``token=`` for another caller, ``""`` for none); ``face.user(role)`` makes a user with
that role on a new project (or a given one) and returns their token. The models are loaded
once per test session (the pipeline is cached per process and configuration).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.accounts import new_user
from tests.api.verbs import Verbs
from tests.conftest import cloud_settings

from pocketstack.allinone import Cloud, open_cloud
from pocketstack.common.settings import VisionSettings
from pocketstack.vision.pipeline.loader import load_pipeline

BASE_URL = "http://127.0.0.1:8080"


class FaceApi(Verbs):
    def __init__(self, cloud: Cloud, client: httpx.AsyncClient, token: str) -> None:
        self.cloud = cloud
        self.client = client
        self.token = token

    async def request(self, method: str, path: str, *, token: str | None = None,
                      headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        sent = {**(headers or {})}
        token = self.token if token is None else token
        if token:
            sent["X-Auth-Token"] = token
        return await self.client.request(method, "/face" + path, headers=sent, **kw)

    async def image(self, path: str, data: bytes, **kw: Any) -> httpx.Response:
        """POST raw image bytes."""
        headers = {"Content-Type": "image/jpeg", **kw.pop("headers", {})}
        return await self.post(path, content=data, headers=headers, **kw)

    # -- shortcuts -------------------------------------------------------------------------

    async def gallery(self, name: str | None = None, token: str | None = None,
                      **fields: Any) -> dict[str, Any]:
        made = await self.post("/v1/galleries", token=token, json={
            "gallery": {"name": name or f"g-{uuid.uuid4().hex[:8]}", **fields}})
        assert made.status_code == 201, made.text
        gallery: dict[str, Any] = made.json()["gallery"]
        return gallery

    async def person(self, gallery_id: str, name: str, token: str | None = None,
                     **metadata: Any) -> dict[str, Any]:
        made = await self.post(f"/v1/galleries/{gallery_id}/persons", token=token,
                               json={"person": {"name": name, "metadata": metadata}})
        assert made.status_code == 201, made.text
        person: dict[str, Any] = made.json()["person"]
        return person

    async def enroll(self, gallery_id: str, person_id: str, images: list[bytes],
                     token: str | None = None) -> httpx.Response:
        files = [(f"image{i}", (f"{i}.jpg", data, "image/jpeg")) for i, data in enumerate(images)]
        return await self.post(f"/v1/galleries/{gallery_id}/persons/{person_id}/faces",
                               files=files, token=token)

    async def wait_job(self, gallery_id: str, job_id: str, within: float = 60.0
                       ) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while True:
            shown = await self.get(f"/v1/galleries/{gallery_id}/enroll-jobs/{job_id}")
            assert shown.status_code == 200, shown.text
            job: dict[str, Any] = shown.json()["enroll_job"]
            if job["status"] in ("COMPLETE", "ERROR"):
                return job
            assert time.monotonic() < deadline, job
            await asyncio.sleep(0.05)

    async def user(self, role: str = "member", project_id: str | None = None) -> str:
        """A new user with ``role`` on ``project_id`` (a new project when None); their token."""
        user_id, project_id = await new_user(self.client, self.token, role, project_id)
        return await _token(self.client, {"id": user_id, "password": "pw"},
                            {"project": {"id": project_id}})

    async def project_of(self, token: str) -> str:
        shown = await self.client.get("/identity/v3/auth/tokens",
                                      headers={"X-Auth-Token": self.token,
                                               "X-Subject-Token": token})
        return str(shown.json()["token"]["project"]["id"])

    @staticmethod
    def error(response: httpx.Response, status: int, code: str = "") -> dict[str, Any]:
        """The one error shape: ``{"error": {status, code, title, message, request_id}}``."""
        assert response.status_code == status, response.text
        error: dict[str, Any] = response.json()["error"]
        assert error["status"] == status
        assert error["title"] == httpx.codes.get_reason_phrase(status)
        assert error["message"]
        assert code in error["code"], error
        assert error["request_id"] == response.headers["x-openstack-request-id"]
        assert error["request_id"].startswith("req-")
        return error


async def _token(client: httpx.AsyncClient, user: dict[str, Any], scope: dict[str, Any]) -> str:
    issued = await client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": user}}, "scope": scope}})
    assert issued.status_code == 201, issued.text
    return issued.headers["x-subject-token"]


FaceFactory = Callable[..., AbstractAsyncContextManager[FaceApi]]


@pytest.fixture(scope="session", autouse=True)
def _models() -> None:
    load_pipeline(VisionSettings())  # once, before the first cloud needs it


@pytest.fixture
def open_face(tmp_path: Path) -> FaceFactory:
    """Open the cloud of this test's data dir (again, to restart it); ``vision={...}``
    overrides ``[vision]``."""

    @asynccontextmanager
    async def opened(**vision: Any) -> AsyncIterator[FaceApi]:
        settings = cloud_settings(tmp_path, overrides={
            "identity": {"password_hash_rounds": 4},
            "api": {"log_requests": False},
            "vision": vision,
        })
        async with open_cloud(settings) as cloud:
            transport = httpx.ASGITransport(app=cloud.dispatch)
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL,
                                         timeout=60) as client:
                token = await _token(
                    client,
                    {"name": "admin", "domain": {"id": "default"},
                     "password": cloud.admin_password},
                    {"project": {"name": "admin", "domain": {"id": "default"}}})
                yield FaceApi(cloud, client, token)

    return opened


@pytest.fixture
async def face(open_face: FaceFactory) -> AsyncIterator[FaceApi]:
    async with open_face() as client:
        yield client
