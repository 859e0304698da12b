"""Load-balancer API stories: a fresh all-in-one cloud, driven in process over HTTP.

``lbc`` is an :class:`LbClient`: requests go to ``/load-balancer/v2.0`` with the admin's
project-scoped token (``token=`` for another caller, ``""`` for none). The cloud's default
provider is ``noop_driver`` here (nothing serves; statuses move as upstream's no-op
deployment); stories about real traffic set ``provider="amphora"``. ``lbc.user(...)``
makes a user with a role on a new project; ``lbc.wait_lb(...)`` polls (bounded) until the
controller has settled a load balancer.
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
from tests.lb_backends import ha_vip_cidr, vip_cidr

from pocketstack.allinone import Cloud, open_cloud
from pocketstack.loadbalancer.service import LoadBalancerService

BASE_URL = "http://127.0.0.1:8080"
WAIT_S = 10.0
V2 = "/v2.0/lbaas"



class LbClient(Verbs):
    def __init__(self, cloud: Cloud, client: httpx.AsyncClient, admin: Caller) -> None:
        self.cloud = cloud
        self.client = client
        self.admin = admin
        self.token = admin.token

    @property
    def service(self) -> LoadBalancerService:
        svc = self.cloud.services["/load-balancer"]
        assert isinstance(svc, LoadBalancerService)
        return svc

    async def request(self, method: str, path: str, *, token: str | None = None,
                      headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        sent = {**(headers or {})}
        token = self.token if token is None else token
        if token:
            sent["X-Auth-Token"] = token
        return await self.client.request(method, "/load-balancer" + path, headers=sent, **kw)

    async def vip_subnet(self, name: str = "lb-vip-net-subnet") -> str:
        """The id of a shared VIP subnet the service made at start-up."""
        for _ in range(int(WAIT_S / 0.05)):
            found = await self.client.get("/network/v2.0/subnets",
                                          params={"name": name},
                                          headers={"X-Auth-Token": self.admin.token})
            subnets = found.json()["subnets"]
            if subnets:
                return str(subnets[0]["id"])
            await asyncio.sleep(0.05)
        raise AssertionError("the VIP subnet was never made")

    async def create_lb(self, token: str | None = None, **fields: Any) -> dict[str, Any]:
        fields.setdefault("vip_subnet_id", await self.vip_subnet())
        made = await self.post(f"{V2}/loadbalancers", token=token, json={"loadbalancer": fields})
        assert made.status_code == 201, made.text
        body: dict[str, Any] = made.json()["loadbalancer"]
        return body

    async def wait_lb(self, lb_id: str, status: str | None = "ACTIVE",
                      token: str | None = None, within: float = WAIT_S
                      ) -> dict[str, Any] | None:
        """Poll until the load balancer's provisioning status is ``status`` (None: gone)."""
        last: Any = None
        for _ in range(int(within / 0.02)):
            got = await self.get(f"{V2}/loadbalancers/{lb_id}", token=token)
            if status is None and got.status_code == 404:
                return None
            assert got.status_code == 200, got.text
            last = got.json()["loadbalancer"]
            if last["provisioning_status"] == status:
                return dict(last)
            await asyncio.sleep(0.02)
        raise AssertionError(f"load balancer {lb_id} never reached {status}: {last}")

    async def active_lb(self, token: str | None = None, **fields: Any) -> dict[str, Any]:
        made = await self.create_lb(token=token, **fields)
        found = await self.wait_lb(made["id"], token=token)
        assert found is not None
        return found

    async def user(self, role: str = "member", project_id: str | None = None) -> Caller:
        user_id, project_id = await new_user(self.client, self.admin.token, role, project_id)
        return await login(self.client, {"id": user_id, "password": "pw"},
                            {"project": {"id": project_id}})

    @staticmethod
    def error(response: httpx.Response, status: int, contains: str = "") -> str:
        """Octavia's fault body; its faultstring."""
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"faultcode", "faultstring", "debuginfo"}, body
        assert body["faultcode"] == ("Client" if status < 500 else "Server")
        assert contains in body["faultstring"], body
        return str(body["faultstring"])




def lb_settings(tmp_path: Path, **loadbalancer: Any) -> Any:
    return cloud_settings(tmp_path, overrides={
        "identity": {"password_hash_rounds": 4}, "api": {"log_requests": False},
        "loadbalancer": {"default_provider": "noop_driver", "health_check_interval": 0.2,
                         "vip_cidr": vip_cidr(), "ha_vip_cidr": ha_vip_cidr(),
                         **loadbalancer}})


@pytest.fixture
def lb_options() -> dict[str, Any]:
    """[loadbalancer] options of the story's cloud (override in a test module)."""
    return {}


@pytest.fixture
async def lbc(tmp_path: Path, lb_options: dict[str, Any]) -> AsyncIterator[LbClient]:
    async with open_cloud(lb_settings(tmp_path, **lb_options)) as cloud:
        transport = httpx.ASGITransport(app=cloud.dispatch)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            admin = await login(client, {"name": "admin", "domain": {"id": "default"},
                                          "password": cloud.admin_password},
                                 {"project": {"name": "admin", "domain": {"id": "default"}}})
            lbc = LbClient(cloud, client, admin)
            try:
                yield lbc
            finally:  # nothing outlives the story: processes, namespaces, bridges
                driver = lbc.service.drivers["amphora"]
                state = cloud.settings.data_dir / "loadbalancer"
                for entry in state.iterdir() if state.is_dir() else ():
                    if entry.is_dir():
                        await driver.remove(entry.name)
