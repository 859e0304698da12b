"""A cloud killed (SIGKILL) during 50 concurrent boots settles on restart.

After the restart every server is ACTIVE or ERROR (nothing stays in BUILD), and placement's
allocations match the instances exactly: each ACTIVE server holds its flavor on one host,
each ERROR server holds nothing, and the hosts' usages add up to the ACTIVE servers' flavors
(no orphaned claim). The kill lands at a different point of the boots in each round.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.cloud_process import CloudProcess

pytestmark = pytest.mark.process  # a cloud of its own, as a process

BOOTS = 50
SETTLE_S = 60.0
FLAVOR = {"VCPU": 1, "MEMORY_MB": 128, "DISK_GB": 1}  # m1.nano (flavor 42)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CloudProcess]:
    running = CloudProcess(tmp_path / "data", ready="/compute/", env={
        "POCKETSTACK_COMPUTE__SPAWN_LATENCY": "0.02", "POCKETSTACK_COMPUTE__HOSTS_PER_CELL": "4",
        # 50 boots at once: past the default quota of 10 instances
        "POCKETSTACK_QUOTA__INSTANCES": "-1", "POCKETSTACK_QUOTA__CORES": "-1",
        "POCKETSTACK_QUOTA__RAM": "-1"})
    try:
        yield running
    finally:
        running.stop()


async def _token(http: httpx.AsyncClient, data_dir: Path) -> str:
    password = (data_dir / "admin-password").read_text().strip()
    made = await http.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    assert made.status_code == 201, made.text
    return made.headers["x-subject-token"]


async def _image(http: httpx.AsyncClient) -> str:
    made = await http.post("/image/v2/images", json={
        "name": "img", "disk_format": "raw", "container_format": "bare"})
    assert made.status_code == 201, made.text
    image_id = str(made.json()["id"])
    put = await http.put(f"/image/v2/images/{image_id}/file", content=b"\0" * 512,
                         headers={"Content-Type": "application/octet-stream"})
    assert put.status_code == 204, put.text
    return image_id


async def _boot_many(http: httpx.AsyncClient, image_id: str, round_no: int) -> None:
    async def one(i: int) -> None:
        with contextlib.suppress(httpx.HTTPError):
            await http.post("/compute/v2.1/servers", json={"server": {
                "name": f"r{round_no}-{i}", "flavorRef": "42", "imageRef": image_id,
                "networks": "none"}}, headers={"OpenStack-API-Version": "compute 2.37"})

    await asyncio.gather(*(one(i) for i in range(BOOTS)))


async def _settled(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    deadline = time.monotonic() + SETTLE_S
    while True:
        listed = await http.get("/compute/v2.1/servers/detail",
                                params={"all_tenants": "1", "limit": "1000"})
        assert listed.status_code == 200, listed.text
        servers: list[dict[str, Any]] = listed.json()["servers"]
        unsettled = [s for s in servers if s["status"] not in ("ACTIVE", "ERROR")]
        if not unsettled:
            return servers
        assert time.monotonic() < deadline, f"still unsettled: {unsettled[:3]}"
        await asyncio.sleep(0.2)


async def _check_allocations(http: httpx.AsyncClient, servers: list[dict[str, Any]]) -> None:
    placement = {"OpenStack-API-Version": "placement 1.28"}
    active = 0
    for server in servers:
        got = await http.get(f"/placement/allocations/{server['id']}", headers=placement)
        allocations = got.json()["allocations"]
        if server["status"] == "ACTIVE":
            active += 1
            assert len(allocations) == 1, (server["id"], allocations)
            (held,) = allocations.values()
            assert held["resources"] == FLAVOR
        else:
            assert allocations == {}, (server["id"], server.get("fault"), allocations)
    providers = (await http.get("/placement/resource_providers", headers=placement)
                 ).json()["resource_providers"]
    totals = {name: 0 for name in FLAVOR}
    for provider in providers:
        usages = (await http.get(f"/placement/resource_providers/{provider['uuid']}/usages",
                                 headers=placement)).json()["usages"]
        for name in totals:
            totals[name] += usages.get(name, 0)
    assert totals == {name: amount * active for name, amount in FLAVOR.items()}


def test_kill_during_concurrent_boots_settles(server: CloudProcess) -> None:
    rng = random.Random(5)

    async def scenario() -> None:
        for round_no in range(3):
            server.start()
            async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
                http.headers["X-Auth-Token"] = await _token(http, server.data_dir)
                image_id = await _image(http) if round_no == 0 else image_id_holder[0]
                image_id_holder[:] = [image_id]
                booting = asyncio.create_task(_boot_many(http, image_id, round_no))
                await asyncio.sleep(rng.uniform(0.05, 0.8))
                server.kill()
                with contextlib.suppress(Exception):
                    await booting
            server.start()
            async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
                http.headers["X-Auth-Token"] = await _token(http, server.data_dir)
                servers = await _settled(http)
                await _check_allocations(http, servers)
            server.stop()

    image_id_holder: list[str] = []
    asyncio.run(scenario())
