"""The last unit, claimed fifty times at once: exactly one claim wins, on every backend.

One provider offers VCPU total 1. Fifty consumers PUT an allocation of VCPU 1 concurrently
(``asyncio.gather``), in process over ASGI and through a real uvicorn server. Exactly one
answers 204; the 49 others get the capacity 409 (never a 500, never a second winner), and
the provider's usage is exactly 1. Each database is a scratch one: a SQLite file, or a
uniquely named database on the PostgreSQL (or MariaDB) server, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import collections
import socket
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from tests.conftest import cloud_settings

from pocketstack.allinone import Cloud, CloudApp, open_cloud
from pocketstack.common.settings import Settings
from pocketstack.placement.db import models as m

CLAIMS = 50
VERSION = {"OpenStack-API-Version": "placement 1.39"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The cloud's settings, with placement on a fresh database of the parameter's kind."""
    return cloud_settings(tmp_path, overrides={
        "database": {"placement": database_url},
        "identity": {"password_hash_rounds": 4},
        "api": {"log_requests": False},
    })


async def _admin_token(client: httpx.AsyncClient, password: str) -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "admin", "domain": {"id": "default"}, "password": password}
                },
            },
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
        }
    }
    issued = await client.post("/identity/v3/auth/tokens", json=body)
    assert issued.status_code == 201, issued.text
    return issued.headers["x-subject-token"]


async def _provider(client: httpx.AsyncClient, name: str, vcpus: int) -> str:
    created = await client.post("/placement/resource_providers", json={"name": name})
    assert created.status_code == 200, created.text
    uuid_ = str(created.json()["uuid"])
    stocked = await client.put(
        f"/placement/resource_providers/{uuid_}/inventories",
        json={"resource_provider_generation": 0, "inventories": {"VCPU": {"total": vcpus}}},
    )
    assert stocked.status_code == 200, stocked.text
    return uuid_


async def _last_unit_race(cloud: Cloud, client: httpx.AsyncClient) -> None:
    client.headers.update(
        {"X-Auth-Token": await _admin_token(client, cloud.admin_password), **VERSION}
    )
    rp, spare = await _provider(client, "cn1", 1), await _provider(client, "spare", 1)

    async def claim(consumer: str, on: str) -> httpx.Response:
        return await client.put(
            f"/placement/allocations/{consumer}",
            json={
                "allocations": {on: {"resources": {"VCPU": 1}}},
                "project_id": "p",
                "user_id": "u",
                "consumer_generation": None,
                "consumer_type": "INSTANCE",
            },
        )

    # The project, user and consumer type exist before the race (a claim elsewhere made
    # them), so nothing but the provider's lock stands between the claimants.
    early = str(uuid.uuid4())
    assert (await claim(early, spare)).status_code == 204

    consumers = [str(uuid.uuid4()) for _ in range(CLAIMS)]
    answers = await asyncio.gather(*(claim(c, rp) for c in consumers))

    statuses = collections.Counter(a.status_code for a in answers)
    assert statuses == {204: 1, 409: CLAIMS - 1}, [a.text for a in answers if a.is_error]
    for answer in answers:
        if answer.status_code == 409:
            [error] = answer.json()["errors"]
            assert error["detail"].endswith("The requested amount would exceed the capacity.")
    [winner] = [c for c, a in zip(consumers, answers, strict=True) if a.status_code == 204]

    usages = await client.get(f"/placement/resource_providers/{rp}/usages")
    assert usages.json() == {"usages": {"VCPU": 1}, "resource_provider_generation": 2}
    held = await client.get(f"/placement/allocations/{winner}")
    assert held.json()["allocations"] == {rp: {"generation": 2, "resources": {"VCPU": 1}}}
    async with cloud.placement.reading() as conn:
        rows = (await conn.execute(sa.select(m.allocations.c.consumer_id))).scalars().all()
        consumer_rows = await conn.scalar(sa.select(sa.func.count()).select_from(m.consumers))
    assert sorted(rows) == sorted([early, winner]) and consumer_rows == 2


async def test_last_unit_in_process(settings: Settings) -> None:
    async with open_cloud(settings) as cloud:
        transport = httpx.ASGITransport(app=cloud.dispatch)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            await _last_unit_race(cloud, client)


async def test_last_unit_through_uvicorn(settings: Settings) -> None:
    app = CloudApp(settings)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_config=None, access_log=False))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            assert not serving.done(), "uvicorn did not start"
            await asyncio.sleep(0.01)
        assert app.cloud is not None
        limits = httpx.Limits(max_connections=CLAIMS, max_keepalive_connections=CLAIMS)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30
        ) as client:
            await _last_unit_race(app.cloud, client)
    finally:
        server.should_exit = True
        await serving
        listener.close()
