"""Real traffic through the HAProxy of an ``amphora`` load balancer, in process: round robin
over three backends, a member taken down seen by the health watcher, a member update under
load without a failed request, and a delete that leaves nothing behind."""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Any

import httpx
import pytest
from tests.api.loadbalancer.conftest import V2, LbClient
from tests.lb_backends import backends

pytestmark = pytest.mark.skipif(
    __import__("shutil").which("haproxy") is None, reason="haproxy is not installed")


async def _ok(lbc: LbClient, lb_id: str) -> None:
    assert await lbc.wait_lb(lb_id) is not None


async def _member_state(lbc: LbClient, pool_id: str, member_id: str) -> str:
    got = await lbc.get(f"{V2}/pools/{pool_id}/members/{member_id}")
    return str(got.json()["member"]["operating_status"])


async def _until(check: Any, what: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


async def test_traffic_story(lbc: LbClient) -> None:
    lb = await lbc.active_lb(provider="amphora", name="web")
    lb_id, vip = lb["id"], lb["vip_address"]
    got = await lbc.post(f"{V2}/listeners", json={"listener": {
        "loadbalancer_id": lb_id, "protocol": "HTTP", "protocol_port": 8080}})
    assert got.status_code == 201, got.text
    listener = got.json()["listener"]
    await _ok(lbc, lb_id)
    got = await lbc.post(f"{V2}/pools", json={"pool": {
        "listener_id": listener["id"], "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN"}})
    pool = got.json()["pool"]
    await _ok(lbc, lb_id)
    with backends("b1", "b2", "b3", "b4") as servers:
        members = {}
        for server in servers[:3]:
            got = await lbc.post(f"{V2}/pools/{pool['id']}/members", json={"member": {
                "address": server.host, "protocol_port": server.port, "name": server.name}})
            assert got.status_code == 201, got.text
            members[server.name] = got.json()["member"]["id"]
            await _ok(lbc, lb_id)
        got = await lbc.post(f"{V2}/healthmonitors", json={"healthmonitor": {
            "pool_id": pool["id"], "type": "HTTP", "delay": 1, "timeout": 1, "max_retries": 1,
            "max_retries_down": 1}})
        assert got.status_code == 201, got.text
        await _ok(lbc, lb_id)
        async with httpx.AsyncClient(base_url=f"http://{vip}:8080", timeout=5) as http:
            seen = collections.Counter([(await http.get("/")).text for _ in range(30)])
            assert seen == {"b1": 10, "b2": 10, "b3": 10}, seen

            async def online() -> bool:
                return await _member_state(lbc, pool["id"], members["b1"]) == "ONLINE"
            await _until(online, "b1 ONLINE")

            # Ten member changes under a steady load: not one failed request. Each request
            # is a connection of its own: a reload hands the listening sockets over, so no
            # connection is refused; an idle keep-alive connection, though, may be closed by
            # the old worker as it leaves (HTTP lets a server do so; clients retry).
            failures, answered = 0, 0
            stop = asyncio.Event()

            async def load() -> None:
                nonlocal failures, answered
                while not stop.is_set():
                    try:
                        response = await http.get("/", headers={"Connection": "close"})
                        answered += 1
                        failures += response.status_code != 200
                    except httpx.HTTPError:
                        failures += 1
            runner = asyncio.create_task(load())
            for n in range(10):
                got = await lbc.put(f"{V2}/pools/{pool['id']}/members/{members['b1']}",
                                    json={"member": {"weight": 1 + n % 3}})
                assert got.status_code == 200, got.text
                await _ok(lbc, lb_id)
            stop.set()
            await runner
            assert failures == 0 and answered > 10, (failures, answered)
            # Counters are the load balancer's, not the current worker's: cumulative
            # through the ten reloads (each old worker's count is taken just before its
            # reload, so what it serves while it leaves is not counted: most, not all).
            stats = (await lbc.get(f"{V2}/loadbalancers/{lb_id}/stats")).json()["stats"]
            assert stats["total_connections"] >= answered // 2, (stats, answered)
            assert stats["bytes_out"] >= (30 + answered) * 50, (stats, answered)

            servers[2].stop()

            async def b3_down() -> bool:
                return await _member_state(lbc, pool["id"], members["b3"]) == "ERROR"
            await _until(b3_down, "b3 ERROR")
            shown = (await lbc.get(f"{V2}/loadbalancers/{lb_id}")).json()["loadbalancer"]
            assert shown["operating_status"] == "DEGRADED"
            assert {(await http.get("/")).text for _ in range(6)} == {"b1", "b2"}
    state = lbc.service.settings.data_dir / "loadbalancer"
    assert (state / lb_id).is_dir()
    gone = await lbc.delete(f"{V2}/loadbalancers/{lb_id}", params={"cascade": "true"})
    assert gone.status_code == 204
    assert await lbc.wait_lb(lb_id, None) is None
    assert not (state / lb_id).exists()
    assert await lbc.service.drivers["amphora"].running() == set()
