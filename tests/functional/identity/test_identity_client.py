"""The typed identity client over the in-process transport, and the base client's retry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tests.conftest import cloud_settings

from pocketstack.allinone import Cloud, open_cloud
from pocketstack.common.client import ServiceClient, ServiceError, StaticToken
from pocketstack.identity.client import IdentityClient, PasswordTokenSource

BASE = "http://127.0.0.1:8080/identity"


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    settings = cloud_settings(tmp_path, overrides={"identity": {"password_hash_rounds": 4}})
    async with open_cloud(settings) as running:
        yield running


async def test_password_token_source_and_validation(cloud: Cloud) -> None:
    transport = httpx.ASGITransport(app=cloud.dispatch)
    tokens = PasswordTokenSource(BASE, "admin", cloud.admin_password, "admin",
                                 transport=transport)
    client = IdentityClient(BASE, tokens=tokens, transport=transport)
    try:
        first = await tokens.token()
        assert await tokens.token() == first  # cached until close to expiry
        token = await client.validate_token(first)
        assert token["user"]["name"] == "admin"
        assert {r["name"] for r in token["roles"]} >= {"admin", "member", "reader"}
        catalog = await client.catalog()
        assert "identity" in [entry["type"] for entry in catalog]
        with pytest.raises(ServiceError) as caught:
            await client.validate_token("not-a-token")
        assert caught.value.status == 404
        assert caught.value.body["error"]["code"] == 404
    finally:
        await client.close()
        await tokens.close()


async def test_retry_once_after_401_with_a_fresh_token() -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("x-auth-token"))
        if request.headers.get("x-auth-token") == "stale":
            return httpx.Response(401, json={"error": {"code": 401}})
        return httpx.Response(200, json={"ok": True})

    class Rotating(StaticToken):
        def invalidate(self) -> None:
            self.value = "fresh"

    async with ServiceClient("http://stub", tokens=Rotating("stale"),
                             transport=httpx.MockTransport(answer)) as client:
        response = await client.request("GET", "/thing")
    assert response.json() == {"ok": True}
    assert seen == ["stale", "fresh"]
