"""A service running alone validates tokens through identity's API (keystonemiddleware's way)."""

from __future__ import annotations

from pathlib import Path

import httpx
from tests.conftest import cloud_settings

from pocketstack.allinone import open_cloud
from pocketstack.standalone import open_standalone

BASE = "http://127.0.0.1:8080"


async def test_placement_alone_asks_identity(tmp_path: Path) -> None:
    settings = cloud_settings(tmp_path / "cloud",
                              overrides={"identity": {"password_hash_rounds": 4}})
    async with open_cloud(settings) as cloud:
        to_identity = httpx.ASGITransport(app=cloud.dispatch)
        alone = cloud_settings(tmp_path / "alone", overrides={"auth": {
            "identity_url": f"{BASE}/identity", "password": cloud.admin_password,
            "token_cache_time": 0}})
        async with open_standalone(alone, "placement", identity_transport=to_identity) as svc, \
                httpx.AsyncClient(base_url=BASE, transport=to_identity) as identity, \
                httpx.AsyncClient(base_url=BASE,
                                  transport=httpx.ASGITransport(app=svc.dispatch)) as http:
            body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"},
                "password": cloud.admin_password}}},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
            token = (await identity.post("/identity/v3/auth/tokens", json=body)
                     ).headers["x-subject-token"]
            ok = await http.get("/placement/resource_providers", headers={"X-Auth-Token": token})
            assert ok.status_code == 200, ok.text
            assert ok.json() == {"resource_providers": []}
            bad = await http.get("/placement/resource_providers",
                                 headers={"X-Auth-Token": token[:-4] + "AAAA"})
            assert bad.status_code == 401
            assert "errors" in bad.json()
            revoked = await identity.delete("/identity/v3/auth/tokens", headers={
                "X-Auth-Token": token, "X-Subject-Token": token})
            assert revoked.status_code == 204
            after = await http.get("/placement/resource_providers",
                                   headers={"X-Auth-Token": token})
            assert after.status_code == 401
            other = await http.get("/identity/v3", headers={"X-Auth-Token": token})
            assert other.status_code == 404  # this process serves only /placement
