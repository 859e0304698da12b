"""Compute API stories: a fresh all-in-one cloud (cell0 + two cells, two fake hosts each),
driven in process over HTTP.

``nova`` is a :class:`ComputeClient`: requests go to ``/compute/v2.1`` with the admin's
project-scoped token (``token=`` for another caller, ``""`` for none) and the microversion
given per call (``version=LATEST`` by default; ``None`` sends none). ``nova.user(...)`` makes
a user with a role on a new project; ``nova.wait_for(...)`` polls a server (bounded).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.accounts import Caller, login, new_user
from tests.api.verbs import Verbs

from pocketstack.allinone import Cloud, open_cloud
from pocketstack.common.settings import load_settings
from pocketstack.compute.service import Compute

BASE_URL = "http://127.0.0.1:8080"
LATEST = "2.96"
WAIT_S = 10.0

_FAULTS = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
           405: "badMethod", 406: "computeFault", 409: "conflictingRequest", 413: "overLimit",
           500: "computeFault"}



class ComputeClient(Verbs):
    def __init__(self, cloud: Cloud, client: httpx.AsyncClient, admin: Caller) -> None:
        self.cloud = cloud
        self.client = client
        self.admin = admin
        self.token = admin.token
        self._default_image: str | None = None

    @property
    def service(self) -> Compute:
        svc = self.cloud.services["/compute"]
        assert isinstance(svc, Compute)
        return svc

    async def request(self, method: str, path: str, *, token: str | None = None,
                      version: str | None = LATEST, headers: dict[str, str] | None = None,
                      **kw: Any) -> httpx.Response:
        """``path`` below ``/compute/v2.1`` (``/servers``...)."""
        sent = {**(headers or {})}
        token = self.token if token is None else token
        if token:
            sent["X-Auth-Token"] = token
        if version is not None:
            sent["OpenStack-API-Version"] = f"compute {version}"
        return await self.client.request(method, "/compute/v2.1" + path, headers=sent, **kw)

    # -- other services, as the CLI would call them -----------------------------------

    async def other(self, method: str, path: str, token: str | None = None,
                    **kw: Any) -> httpx.Response:
        """A call to another service of the cloud (``/image/v2/images``...)."""
        headers = {"X-Auth-Token": self.token if token is None else token}
        return await self.client.request(method, path, headers=headers, **kw)

    async def image(self, name: str = "cirros") -> str:
        """An active image (a few bytes uploaded); its id."""
        made = await self.other("POST", "/image/v2/images", json={
            "name": name, "disk_format": "qcow2", "container_format": "bare",
            "visibility": "public"})
        assert made.status_code == 201, made.text
        image_id = str(made.json()["id"])
        uploaded = await self.client.put(
            f"/image/v2/images/{image_id}/file", content=b"\0" * 1024,
            headers={"X-Auth-Token": self.token, "Content-Type": "application/octet-stream"})
        assert uploaded.status_code == 204, uploaded.text
        return image_id

    async def network(self, name: str = "private", cidr: str = "10.0.0.0/24",
                      token: str | None = None) -> str:
        """A network with one IPv4 subnet (of the admin's project, or the token's); its id."""
        made = await self.other("POST", "/network/v2.0/networks", token=token,
                                json={"network": {"name": name}})
        assert made.status_code == 201, made.text
        network_id = str(made.json()["network"]["id"])
        subnet = await self.other("POST", "/network/v2.0/subnets", token=token, json={"subnet": {
            "network_id": network_id, "cidr": cidr, "ip_version": 4, "name": name + "-v4"}})
        assert subnet.status_code == 201, subnet.text
        return network_id

    # -- servers ---------------------------------------------------------------------

    async def default_image(self) -> str:
        """One public image made on first use, booted by default."""
        if self._default_image is None:
            self._default_image = await self.image("default-image")
        return self._default_image

    async def boot(self, token: str | None = None, **server: Any) -> dict[str, Any]:
        """POST /servers (flavor 1, no networks, the default image unless an image or block
        devices are given); the 202 body."""
        body = {"name": "vm", "flavorRef": "1", "networks": "none", **server}
        if "imageRef" not in body and "block_device_mapping_v2" not in body:
            body["imageRef"] = await self.default_image()
        response = await self.post("/servers", token=token, json={"server": body})
        assert response.status_code == 202, response.text
        made: dict[str, Any] = response.json()["server"]
        return made

    async def show(self, server_id: str, token: str | None = None) -> dict[str, Any]:
        response = await self.get(f"/servers/{server_id}", token=token)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()["server"]
        return found

    async def wait_for(self, server_id: str, status: str | None,
                       token: str | None = None) -> dict[str, Any] | None:
        """Poll until the server has ``status`` (``None``: until it is gone), at most
        ``WAIT_S`` seconds."""
        last: Any = None
        for _ in range(int(WAIT_S / 0.02)):
            response = await self.get(f"/servers/{server_id}", token=token)
            if status is None and response.status_code == 404:
                return None
            assert response.status_code == 200, response.text
            last = response.json()["server"]
            if last["status"] == status:
                return dict(last)
            await asyncio.sleep(0.02)
        raise AssertionError(f"server {server_id} never reached {status}: {last}")

    async def user(self, role: str = "member", project_id: str | None = None) -> Caller:
        """A new user with ``role`` on ``project_id`` (a new project when None)."""
        user_id, project_id = await new_user(self.client, self.admin.token, role, project_id)
        return await login(self.client, {"id": user_id, "password": "pw"},
                            {"project": {"id": project_id}})

    @staticmethod
    def error(response: httpx.Response, status: int, contains: str = "") -> dict[str, Any]:
        """Nova's fault body ``{"<fault>": {"code", "message"}}``."""
        assert response.status_code == status, response.text
        body = response.json()
        assert list(body) == [_FAULTS[status]], body
        fault: dict[str, Any] = body[_FAULTS[status]]
        assert fault["code"] == status
        assert contains in fault["message"], fault
        assert response.headers["x-openstack-request-id"].startswith("req-")
        return fault




def compute_settings(tmp_path: Path, *, quota: dict[str, Any] | None = None,
                     policy: dict[str, str] | None = None, **compute: Any) -> Any:
    """Settings for a small test cloud: two cells of two fake hosts unless overridden, and
    no limit on instances, cores or RAM (the quota stories set their own); ``policy``
    overrides rules as an operator's ``[policy]`` would."""
    options = {"cells": 2, "hosts_per_cell": 2, "discover_hosts_interval": 0.2,
               "report_interval": 1.0, **compute}
    return load_settings(tmp_path, env={}, overrides={
        "identity": {"password_hash_rounds": 4}, "api": {"log_requests": False},
        "compute": options,
        "quota": quota if quota is not None else {"instances": -1, "cores": -1, "ram": -1},
        "policy": policy or {}})


@contextlib.asynccontextmanager
async def nova_on(settings: Any) -> AsyncIterator[ComputeClient]:
    """A cloud opened on ``settings`` and a client with the admin's token."""
    async with open_cloud(settings) as cloud:
        transport = httpx.ASGITransport(app=cloud.dispatch)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            admin = await login(client, {"name": "admin", "domain": {"name": "Default"},
                                          "password": cloud.admin_password},
                                 {"project": {"name": "admin", "domain": {"name": "Default"}}})
            yield ComputeClient(cloud, client, admin)


@pytest.fixture
async def nova(tmp_path: Path) -> AsyncIterator[ComputeClient]:
    async with nova_on(compute_settings(tmp_path)) as client:
        yield client
